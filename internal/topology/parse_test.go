package topology

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// expectations reads the "# want: LINE:COL Summary" (errors) and
// "# warn: LINE:COL Summary" (warnings) comments at the top of a testdata
// file. "Summary | text" also wants text inside the detail.
var expectLine = regexp.MustCompile(`^# (want|warn): (\d+):(\d+) (.+)$`)

type expectation struct {
	severity  hcl.DiagnosticSeverity
	line, col int
	summary   string
	detail    string // a substring of the detail; "" matches any
}

func (e expectation) String() string {
	return fmt.Sprintf("%d:%d %s | %s", e.line, e.col, e.summary, e.detail)
}

func (e expectation) matches(d *hcl.Diagnostic) bool {
	return d.Severity == e.severity && d.Summary == e.summary && d.Subject != nil &&
		d.Subject.Start.Line == e.line && d.Subject.Start.Column == e.col &&
		strings.Contains(d.Detail, e.detail)
}

func readExpectations(t *testing.T, src []byte) []expectation {
	t.Helper()
	var out []expectation
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		m := expectLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		summary, detail, _ := strings.Cut(m[4], " | ")
		e := expectation{severity: hcl.DiagError, summary: summary, detail: detail}
		if m[1] == "warn" {
			e.severity = hcl.DiagWarning
		}
		fmt.Sscan(m[2], &e.line)
		fmt.Sscan(m[3], &e.col)
		out = append(out, e)
	}
	return out
}

func describe(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		pos := "-"
		if d.Subject != nil {
			pos = fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "\n  %s %s: %s", pos, d.Summary, d.Detail)
	}
	return b.String()
}

// parseAndCheck parses a testdata topology and, when that succeeds, runs
// the checks on this machine too (job files, keys), as `validate` does.
func parseAndCheck(t *testing.T, src []byte, file string) hcl.Diagnostics {
	t.Helper()
	topo, diags := NewParser().Parse(src, file)
	if topo == nil != diags.HasErrors() {
		t.Fatalf("Parse returned topology %v with diagnostics:%s", topo != nil, describe(diags))
	}
	if topo != nil {
		diags = append(diags, topo.CheckHost()...)
	}
	return diags
}

// TestInvalid checks that every invalid input fails, with exactly the
// diagnostics its comments expect, each pointing at the right place.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.hcl")
	if len(files) < 20 {
		t.Fatalf("expected at least 20 invalid inputs, found %d", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			diags := parseAndCheck(t, src, file)
			if !diags.HasErrors() {
				t.Fatalf("parse succeeded; want errors")
			}
			want := readExpectations(t, src)
			if len(bytes.TrimSpace(src)) == 0 {
				want = []expectation{{severity: hcl.DiagError, line: 1, col: 1, summary: "Empty topology file"}}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no '# want:' lines", file)
			}
			matched := map[*hcl.Diagnostic]bool{}
			for _, w := range want {
				found := false
				for _, d := range diags {
					if !matched[d] && w.matches(d) {
						found, matched[d] = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing diagnostic %s; got:%s", w, describe(diags))
				}
			}
			for _, d := range diags {
				if !matched[d] && d.Severity == hcl.DiagError {
					t.Errorf("unexpected diagnostic:%s", describe(hcl.Diagnostics{d}))
				}
				if d.Subject == nil || d.Subject.Filename != file {
					t.Errorf("diagnostic %q has no source location in %s", d.Summary, file)
				}
				if d.Detail == "" {
					t.Errorf("diagnostic %q does not say how to fix it", d.Summary)
				}
			}
		})
	}
}

var checkHostLine = regexp.MustCompile(`(?m)^# check host$`)

func TestValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid-*.hcl")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			topo, diags := NewParser().Parse(src, file)
			if diags.HasErrors() || topo == nil {
				t.Fatalf("unexpected errors:%s", describe(diags))
			}
			// Files that name only files present in testdata say so, and
			// get the checks on this machine too.
			if checkHostLine.Match(src) {
				diags = append(diags, topo.CheckHost()...)
			}
			want := readExpectations(t, src)
			if len(diags) != len(want) {
				t.Fatalf("got %d warnings, want %d:%s", len(diags), len(want), describe(diags))
			}
			for i, w := range want {
				d := diags[i]
				if !w.matches(d) {
					t.Errorf("warning %d: got%s, want %s", i, describe(hcl.Diagnostics{d}), w)
				}
			}
		})
	}
}
