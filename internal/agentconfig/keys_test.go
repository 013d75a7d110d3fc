package agentconfig

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	goversion "github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// keySince is the first release of its agent that knows each key the
// renderer writes, as a path of block types, labels and the attribute.
// A key the renderer starts writing must be added here with the release
// that introduced it; topology's supported range (versions.go) must then
// cover it. "1.0.0" marks keys already in the 1.0 configuration
// reference of the agent, older than any bound nomadbox sets.
var keySince = map[string]map[string]string{
	"consul": {
		"datacenter": "1.0.0", "node_name": "1.0.0", "data_dir": "1.0.0", "log_level": "1.0.0",
		"disable_update_check": "1.0.0", "bind_addr": "1.0.0", "advertise_addr": "1.0.0",
		// A space-separated list of addresses: Consul 1.0.0.
		"client_addr": "1.0.0", "retry_join": "1.0.0", "retry_interval": "1.0.0",
		"leave_on_terminate": "1.0.0", "rejoin_after_leave": "1.0.0", "server": "1.0.0", "bootstrap_expect": "1.0.0",
		// Consul's CHANGELOG, 1.9.0, GH-8694.
		"ui_config.enabled":            "1.9.0",
		"performance.raft_multiplier":  "1.0.0",
		"connect.enabled":              "1.2.0", // Connect: Consul 1.2.0
		"dns_config.allow_stale":       "1.0.0",
		"dns_config.service_ttl":       "1.0.0",
		"dns_config.node_ttl":          "1.0.0",
		"ports.http":                   "1.0.0",
		"ports.https":                  "1.0.0",
		"ports.grpc":                   "1.3.0", // the xDS server for Envoy: Consul 1.3.0
		"ports.grpc_tls":               "1.14.0",
		"addresses.grpc":               "1.3.0",
		"addresses.grpc_tls":           "1.14.0",
		"acl.enabled":                  "1.4.0", // the acl block of the new ACL system: 1.4.0
		"acl.default_policy":           "1.4.0",
		"acl.down_policy":              "1.4.0",
		"acl.enable_token_persistence": "1.4.0",
		// The tls block: Consul's CHANGELOG, 1.12.0, GH-12504.
		"tls.defaults.ca_file":                    "1.12.0",
		"tls.defaults.cert_file":                  "1.12.0",
		"tls.defaults.key_file":                   "1.12.0",
		"tls.defaults.verify_outgoing":            "1.12.0",
		"tls.internal_rpc.verify_incoming":        "1.12.0",
		"tls.internal_rpc.verify_server_hostname": "1.12.0",
	},
	"nomad": {
		"region": "1.0.0", "datacenter": "1.0.0", "name": "1.0.0", "data_dir": "1.0.0", "log_level": "1.0.0",
		"disable_update_check": "1.0.0", "bind_addr": "1.0.0",
		"advertise.http": "1.0.0", "advertise.rpc": "1.0.0", "advertise.serf": "1.0.0",
		"server.enabled": "1.0.0", "server.bootstrap_expect": "1.0.0",
		"server.server_join.retry_join": "1.0.0", "server.server_join.retry_interval": "1.0.0",
		// Nomad's CHANGELOG, 1.11.0, GH-26430.
		"server.client_introduction.enforcement": "1.11.0",
		"client.enabled":                         "1.0.0",
		// A go-sockaddr template: Nomad's CHANGELOG, 1.1.0, GH-10404.
		"client.network_interface":              "1.1.0",
		"client.node_class":                     "1.0.0",
		"client.meta":                           "1.0.0",
		"client.server_join.retry_join":         "1.0.0",
		"client.server_join.retry_interval":     "1.0.0",
		"plugin.docker.config.volumes.enabled":  "1.0.0",
		"plugin.docker.config.allow_privileged": "1.0.0",
		"plugin.docker.config.gc.image":         "1.0.0",
		"plugin.raw_exec.config.enabled":        "1.0.0",
		"consul.address":                        "1.0.0",
		"consul.ssl":                            "1.0.0",
		"consul.ca_file":                        "1.0.0",
		"consul.grpc_address":                   "1.0.0",
		// Nomad's CHANGELOG, 1.5.0, GH-15701.
		"consul.grpc_ca_file":        "1.5.0",
		"tls.http":                   "1.0.0",
		"tls.rpc":                    "1.0.0",
		"tls.ca_file":                "1.0.0",
		"tls.cert_file":              "1.0.0",
		"tls.key_file":               "1.0.0",
		"tls.verify_server_hostname": "1.0.0",
		"tls.verify_https_client":    "1.0.0",
		"acl.enabled":                "1.0.0",
	},
}

