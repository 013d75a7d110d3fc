package providers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// plugin writes an executable (or, with mode 0o644, a plain file) that
// looks like a provider plugin.
func plugin(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, PluginPrefix+name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 1\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// searchEnv points the three places plugins are looked for at folders
// of the test's own.
func searchEnv(t *testing.T) (pluginPath, home, path string) {
	root := t.TempDir()
	pluginPath, home, path = filepath.Join(root, "np"), filepath.Join(root, "home"), filepath.Join(root, "path")
	t.Setenv("NOMADBOX_PLUGIN_PATH", pluginPath)
	t.Setenv("HOME", home)
	t.Setenv("PATH", path)
	return
}

func TestFindOrder(t *testing.T) {
	pluginPath, home, path := searchEnv(t)
	homePlugins := filepath.Join(home, ".nomadbox", "plugins")

	if got, dirs := Find("acme"); got != "" || strings.Join(dirs, ":") != strings.Join([]string{pluginPath, homePlugins, path}, ":") {
		t.Fatalf("nothing installed: Find = %q, looked in %v", got, dirs)
	}
	inPath := plugin(t, path, "acme", 0o755)
	if got, _ := Find("acme"); got != inPath {
		t.Errorf("only on PATH: Find = %q, want %q", got, inPath)
	}
	inHome := plugin(t, homePlugins, "acme", 0o755)
	if got, _ := Find("acme"); got != inHome {
		t.Errorf("~/.nomadbox/plugins comes before PATH: Find = %q, want %q", got, inHome)
	}
	inPluginPath := plugin(t, pluginPath, "acme", 0o755)
	if got, _ := Find("acme"); got != inPluginPath {
		t.Errorf("NOMADBOX_PLUGIN_PATH comes first: Find = %q, want %q", got, inPluginPath)
	}
	// A file that is not executable is not a plugin.
	plugin(t, pluginPath, "plain", 0o644)
	if got, _ := Find("plain"); got != "" {
		t.Errorf("a non-executable file was found: %q", got)
	}

	found := Discover()
	if len(found) != 1 || found[0].Name != "acme" || found[0].Path != inPluginPath {
		t.Fatalf("Discover = %+v, want acme from %s", found, pluginPath)
	}
	if want := []string{inHome, inPath}; strings.Join(found[0].Shadowed, " ") != strings.Join(want, " ") {
		t.Errorf("shadowed = %v, want %v", found[0].Shadowed, want)
	}
}

func TestCheckBlockPluginNotFound(t *testing.T) {
	pluginPath, _, _ := searchEnv(t)
	src := "cluster \"c\" {}\nprovider \"acme\" {\n  region = \"x\"\n}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n"
	topo, diags := NewParser().Parse([]byte(src), "topology.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = checkBlock(context.Background(), topo)
	if len(diags) != 1 || diags[0].Severity != hcl.DiagError {
		t.Fatalf("want one error, got %v", diags)
	}
	d := diags[0]
	if d.Subject == nil || d.Subject.Start.Line != 2 || d.Subject.Start.Column != 10 {
		t.Errorf("the error should point at the provider label (2:10), got %v", d.Subject)
	}
	for _, want := range []string{"nomadbox-provider-acme", pluginPath, "NOMADBOX_PLUGIN_PATH", "docker"} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("the error should mention %q: %s", want, d.Detail)
		}
	}
}

func TestCheckBlockPluginThatFails(t *testing.T) {
	pluginPath, _, _ := searchEnv(t)
	// Executable, but not a plugin: it exits at once.
	plugin(t, pluginPath, "acme", 0o755)
	src := "cluster \"c\" {}\nprovider \"acme\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n"
	topo, _ := NewParser().Parse([]byte(src), "topology.hcl")
	_, diags := checkBlock(context.Background(), topo)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, `provider plugin "acme"`) || diags[0].Subject.Start.Line != 2 {
		t.Errorf("want one error naming the plugin at the label, got %v", diags)
	}
}
