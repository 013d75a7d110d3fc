package agentconfig

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

const volumesTopology = `cluster "x" {}
provider "docker" {}
server "nomad-server" {}
client "plain" {}
client "vols" {
  docker_volumes = true
}
client "raw" {
  drivers = ["raw_exec"]
}
`

func parseTopology(t *testing.T, src string) *topology.Topology {
	t.Helper()
	topo, diags := providers.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatalf("topology: %s", diags.Error())
	}
	return topo
}

// nomadConfig renders the named node's nomad.hcl and parses it back, so
// the checks read the blocks Nomad will read rather than matching text.
func nomadConfig(t *testing.T, topo *topology.Topology, node string) *hclsyntax.Body {
	t.Helper()
	return parsedConfig(t, Nomad, "nomad.hcl", topo, node)
}

// parsedConfig renders file with render for the named node and parses it.
func parsedConfig(t *testing.T, render func(*topology.Topology, topology.Node) []byte, file string, topo *topology.Topology, node string) *hclsyntax.Body {
	t.Helper()
	for _, n := range topo.Nodes() {
		if n.Name != node {
			continue
		}
		f, diags := hclsyntax.ParseConfig(render(topo, n), file, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s of %s: %s", file, node, diags.Error())
		}
		return f.Body.(*hclsyntax.Body)
	}
	t.Fatalf("no node %s", node)
	return nil
}

// blocks returns the nested blocks along path, e.g. plugin "docker" >
// config > volumes; a label after a type selects blocks with that label.
func blocks(body *hclsyntax.Body, typ string, labels ...string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type != typ || (len(labels) > 0 && (len(b.Labels) == 0 || b.Labels[0] != labels[0])) {
			continue
		}
		out = append(out, b)
	}
	return out
}

func dockerConfig(t *testing.T, body *hclsyntax.Body) *hclsyntax.Body {
	t.Helper()
	plugins := blocks(body, "plugin", "docker")
	if len(plugins) != 1 {
		t.Fatalf("want one plugin \"docker\" block, got %d", len(plugins))
	}
	cfg := blocks(plugins[0].Body, "config")
	if len(cfg) != 1 {
		t.Fatalf("plugin \"docker\" has %d config blocks", len(cfg))
	}
	return cfg[0].Body
}

func TestDockerVolumesOnlyWhenAsked(t *testing.T) {
	topo := parseTopology(t, volumesTopology)
	for node, want := range map[string]int{"plain1": 0, "vols1": 1} {
		cfg := dockerConfig(t, nomadConfig(t, topo, node))
		vols := blocks(cfg, "volumes")
		if len(vols) != want {
			t.Errorf("%s: %d volumes blocks, want %d", node, len(vols), want)
			continue
		}
		if want == 1 {
			if _, ok := vols[0].Body.Attributes["enabled"]; !ok {
				t.Errorf("%s: volumes block without enabled", node)
			}
		}
		// The rest of the plugin's settings do not depend on volumes.
		for _, name := range []string{"allow_privileged"} {
			if _, ok := cfg.Attributes[name]; !ok {
				t.Errorf("%s: docker config lacks %s", node, name)
			}
		}
	}
}

func TestPluginsFollowDrivers(t *testing.T) {
	topo := parseTopology(t, volumesTopology)
	cases := map[string]struct{ docker, rawExec int }{
		// The default drivers: docker only, no raw_exec.
		"plain1": {docker: 1, rawExec: 0},
		"raw1":   {docker: 0, rawExec: 1},
		// Servers run no tasks.
		"nomad-server1": {docker: 0, rawExec: 0},
	}
	for node, want := range cases {
		body := nomadConfig(t, topo, node)
		if got := len(blocks(body, "plugin", "docker")); got != want.docker {
			t.Errorf("%s: %d docker plugin blocks, want %d", node, got, want.docker)
		}
		if got := len(blocks(body, "plugin", "raw_exec")); got != want.rawExec {
			t.Errorf("%s: %d raw_exec plugin blocks, want %d", node, got, want.rawExec)
		}
	}
}
