package providers

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/providers/docker"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// wantLine is a "# want: LINE:COL Summary" comment of a testdata file.
var wantLine = regexp.MustCompile(`^# want: (\d+):(\d+) (.+)$`)

func at(d *hcl.Diagnostic) string {
	if d.Subject == nil {
		return "- " + d.Summary
	}
	return fmt.Sprintf("%d:%d %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Summary)
}

// TestBuiltinBlocksInvalid: each built-in's block, decoded and checked
// by its package through the parser every command uses, draws exactly
// the errors its testdata file expects, each at its line and column.
func TestBuiltinBlocksInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.hcl")
	if len(files) < 6 {
		t.Fatalf("expected at least 6 invalid provider blocks, found %d", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			sc := bufio.NewScanner(bytes.NewReader(src))
			for sc.Scan() {
				if m := wantLine.FindStringSubmatch(sc.Text()); m != nil {
					want = append(want, m[1]+":"+m[2]+" "+m[3])
				}
			}
			topo, diags := NewParser().Parse(src, file)
			if topo != nil {
				diags = append(diags, topo.CheckHost()...)
			}
			var got []string
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				got = append(got, at(d))
				if d.Detail == "" {
					t.Errorf("%s does not say how to fix it", at(d))
				}
				// "Summary | text" wants text inside the detail.
				for _, w := range want {
					if summary, detail, ok := strings.Cut(w, " | "); ok && summary == at(d) && !strings.Contains(d.Detail, detail) {
						t.Errorf("%s: detail %q lacks %q", at(d), d.Detail, detail)
					}
				}
			}
			for i, w := range want {
				want[i], _, _ = strings.Cut(w, " | ")
			}
			if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

func sorted(s []string) []string {
	return slices.Sorted(slices.Values(s))
}

// TestBuiltinBlockPathIsAPlugins: a built-in's block goes through the
// code a plugin's does. The docker block and the same block under a
// plugin's name, decoded with the docker schema, draw the same errors at
// the same ranges.
func TestBuiltinBlockPathIsAPlugins(t *testing.T) {
	block := func(name string) []byte {
		return []byte(`cluster "x" {}
provider "` + name + `" {
  vagrant = ["yes"]
  colour  = "red"
  image   = ""
}
server "nomad-server" {}
client "nomad-client" {}
`)
	}
	_, builtin := NewParser().Parse(block("docker"), "t.hcl")
	// "dockyd" is as long as "docker", so every range lines up.
	plugin, diags := topology.NewParser().Parse(block("dockyd"), "t.hcl")
	if diags.HasErrors() || !plugin.Provider.Plugin {
		t.Fatalf("plugin topology: %v", diags)
	}
	decoded := plugin.Provider.DecodeBlock(docker.Spec.Schema)
	var typeErrors hcl.Diagnostics
	for _, d := range builtin {
		if d.Summary != "Empty image" {
			typeErrors = append(typeErrors, d)
		}
	}
	if len(typeErrors) != 2 || !reflect.DeepEqual(typeErrors, decoded) {
		t.Errorf("the docker block drew\n%s\nthe same block as a plugin's\n%s", describe(typeErrors), describe(decoded))
	}
	// The package's own check, at the attribute's value.
	var empty *hcl.Diagnostic
	for _, d := range builtin {
		if d.Summary == "Empty image" {
			empty = d
		}
	}
	if empty == nil || empty.Subject.String() != "t.hcl:5,13-15" {
		t.Errorf("Empty image: %v, want at t.hcl:5,13-15 (the value)", empty)
	}
}

func describe(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %s (%v): %s\n", at(d), d.Subject, d.Detail)
	}
	return b.String()
}

// TestBuiltinDefaults: a block that writes nothing gets each built-in's
// defaults from its schema.
func TestBuiltinDefaults(t *testing.T) {
	for name, want := range map[string]map[string]any{
		"virtualbox": {"box": topology.DefaultBox, "gui": false, "linked_clone": true},
		"hyperv":     {"box": topology.DefaultBox},
		"parallels":  {"box": topology.DefaultBox},
		"libvirt":    {"box": topology.DefaultLibvirtBox, "driver": "kvm"},
		"docker":     {"image": topology.DefaultDockerImage, "vagrant": false},
		"ssh":        {"user": "vagrant", "port": 22},
	} {
		src := "cluster \"x\" {}\nprovider \"" + name + "\" {}\nserver \"s\" {}\nclient \"c\" {}\n"
		if name == "ssh" {
			src = strings.Replace(src, "{}\nserver", "{\n  hosts = { s1 = \"10.0.0.5\", c1 = \"10.0.0.6\" }\n}\nserver", 1)
		}
		topo, diags := NewParser().Parse([]byte(src), "t.hcl")
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		for attr, v := range want {
			if got := topo.Provider.Config[attr]; got != v {
				t.Errorf("%s: %s = %#v, want %#v", name, attr, got, v)
			}
		}
	}
}
