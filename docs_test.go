package nomadbox_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// notATopology is the marker that exempts the ```hcl block right after it
// from being checked as a topology (a Nomad job specification, an agent
// configuration). Such a block must still parse as HCL.
const notATopology = "<!-- not-a-topology -->"

// docExample is one ```hcl block of a Markdown file.
type docExample struct {
	file   string
	line   int // of the opening fence
	src    string
	marked bool // preceded by notATopology
}

func (e docExample) String() string { return fmt.Sprintf("%s:%d", e.file, e.line) }

// hclExamples extracts every ```hcl block of the Markdown file at path,
// indented ones (inside list items) included.
func hclExamples(t *testing.T, path string) []docExample {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []docExample
	for _, b := range testtools.CodeBlocks(string(data)) {
		if b.Lang != "hcl" {
			continue
		}
		ex := docExample{file: path, line: b.Line, marked: b.Before == notATopology}
		if !b.Closed {
			t.Errorf("%s: the ```hcl block is never closed", ex)
		}
		ex.src = strings.Join(b.Lines, "\n") + "\n"
		out = append(out, ex)
	}
	return out
}

// minimalTopology is what a fragment is merged into: every block a
// topology needs, each replaced by the fragment's blocks of its type. The
// ssh provider's hosts in the docs must name exactly these nodes.
var minimalTopology = []struct{ typ, src string }{
	{"cluster", "cluster \"docs\" {\n}\n"},
	{"provider", "provider \"docker\" {\n}\n"},
	{"server", "server \"nomad-server\" {\n  count = 1\n}\n"},
	{"client", "client \"nomad-client\" {\n  count = 2\n}\n"},
}

// TestDocsHCLExamples parses every ```hcl block of the README and docs/:
// a whole topology must validate as `nomadbox validate` would, a fragment
// must validate once merged into a minimal topology, and a block marked
// not-a-topology must at least be HCL. The job files examples name are
// looked up from the module root, where jobs/ is.
func TestDocsHCLExamples(t *testing.T) {
	var all []docExample
	for _, f := range testtools.DocFiles(t, ".") {
		all = append(all, hclExamples(t, f)...)
	}
	if len(all) == 0 {
		t.Fatal("no ```hcl example found in README.md or docs/*.md: the extraction is broken")
	}
	topologies := 0
	for _, ex := range all {
		file, diags := hclsyntax.ParseConfig([]byte(ex.src), ex.String(), hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: not valid HCL:\n%s", ex, diags.Error())
			continue
		}
		if ex.marked {
			continue
		}
		body := file.Body.(*hclsyntax.Body)
		if len(body.Attributes) > 0 {
			t.Errorf("%s: top-level attributes are no topology; mark the block %s if it is not meant as one", ex, notATopology)
			continue
		}
		topologies++
		src := mergeIntoMinimal(body, ex.src)
		if msg := validateTopology(src, ex.String()); msg != "" {
			t.Errorf("%s: the example does not validate (as merged into a minimal topology where it is a fragment):\n%s\n--- checked source ---\n%s", ex, msg, src)
		}
	}
	if topologies == 0 {
		t.Error("no ```hcl example is checked as a topology: every one is marked " + notATopology)
	}
}

// mergeIntoMinimal returns src alone when it is a whole topology, else
// src after the minimal topology's blocks of the types src does not have.
func mergeIntoMinimal(body *hclsyntax.Body, src string) string {
	has := map[string]bool{}
	for _, b := range body.Blocks {
		has[b.Type] = true
	}
	var b strings.Builder
	for _, m := range minimalTopology {
		if !has[m.typ] {
			b.WriteString(m.src)
		}
	}
	b.WriteString(src)
	return b.String()
}

// validateTopology runs what `nomadbox validate` runs on src, as if it
// were topology.hcl at the module root, and returns the errors. The
// host checks of files on the user's own machine (install's local
// binaries, the ssh provider's private key) are left out: the docs name
// paths that exist only there. Job files must exist, in jobs/.
func validateTopology(src, name string) string {
	root, err := os.Getwd()
	if err != nil {
		return err.Error()
	}
	p := providers.NewParser()
	topo, diags := p.Parse([]byte(src), filepath.Join(root, "topology.hcl"))
	if diags.HasErrors() {
		return errorsOf(diags)
	}
	var kept hcl.Diagnostics
	for _, d := range topo.CheckHost() {
		if d.Subject != nil && (within(d.Subject, &topo.Install.DeclRange, src) || within(d.Subject, &topo.Provider.DeclRange, src)) {
			continue
		}
		kept = append(kept, d)
	}
	return errorsOf(kept)
}

// within reports whether r lies in the block whose header is at decl:
// from the header's start to the block's closing brace.
func within(r, decl *hcl.Range, src string) bool {
	if r.Start.Byte < decl.Start.Byte {
		return false
	}
	end := strings.Index(src[decl.Start.Byte:], "\n}")
	return end >= 0 && r.Start.Byte < decl.Start.Byte+end+2
}

func errorsOf(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			fmt.Fprintf(&b, "  %s\n", d.Error())
		}
	}
	return b.String()
}