// keyPaths lists the attributes of a rendered file as dotted paths.
func keyPaths(t *testing.T, src []byte, prefix string) []string {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, "rendered.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("rendered file does not parse: %s", diags.Error())
	}
	var out []string
	var walk func(b *hclsyntax.Body, path string)
	walk = func(b *hclsyntax.Body, path string) {
		for name := range b.Attributes {
			out = append(out, path+name)
		}
		for _, blk := range b.Blocks {
			walk(blk.Body, path+strings.Join(append([]string{blk.Type}, blk.Labels...), ".")+".")
		}
	}
	walk(f.Body.(*hclsyntax.Body), prefix)
	sort.Strings(out)
	return out
}

// renderTopology is every setting that changes what the renderer writes.
func renderTopology(consul, nomad string, tls, acl bool) string {
	return fmt.Sprintf(`cluster "x" {}
provider "docker" {}
versions {
  consul = %q
  nomad  = %q
}
security {
  tls = %v
  acl = %v
}
server "nomad-server" {}
client "nomad-client" {
  drivers        = ["docker", "raw_exec", "exec"]
  docker_volumes = true
  node_class     = "c"
  meta           = { rack = "r1" }
}
`, consul, nomad, tls, acl)
}

// newest returns the newest release that knows a key of the rendered
// files of every node, for each agent, and fails on a key keySince
// lacks or one the pinned release does not know.
func newest(t *testing.T, topo *topology.Topology) map[string]*goversion.Version {
	t.Helper()
	out := map[string]*goversion.Version{}
	pinned := map[string]string{"consul": topo.Versions.Consul, "nomad": topo.Versions.Nomad}
	for _, n := range topo.Nodes() {
		for agent, src := range map[string][]byte{"consul": Consul(topo, n), "nomad": Nomad(topo, n)} {
			for _, key := range keyPaths(t, src, "") {
				since, ok := keySince[agent][key]
				if !ok {
					t.Fatalf("%s.hcl of %s has %s, which keySince lacks: add it with the %s release that introduced it", agent, n.Name, key, agent)
				}
				s := goversion.Must(goversion.NewVersion(since))
				if s.GreaterThan(goversion.Must(goversion.NewVersion(pinned[agent]))) {
					t.Errorf("%s.hcl of %s, pinned to %s %s, has %s, which %s knows only from %s on", agent, n.Name, agent, pinned[agent], key, agent, since)
				}
				if out[agent] == nil || s.GreaterThan(out[agent]) {
					out[agent] = s
				}
			}
		}
	}
	return out
}

// TestRenderedKeysKnownToPinnedRelease: for every release the topology
// accepts, the renderer writes only keys that release knows; and the
// supported range's lower bounds are exactly what the render needs, so
// they move when the renderer does.
func TestRenderedKeysKnownToPinnedRelease(t *testing.T) {
	consuls := []string{topology.MinConsulVersion, topology.MinConsulTLSVersion, "1.13.9", "1.14.0", "1.14.1", "1.17.0", topology.DefaultConsulVersion}
	nomads := []string{topology.MinNomadVersion, "1.4.0", topology.MinNomadGRPCCAVersion, "1.6.1", "1.11.0", topology.DefaultNomadVersion}
	accepted := 0
	for _, c := range consuls {
		for _, n := range nomads {
			for _, sec := range [][2]bool{{false, false}, {true, false}, {true, true}} {
				topo, diags := providers.NewParser().Parse([]byte(renderTopology(c, n, sec[0], sec[1])), "t.hcl")
				if diags.HasErrors() {
					continue // outside the supported range: validate refuses it
				}
				accepted++
				newest(t, topo)
			}
		}
	}
	if accepted < 40 {
		t.Errorf("only %d combinations were accepted; the range check refuses too much", accepted)
	}
	// The bounds are tight: at the lower bounds, the newest key written
	// is exactly as old as the bound.
	for _, c := range []struct {
		consul, nomad string
		tls           bool
	}{
		{topology.MinConsulVersion, topology.MinNomadVersion, false},
		{topology.MinConsulTLSVersion, topology.MinNomadVersion, true},
		{"1.14.1", topology.MinNomadGRPCCAVersion, true},
	} {
		topo := parseTopology(t, renderTopology(c.consul, c.nomad, c.tls, false))
		got := newest(t, topo)
		if got["consul"].String() != c.consul && !(c.consul == "1.14.1" && got["consul"].String() == "1.14.0") {
			t.Errorf("Consul %s (tls %v): the newest key needs %s; the bound in topology/versions.go should be that", c.consul, c.tls, got["consul"])
		}
		if got["nomad"].String() != c.nomad {
			t.Errorf("Nomad %s (tls %v): the newest key needs %s; the bound in topology/versions.go should be that", c.nomad, c.tls, got["nomad"])
		}
	}
}
