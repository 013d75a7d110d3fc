package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// DefaultFile is the topology file commands read unless told otherwise.
const DefaultFile = "topology.hcl"

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "cluster", LabelNames: []string{"name"}},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "network"},
		{Type: "versions"},
		{Type: "install"},
		{Type: "server", LabelNames: []string{"name"}},
		{Type: "client", LabelNames: []string{"name"}},
		{Type: "dns"},
		{Type: "firewall"},
		{Type: "security"},
		{Type: "job", LabelNames: []string{"name"}},
	},
}

// singletons are the blocks that must appear at most once.
var singletons = map[string]bool{
	"cluster": true, "provider": true, "network": true, "versions": true,
	"install": true, "server": true, "dns": true, "firewall": true, "security": true,
}

// Parser reads topology files and keeps their sources, so diagnostics can
// be printed with the offending line.
type Parser struct {
	p *hclparse.Parser
	// partial is what the last Parse decoded of a file that had errors.
	partial *Topology
	// builtins decode and check the built-in providers' blocks.
	builtins map[string]BuiltinBlock
}

// NewParser returns a Parser with no files read yet. It leaves a
// built-in provider's block undecoded (Config nil, nothing checked):
// internal/providers.NewParser gives it the built-ins' schemas and
// checks, and is what commands use.
func NewParser() *Parser {
	return &Parser{p: hclparse.NewParser()}
}

// WithBuiltins has p decode each built-in provider's block with the
// BuiltinBlock its package declares, by provider name.
func (p *Parser) WithBuiltins(b map[string]BuiltinBlock) *Parser {
	p.builtins = b
	return p
}

// ParseFile reads, decodes, defaults and validates the topology at path.
// The topology is nil when any diagnostic is an error. The file must be a
// regular file of at most MaxInputSize bytes (see readInput).
func (p *Parser) ParseFile(path string) (*Topology, hcl.Diagnostics) {
	src, err := readInput(path, "topology file")
	if err != nil {
		return nil, hcl.Diagnostics{topologyFileError(path, err)}
	}
	return p.Parse(src, path)
}

// topologyFileError turns a refusal of readInput into the diagnostic
// commands print; it has no position, there being no file to point into.
func topologyFileError(path string, err error) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read topology file", Detail: err.Error()}
	var in *inputError
	if !errors.As(err, &in) {
		return d
	}
	d.Detail = in.Detail
	switch {
	case path == "":
		d.Summary = "No topology file given"
		d.Detail = "-f was given an empty path. Pass -f FILE, or leave -f out to read " + DefaultFile + "."
	case in.Missing:
		d.Detail = fmt.Sprintf("There is no %s here. Run `nomadbox init` to write one, or pass -f FILE.", path)
	}
	return d
}

// Parse is ParseFile for source already in memory; filename is used in
// diagnostics and to resolve relative paths.
func (p *Parser) Parse(src []byte, filename string) (*Topology, hcl.Diagnostics) {
	if len(bytes.TrimSpace(src)) == 0 {
		r := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
		return nil, hcl.Diagnostics{errorAt(&r, "Empty topology file",
			"%s is empty. Run `nomadbox init --force` to write a commented default topology.", filename)}
	}
	file, diags := p.p.ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	t, more := decode(file, filename, p.builtins)
	diags = append(diags, more...)
	if diags.HasErrors() {
		p.partial = t
		return nil, diags
	}
	return t, diags
}

// Partial is what the last Parse decoded of a file that parsed as HCL
// but had errors (nil otherwise). Only checks that read nothing but their
// own block may use it: CheckHost on it finds the job files' problems
// beside the topology's, so validate shows every problem at once.
func (p *Parser) Partial() *Topology {
	return p.partial
}

// Files returns the sources read so far, keyed by file name, as
// hcl.NewDiagnosticTextWriter wants them.
func (p *Parser) Files() map[string]*hcl.File {
	return p.p.Files()
}

// WriteDiagnostics prints diags as file:line:col, the source line and the
// explanation.
func (p *Parser) WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, color bool) error {
	return hcl.NewDiagnosticTextWriter(w, p.Files(), 78, color).WriteDiagnostics(diags)
}

// decode turns the parsed file into a Topology: every block decoded, then
// defaults filled in, then every check run; all problems are collected.
func decode(file *hcl.File, filename string, builtins map[string]BuiltinBlock) (*Topology, hcl.Diagnostics) {
	content, diags := file.Body.Content(rootSchema)
	t := &Topology{Filename: filename}
	seen := map[string]*hcl.Block{}
	found := map[string]bool{}
	for _, b := range content.Blocks {
		if first, dup := seen[b.Type]; dup && singletons[b.Type] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate " + b.Type + " block",
				Detail:   fmt.Sprintf("Only one %s block is allowed; the first is at %s. Merge them into one.", b.Type, first.DefRange),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		seen[b.Type] = b
		found[b.Type] = true
		var d hcl.Diagnostics
		switch b.Type {
		case "cluster":
			t.Cluster, d = decodeCluster(b)
		case "provider":
			t.Provider, d = decodeProvider(b, builtins)
		case "network":
			t.Network, d = decodeNetwork(b)
		case "versions":
			t.Versions, d = decodeVersions(b)
		case "install":
			t.Install, d = decodeInstall(b)
		case "server":
			t.Server, d = decodeGroup(b, RoleServer)
		case "client":
			var g Group
			g, d = decodeGroup(b, RoleClient)
			t.Clients = append(t.Clients, g)
		case "dns":
			t.DNS, d = decodeDNS(b)
		case "firewall":
			t.Firewall, d = decodeFirewall(b)
		case "security":
			t.Security, d = decodeSecurity(b)
		case "job":
			var j Job
			j, d = decodeJob(b)
			t.Jobs = append(t.Jobs, j)
		}
		diags = append(diags, d...)
	}
	body := file.Body.MissingItemRange()
	for _, req := range []struct{ typ, example string }{
		{"cluster", `cluster "playground" {}`},
		{"provider", `provider "virtualbox" {}`},
		{"server", `server "nomad-server" { count = 1 }`},
		{"client", `client "nomad-client" { count = 2 }`},
	} {
		if !found[req.typ] {
			diags = append(diags, errorAt(&body, "Missing "+req.typ+" block",
				"A topology needs a %s block, for example: %s. `nomadbox init` writes a complete file.", req.typ, req.example))
		}
	}
	if !found["cluster"] || !found["provider"] || !found["server"] || !found["client"] {
		return t, diags
	}
	setDefaults(t)
	diags = append(diags, validateAll(t, builtins)...)
	return t, diags
}