// TestTopologyReferenceCoversSchema keeps docs/topology.md and the parser
// in step. What the parser accepts is found by asking it: every string
// literal of internal/topology's code is tried as a top-level block and
// as an attribute of every block (and of every built-in provider's
// block), and whatever does not draw "Unsupported block type" or
// "Unsupported argument" is part of the schema. docs/topology.md must
// document each, in a table row of the block's section with a default,
// and may document nothing the parser refuses.
func TestTopologyReferenceCoversSchema(t *testing.T) {
	words := topologyWords(t)
	accepted := acceptedSchema(t, words)
	if len(accepted) < 10 || len(accepted["client"]) < 5 {
		t.Fatalf("the schema probe found too little (%v): it no longer recognises the parser's answers", accepted)
	}
	documented := documentedSchema(t, "docs/topology.md")
	for _, block := range sortedKeys(accepted) {
		doc, ok := documented[block]
		if !ok {
			t.Errorf("docs/topology.md has no section for the block %s (a heading naming it in backticks)", block)
			continue
		}
		for _, attr := range sortedKeys(accepted[block]) {
			if !doc[attr] {
				t.Errorf("docs/topology.md: the parser accepts %s in %s, which the reference does not document", attr, block)
			}
		}
	}
	for _, block := range sortedKeys(documented) {
		if _, ok := accepted[block]; !ok {
			t.Errorf("docs/topology.md documents a block %s, which the parser does not accept", block)
			continue
		}
		for _, attr := range sortedKeys(documented[block]) {
			if !accepted[block][attr] {
				t.Errorf("docs/topology.md documents %s in %s, which the parser refuses", attr, block)
			}
		}
	}
}

// topologyWords are the string literals of the topology package's code
// that could name a block or an attribute.
func topologyWords(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	// The built-in providers' attributes are declared in their packages.
	files, err := filepath.Glob("internal/topology/*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("internal/providers/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	ident := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && ident.MatchString(s) {
					seen[s] = true
				}
			}
			return true
		})
	}
	return sortedKeys(seen)
}

// acceptedSchema asks the parser which of words are block types, and
// which are attributes of each block; a built-in provider's block is
// keyed `provider "NAME"`.
func acceptedSchema(t *testing.T, words []string) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, w := range words {
		header, ok := blockHeader(w)
		if !ok {
			continue
		}
		if w == "provider" {
			// The bare provider block stands for plugins, whose
			// attributes are their own schema's.
			out[w] = map[string]bool{}
			for _, name := range topology.BuiltinProviders() {
				key := fmt.Sprintf("provider %q", name)
				out[key] = acceptedAttributes(w, key, words)
			}
			continue
		}
		out[w] = acceptedAttributes(w, header, words)
	}
	return out
}

// blockHeader finds out whether typ is a top-level block and how many
// labels it takes, and returns a header for it.
func blockHeader(typ string) (string, bool) {
	for labels := 0; labels <= 2; labels++ {
		header := typ + strings.Repeat(` "probe"`, labels)
		diags := probe(typ, header, "")
		if hasSummary(diags, "Unsupported block type") {
			return "", false
		}
		// HCL's own words for a label count that does not fit the schema.
		if !slices.ContainsFunc(diags, func(d *hcl.Diagnostic) bool {
			return d.Summary == "Extraneous label for "+typ ||
				strings.HasPrefix(d.Summary, "Missing ") && strings.HasSuffix(d.Summary, " for "+typ)
		}) {
			return header, true
		}
	}
	return "", false
}

func acceptedAttributes(typ, header string, words []string) map[string]bool {
	attrs := map[string]bool{}
	for _, w := range words {
		if !hasSummary(probe(typ, header, w+" = 1\n"), "Unsupported argument") {
			attrs[w] = true
		}
	}
	return attrs
}

// probe parses the minimal topology with its blocks of type typ replaced
// by `header { body }` and returns what the parser says.
func probe(typ, header, body string) hcl.Diagnostics {
	var b strings.Builder
	for _, m := range minimalTopology {
		if m.typ != typ {
			b.WriteString(m.src)
		}
	}
	fmt.Fprintf(&b, "%s {\n%s}\n", header, body)
	_, diags := providers.NewParser().Parse([]byte(b.String()), "probe.hcl")
	return diags
}

func hasSummary(diags hcl.Diagnostics, prefix string) bool {
	return slices.ContainsFunc(diags, func(d *hcl.Diagnostic) bool { return strings.HasPrefix(d.Summary, prefix) })
}

var (
	heading   = regexp.MustCompile(`^#{1,6}\s`)
	codeSpan  = regexp.MustCompile("`([^`]+)`")
	tableAttr = regexp.MustCompile("^\\|\\s*`([a-z_0-9]+)`\\s*\\|")
)

// documentedSchema reads the reference: a heading that names a block in
// backticks (`cluster`, `provider "docker"`) starts its section; each
// table row whose first cell is an attribute in backticks documents it
// and must give a default in its second cell. A heading that names no
// block leaves the current section going on.
func documentedSchema(t *testing.T, path string) map[string]map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	var current []string
	for n, line := range strings.Split(string(data), "\n") {
		if heading.MatchString(line) {
			if blocks := headingBlocks(line); len(blocks) > 0 {
				current = blocks
				for _, b := range blocks {
					if out[b] == nil {
						out[b] = map[string]bool{}
					}
				}
			}
			continue
		}
		m := tableAttr.FindStringSubmatch(line)
		if m == nil || current == nil {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 3 || strings.TrimSpace(cells[1]) == "" {
			t.Errorf("%s:%d: the row of %s gives no default (columns: attribute | default | allowed values | meaning)", path, n+1, m[1])
		}
		for _, b := range current {
			out[b][m[1]] = true
		}
	}
	return out
}

var blockName = regexp.MustCompile(`^(provider "[a-z0-9-]+"|[a-z_]+)$`)

func headingBlocks(line string) []string {
	var blocks []string
	for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
		if blockName.MatchString(m[1]) {
			blocks = append(blocks, m[1])
		}
	}
	return blocks
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
