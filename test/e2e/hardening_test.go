//go:build e2e

package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/providers"
)

// sandboxProps are the unit settings checkHardening reads.
var sandboxProps = []string{"NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ReadWritePaths"}

// sandboxed is what the consul unit (every node) and the nomad unit
// (servers) ask for: the agent writes only its data directory.
// systemctl show reports the unit's settings even where systemd could
// not apply the mount-namespace ones (a container node without
// SYS_ADMIN), so these are compared on every provider alike.
func sandboxed(dataDir string) map[string]string {
	return map[string]string{
		"NoNewPrivileges": "yes",
		"ProtectSystem":   "strict",
		"ProtectHome":     "yes",
		"PrivateTmp":      "yes",
		"ReadWritePaths":  dataDir,
	}
}

// unsandboxed is the nomad unit on clients: its tasks would inherit any
// of the settings.
var unsandboxed = map[string]string{
	"NoNewPrivileges": "no",
	"ProtectSystem":   "no",
	"ProtectHome":     "no",
	"PrivateTmp":      "no",
	"ReadWritePaths":  "",
}

// checkHardening asserts on the nodes themselves that the agents run
// and that their units are sandboxed exactly as the roles write them,
// and that Docker keeps containers across its own restarts on clients
// whose group runs the docker driver.
func (c *cluster) checkHardening(t *testing.T, servers, clients []string) {
	t.Helper()
	c = c.with(t)
	docker := c.dockerNodes()
	for _, n := range servers {
		c.agentsActive(n, "consul", "nomad")
		c.unitSettings(n, "consul", sandboxed(agentconfig.ConsulDataDir))
		c.unitSettings(n, "nomad", sandboxed(agentconfig.NomadDataDir))
	}
	for _, n := range clients {
		c.agentsActive(n, "consul", "nomad")
		c.unitSettings(n, "consul", sandboxed(agentconfig.ConsulDataDir))
		c.unitSettings(n, "nomad", unsandboxed)
		if docker[n] {
			c.agentsActive(n, "docker")
			c.liveRestore(n)
		}
	}
}

// agentsActive fails unless every unit is active on node.
func (c *cluster) agentsActive(node string, units ...string) {
	c.t.Helper()
	// is-active exits non-zero when a unit is not active; `|| true` keeps
	// its answers, which name the state.
	out := c.ssh(node, "systemctl is-active "+strings.Join(units, " ")+" || true")
	states := strings.Fields(out)
	if len(states) != len(units) {
		c.t.Errorf("%s: systemctl is-active %v answered %q", node, units, out)
		return
	}
	for i, u := range units {
		if states[i] != "active" {
			c.t.Errorf("%s: %s is %s, want active", node, u, states[i])
		}
	}
}

// unitSettings compares the sandboxing settings of unit on node with
// want, key by key (systemctl show does not keep the order asked for).
func (c *cluster) unitSettings(node, unit string, want map[string]string) {
	c.t.Helper()
	out := c.ssh(node, "systemctl show "+unit+" -p "+strings.Join(sandboxProps, " -p "))
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			got[k] = v
		}
	}
	if !maps.Equal(got, want) {
		c.t.Errorf("%s: unit %s has %v, want %v", node, unit, got, want)
	}
}

// liveRestore fails unless node's dockerd keeps containers running
// while it restarts.
func (c *cluster) liveRestore(node string) {
	c.t.Helper()
	if got := c.ssh(node, "sudo docker info --format '{{.LiveRestoreEnabled}}'"); got != "true" {
		c.t.Errorf("%s: docker info reports LiveRestoreEnabled %q, want true", node, got)
	}
}

// dockerNodes names the client nodes whose group runs the docker driver,
// read from the cluster's topology as it is now.
func (c *cluster) dockerNodes() map[string]bool {
	c.t.Helper()
	p := filepath.Join(c.dir, "topology.hcl")
	src, err := os.ReadFile(p)
	if err != nil {
		c.t.Fatal(err)
	}
	topo, diags := providers.NewParser().Parse(src, p)
	if diags.HasErrors() {
		c.t.Fatalf("topology.hcl: %s", diags.Error())
	}
	out := map[string]bool{}
	for _, n := range topo.ClientNodes() {
		out[n.Name] = n.Group.HasDriver("docker")
	}
	return out
}
