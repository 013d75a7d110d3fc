package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/provider"
)

// fakePluginEnv makes the test binary serve fakeProvider instead of
// running the tests: the commands then meet a real plugin process whose
// List answers with the machines named in fakeMachinesEnv.
const (
	fakePluginEnv   = "NOMADBOX_CLI_TEST_FAKE_PROVIDER"
	fakeMachinesEnv = "NOMADBOX_CLI_TEST_MACHINES"
)

// TestMain lets the test binary stand in for a provider plugin (the
// fake provider, or the plugins of plugins_test.go) or for a Consul or
// Nomad binary (fakeAgents).
func TestMain(m *testing.M) {
	if serveFakeAgent() || serveTestPlugin() {
		os.Exit(0)
	}
	if os.Getenv(fakePluginEnv) != "" {
		var machines []string
		if s := os.Getenv(fakeMachinesEnv); s != "" {
			machines = strings.Split(s, ",")
		}
		provider.Serve(&fakeProvider{machines: machines})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeProvider has no settings, does nothing, and lists its machines as
// running.
type fakeProvider struct{ machines []string }

func (f *fakeProvider) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{Name: "fake", Version: "0.0.1", Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{CanHalt: true}}, nil
}
func (f *fakeProvider) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{}, nil
}
func (f *fakeProvider) Validate(context.Context, *provider.Cluster) ([]provider.Diagnostic, error) {
	return nil, nil
}
func (f *fakeProvider) Preflight(context.Context, *provider.Cluster, provider.Progress) error {
	return nil
}
func (f *fakeProvider) Up(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (f *fakeProvider) List(context.Context, *provider.Cluster) ([]provider.Machine, error) {
	var ms []provider.Machine
	for _, m := range f.machines {
		ms = append(ms, provider.Machine{Name: m, State: provider.StateRunning})
	}
	return ms, nil
}
func (f *fakeProvider) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (f *fakeProvider) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}

// fakeCluster writes a topology of 1 server and 2 clients on the fake
// provider into a new directory and installs the test binary as that
// provider's plugin, listing machines. It returns the directory.
func fakeCluster(t *testing.T, machines ...string) string {
	t.Helper()
	dir := t.TempDir()
	plugins := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=1 %s=%s exec %q \"$@\"\n", fakePluginEnv, fakeMachinesEnv, strings.Join(machines, ","), self)
	if err := os.WriteFile(filepath.Join(plugins, "nomadbox-provider-fake"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOMADBOX_PLUGIN_PATH", plugins)
	topo := "cluster \"c\" {}\nprovider \"fake\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {\n  count = 2\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(topo), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// files lists every file and directory under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, rel)
		return nil
	})
	return out
}
