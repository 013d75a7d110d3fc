package plan

import (
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

func topo(t *testing.T, servers, clients int, extra string) *topology.Topology {
	t.Helper()
	src := `cluster "c" {}
provider "docker" {}
server "nomad-server" { count = ` + itoa(servers) + ` }
client "nomad-client" { count = ` + itoa(clients) + ` }
` + extra
	tp, diags := topology.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return tp
}

func itoa(i int) string { return string(rune('0' + i)) }

func names(tp *topology.Topology) []string {
	var out []string
	for _, n := range tp.Nodes() {
		out = append(out, n.Name)
	}
	return out
}

func TestNoChanges(t *testing.T) {
	tp := topo(t, 1, 2, "")
	cfg := map[string]map[string][]byte{"nomad-server1": {"nomad.hcl": []byte("server { bootstrap_expect = 1 }\n")}}
	p := Compute(Input{Topology: tp, Previous: tp, Existing: names(tp), OldConfigs: cfg, NewConfigs: cfg})
	if !p.Empty() || len(p.NeedsForce) > 0 {
		t.Fatalf("plan %+v", p)
	}
	var b strings.Builder
	p.Write(&b)
	if !strings.Contains(b.String(), "no changes") {
		t.Errorf("got %q", b.String())
	}
}

func TestAddClient(t *testing.T) {
	old, new := topo(t, 1, 2, ""), topo(t, 1, 3, "")
	p := Compute(Input{Topology: new, Previous: old, Existing: names(old)})
	if len(p.Create) != 1 || p.Create[0] != "nomad-client3" || len(p.Remove) != 0 || len(p.NeedsForce) != 0 {
		t.Fatalf("plan %+v", p)
	}
}

func TestGrowServersReportsConfigChanges(t *testing.T) {
	old, new := topo(t, 1, 2, ""), topo(t, 3, 2, "")
	oldCfg := map[string]map[string][]byte{"nomad-server1": {"nomad.hcl": []byte("name = \"s1\"\nserver {\n  bootstrap_expect = 1\n  server_join {\n    retry_join = [\"a\"]\n  }\n}\n")}}
	newCfg := map[string]map[string][]byte{"nomad-server1": {"nomad.hcl": []byte("name = \"s1\"\nserver {\n  bootstrap_expect = 3\n  server_join {\n    retry_join = [\"a\", \"b\", \"c\"]\n  }\n}\n")}}
	p := Compute(Input{Topology: new, Previous: old, Existing: names(old), OldConfigs: oldCfg, NewConfigs: newCfg})
	if strings.Join(p.Create, ",") != "nomad-server2,nomad-server3" {
		t.Errorf("create %v", p.Create)
	}
	if len(p.Changes) != 1 || strings.Join(p.Changes[0].Settings, ";") != "nomad.hcl: server.bootstrap_expect;nomad.hcl: server.server_join.retry_join" {
		t.Errorf("changes %+v", p.Changes)
	}
	if len(p.NeedsForce) != 0 {
		t.Errorf("growing servers needs no force: %v", p.NeedsForce)
	}
}

func TestRemoveClient(t *testing.T) {
	old, new := topo(t, 3, 3, ""), topo(t, 3, 2, "")
	p := Compute(Input{Topology: new, Previous: old, Existing: names(old)})
	if len(p.Remove) != 1 || p.Remove[0].Name != "nomad-client3" || p.Remove[0].Role != topology.RoleClient || len(p.NeedsForce) != 0 {
		t.Fatalf("plan %+v", p)
	}
}

func TestRemovingServersNeedsForce(t *testing.T) {
	old := topo(t, 3, 1, "")
	for servers, want := range map[int]int{1: 1, 2: 1} {
		p := Compute(Input{Topology: topo(t, servers, 1, ""), Previous: old, Existing: names(old)})
		if len(p.NeedsForce) < want {
			t.Errorf("3 -> %d servers: needs-force %v", servers, p.NeedsForce)
		}
	}
	five := topo(t, 5, 1, "")
	if p := Compute(Input{Topology: topo(t, 3, 1, ""), Previous: five, Existing: names(five)}); len(p.NeedsForce) != 0 {
		t.Errorf("5 -> 3 keeps quorum and an odd count: %v", p.NeedsForce)
	}
}

func TestRenamedGroupNeedsForce(t *testing.T) {
	old := topo(t, 1, 2, "")
	src := `cluster "c" {}
provider "docker" {}
server "nomad-server" {}
client "worker" { count = 2 }
`
	new, diags := topology.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := Compute(Input{Topology: new, Previous: old, Existing: names(old)})
	if len(p.NeedsForce) != 1 || !strings.Contains(p.NeedsForce[0], "rename") {
		t.Errorf("needs-force %v", p.NeedsForce)
	}
}

// Firewall, DNS and security edits change the nodes without touching the
// agents' configuration files, and the plan names each of them.
func TestHostChanges(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"firewall off", "firewall { enabled = true }", "firewall { enabled = false }",
			"firewall: removed on 3 nodes (its unit, ruleset and nomadbox table; no restart)"},
		{"firewall on", "firewall { enabled = false }", "firewall { enabled = true }",
			"firewall: installed on 3 nodes"},
		{"extra port", "firewall { enabled = true }", "firewall {\n  enabled = true\n  extra_ports = [\"7777/tcp\"]\n}",
			"firewall: open 7777/tcp on 3 nodes (no restart)"},
		{"api allow", "firewall {\n  api_allow = [\"10.1.0.0/16\"]\n}", "firewall { enabled = true }",
			"firewall: API access no longer from 10.1.0.0/16 on 3 nodes"},
		{"dns off", "dns { forwarder = \"dnsmasq\" }", "dns { forwarder = \"none\" }",
			"dns: forwarder dnsmasq -> none on 3 nodes (forwarding removed, the original resolver restored)"},
		{"tls on", "security { tls = false }", "security { tls = true }",
			"security.tls: off -> on on 3 nodes (the agents restart)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, new := topo(t, 1, 2, tc.old), topo(t, 1, 2, tc.new)
			p := Compute(Input{Topology: new, Previous: old, Existing: names(old)})
			if p.Empty() {
				t.Fatalf("the plan is empty for %s", tc.name)
			}
			var b strings.Builder
			p.Write(&b)
			if !strings.Contains(b.String(), "  ~ "+tc.want) {
				t.Errorf("plan:\n%s\nwant a line with %q", b.String(), tc.want)
			}
			if same := Compute(Input{Topology: new, Previous: new, Existing: names(new)}); !same.Empty() {
				t.Errorf("the same topology again plans %+v", same.Hosts)
			}
		})
	}
}
