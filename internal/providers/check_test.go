package providers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// testPluginEnv makes the test binary serve acmePlugin instead of running
// the tests: CheckBlock then talks to a real plugin process.
const testPluginEnv = "NOMADBOX_PROVIDERS_TEST_PLUGIN"

func TestMain(m *testing.M) {
	if mode, ok := strings.CutPrefix(os.Getenv(testPluginEnv), "serve-"); ok {
		// A built-in, as `nomadbox provider serve <name>` serves it.
		if err := Serve(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(testPluginEnv) != "" {
		if os.Getenv(testPluginEnv) == "vagrant" {
			provider.Serve(&acmeVagrant{acmePlugin{vagrant: true}})
		} else {
			provider.Serve(&acmePlugin{})
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// acmePlugin declares region (required) and size (default "small"),
// refuses region "mars", and, in vagrant mode, makes its machines with
// Vagrant.
type acmePlugin struct{ vagrant bool }

func (a *acmePlugin) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{Name: "acme", Version: "1.2.3", Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{UsesVagrant: a.vagrant}}, nil
}

func (a *acmePlugin) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: []provider.Attribute{
		{Name: "region", Type: provider.TypeString, Required: true},
		{Name: "size", Type: provider.TypeString, Default: "small"},
	}}, nil
}

func (a *acmePlugin) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	if c.Config["region"] == "mars" {
		return []provider.Diagnostic{{Severity: provider.SeverityError, Summary: "Unknown region", Detail: "acme has no region mars.", Path: provider.AtAttribute("region")}}, nil
	}
	return nil, nil
}

// acmeVagrant is acmePlugin making its machines with Vagrant.
type acmeVagrant struct{ acmePlugin }

func (a *acmeVagrant) VagrantFragment(_ context.Context, c *provider.Cluster, node string) (string, error) {
	return fmt.Sprintf("p.size = %q # %s", c.Config["size"], node), nil
}

func (a *acmePlugin) Preflight(context.Context, *provider.Cluster, provider.Progress) error {
	return nil
}
func (a *acmePlugin) Up(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (a *acmePlugin) List(context.Context, *provider.Cluster) ([]provider.Machine, error) {
	return nil, nil
}
func (a *acmePlugin) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (a *acmePlugin) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}

// installAcme puts the test binary on the plugin path as
// nomadbox-provider-acme, serving in mode.
func installAcme(t *testing.T, mode string) {
	t.Helper()
	pluginPath, _, _ := searchEnv(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(pluginPath, 0o755)
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec %q \"$@\"\n", testPluginEnv, mode, self)
	if err := os.WriteFile(filepath.Join(pluginPath, PluginPrefix+"acme"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// The plugin's PATH still needs sh.
	t.Setenv("PATH", os.Getenv("PATH")+":/bin:/usr/bin")
}

// checkBlock starts topo's plugin and has it check the block, as
// cluster.Load does.
func checkBlock(ctx context.Context, topo *topology.Topology) (Answers, hcl.Diagnostics) {
	h, diags := LaunchFor(ctx, topo)
	if h == nil {
		return Answers{}, diags
	}
	defer h.Close()
	return CheckBlock(ctx, topo, h)
}

func checkAcme(t *testing.T, block string) (*topology.Topology, Answers, []string) {
	t.Helper()
	src := "cluster \"c\" {}\nprovider \"acme\" {\n" + block + "}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {}\n"
	topo, diags := NewParser().Parse([]byte(src), "topology.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	answers, diags := checkBlock(context.Background(), topo)
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%d:%d %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
	}
	return topo, answers, got
}

func TestCheckBlockWithPlugin(t *testing.T) {
	installAcme(t, "plain")
	for _, c := range []struct {
		block string
		want  []string
	}{
		{"  region = \"eu\"\n", nil},
		// The schema, as the host applies it: at the attribute, or at the
		// block for a missing one.
		{"  region = \"eu\"\n  colour = \"red\"\n", []string{"4:3 Unsupported argument"}},
		{"  size = \"big\"\n", []string{"2:17 Missing required argument"}},
		{"  region = 7\n  size = [1]\n", []string{"4:10 Unsuitable value type"}},
		// The plugin's own check, at the attribute it names.
		{"  region = \"mars\"\n", []string{"3:12 Unknown region"}},
	} {
		_, _, got := checkAcme(t, c.block)
		if strings.Join(got, "; ") != strings.Join(c.want, "; ") {
			t.Errorf("block %q: diagnostics %v, want %v", c.block, got, c.want)
		}
	}
	topo, answers, _ := checkAcme(t, "  region = \"eu\"\n")
	if topo.Provider.Config["size"] != "small" || topo.Provider.Config["region"] != "eu" || answers.Vagrant {
		t.Errorf("config %v (defaults applied?), uses Vagrant %v", topo.Provider.Config, answers.Vagrant)
	}
}

func TestCheckBlockGathersVagrantFragments(t *testing.T) {
	installAcme(t, "vagrant")
	_, answers, diags := checkAcme(t, "  region = \"eu\"\n  size = \"big\"\n")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	want := map[string]string{"nomad-server1": `p.size = "big" # nomad-server1`, "nomad-client1": `p.size = "big" # nomad-client1`}
	if !answers.Vagrant || fmt.Sprint(answers.Fragments) != fmt.Sprint(want) {
		t.Errorf("uses Vagrant %v, fragments %v, want %v", answers.Vagrant, answers.Fragments, want)
	}
}

func TestClusterOfPassesDrivers(t *testing.T) {
	// A provider learns each client's drivers, so that it can give only
	// the clients that need them extra capabilities; servers have none.
	src := "cluster \"c\" {}\nprovider \"acme\" {}\nserver \"nomad-server\" {}\n" +
		"client \"nomad-client\" {\n  drivers = [\"raw_exec\", \"exec\"]\n}\n"
	topo, diags := NewParser().Parse([]byte(src), "topology.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := map[string][]string{}
	for _, n := range ClusterOf(topo, "").Nodes {
		got[n.Role] = n.Drivers
	}
	if fmt.Sprint(got["client"]) != "[raw_exec exec]" || len(got["server"]) != 0 {
		t.Errorf("drivers by role = %v, want the client's [raw_exec exec] and none for the server", got)
	}
}
