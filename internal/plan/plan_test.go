package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func parse(t *testing.T, src string) *topology.Topology {
	t.Helper()
	tp, diags := providers.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return tp
}

func topo(t *testing.T, servers, clients int, extra string) *topology.Topology {
	t.Helper()
	return parse(t, `cluster "c" {}
provider "docker" {}
server "nomad-server" { count = `+itoa(servers)+` }
client "nomad-client" { count = `+itoa(clients)+` }
`+extra)
}

func itoa(i int) string { return string(rune('0' + i)) }

func render(t *testing.T, tp *topology.Topology) generator.Files {
	t.Helper()
	ruby, err := providers.VagrantRuby(tp, nodeimage.Checksums{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Render(generator.Input{Topology: tp, Vagrant: ruby}, nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// applied is the state after a successful provision of tp, every machine
// running.
func applied(t *testing.T, tp *topology.Topology) (*state.Applied, []Machine) {
	t.Helper()
	var ms []Machine
	for _, n := range tp.Nodes() {
		ms = append(ms, Machine{Name: n.Name, Running: true})
	}
	return state.Snapshot(tp, render(t, tp)), ms
}

// edit computes the plan of going from old (applied) to new.
func edit(t *testing.T, old, new *topology.Topology) *Plan {
	t.Helper()
	a, ms := applied(t, old)
	return Compute(Input{Topology: new, Rendered: render(t, new), Applied: a, Machines: ms})
}

func text(p *Plan) string {
	var b strings.Builder
	p.Write(&b)
	return b.String()
}

func TestNoChanges(t *testing.T) {
	tp := topo(t, 1, 2, "")
	p := edit(t, tp, topo(t, 1, 2, ""))
	if !p.Empty() || p.Provisions() || len(p.NeedsForce) > 0 || len(p.NotApplied) > 0 {
		t.Fatalf("plan %+v", p)
	}
	if got := text(p); got != "Plan: no changes.\n" {
		t.Errorf("got %q", got)
	}
}

// Without a finished provision, or with one pending, nothing is known
// about what the nodes carry: every node is provisioned, and the plan
// says so instead of "no changes".
func TestUnknownStateProvisionsEveryNode(t *testing.T) {
	tp := topo(t, 1, 2, "")
	a, ms := applied(t, tp)
	for name, in := range map[string]Input{
		"nothing applied": {Topology: tp, Rendered: render(t, tp), Machines: ms},
		"pending":         {Topology: tp, Rendered: render(t, tp), Machines: ms, Applied: &state.Applied{Topology: a.Topology, Generated: a.Generated, Roles: a.Roles, Pending: true}},
		"older state":     {Topology: tp, Rendered: render(t, tp), Machines: ms, Applied: &state.Applied{Topology: a.Topology}},
		"other roles":     {Topology: tp, Rendered: render(t, tp), Machines: ms, Applied: &state.Applied{Topology: a.Topology, Generated: a.Generated, Roles: "another"}},
	} {
		p := Compute(in)
		if p.Empty() || !p.Provisions() || p.ProvisionAll == "" {
			t.Errorf("%s: plan %+v", name, p)
		}
		if !strings.Contains(text(p), "~ every node is provisioned: ") {
			t.Errorf("%s: %s", name, text(p))
		}
	}
}

func TestStoppedMachineIsStartedAndProvisioned(t *testing.T) {
	tp := topo(t, 1, 2, "")
	a, ms := applied(t, tp)
	ms[1].Running = false
	p := Compute(Input{Topology: tp, Rendered: render(t, tp), Applied: a, Machines: ms})
	if !p.Provisions() || len(p.Start) != 1 || p.Start[0] != ms[1].Name {
		t.Fatalf("plan %+v", p)
	}
}

func TestAddClient(t *testing.T) {
	p := edit(t, topo(t, 1, 2, ""), topo(t, 1, 3, ""))
	if len(p.Create) != 1 || p.Create[0] != "nomad-client3" || len(p.Remove) != 0 || len(p.NeedsForce) != 0 {
		t.Fatalf("plan %+v", p)
	}
	if !strings.Contains(text(p), "~ /etc/hosts: the cluster's node list on 3 nodes (no restart)") {
		t.Errorf("the kept nodes' host lists are not named:\n%s", text(p))
	}
}

func TestGrowServersReportsConfigChanges(t *testing.T) {
	p := edit(t, topo(t, 1, 2, ""), topo(t, 3, 2, ""))
	if strings.Join(p.Create, ",") != "nomad-server2,nomad-server3" {
		t.Errorf("create %v", p.Create)
	}
	var server *Change
	for i := range p.Changes {
		if p.Changes[i].Node == "nomad-server1" {
			server = &p.Changes[i]
		}
	}
	if server == nil || !strings.Contains(strings.Join(server.Settings, ";"), "nomad.hcl: server.bootstrap_expect") {
		t.Fatalf("changes %+v", p.Changes)
	}
	if strings.Join(server.Restarts, ",") != "consul,nomad" {
		t.Errorf("restarts %v", server.Restarts)
	}
	if len(p.NeedsForce) != 0 {
		t.Errorf("growing servers needs no force: %v", p.NeedsForce)
	}
}

func TestRemoveClient(t *testing.T) {
	p := edit(t, topo(t, 3, 3, ""), topo(t, 3, 2, ""))
	if len(p.Remove) != 1 || p.Remove[0].Name != "nomad-client3" || p.Remove[0].Role != topology.RoleClient || len(p.NeedsForce) != 0 {
		t.Fatalf("plan %+v", p)
	}
}

// A machine that neither the topology nor the applied state names is
// not guessed to be a client: the plan lists it as unknown.
func TestRemovalWithoutAppliedStateIsNotGuessed(t *testing.T) {
	tp := topo(t, 1, 2, "")
	_, ms := applied(t, topo(t, 3, 2, ""))
	p := Compute(Input{Topology: tp, Rendered: render(t, tp), Machines: ms})
	if len(p.Remove) != 0 || strings.Join(p.Unknown, ",") != "nomad-server2,nomad-server3" {
		t.Fatalf("plan %+v", p)
	}
}

func TestRemovingServersNeedsForce(t *testing.T) {
	old := topo(t, 3, 1, "")
	for servers, want := range map[int]int{1: 1, 2: 1} {
		if p := edit(t, old, topo(t, servers, 1, "")); len(p.NeedsForce) < want {
			t.Errorf("3 -> %d servers: needs-force %v", servers, p.NeedsForce)
		}
	}
	if p := edit(t, topo(t, 5, 1, ""), topo(t, 3, 1, "")); len(p.NeedsForce) != 0 {
		t.Errorf("5 -> 3 keeps quorum and an odd count: %v", p.NeedsForce)
	}
}

func TestRenamedGroupNeedsForce(t *testing.T) {
	p := edit(t, topo(t, 1, 2, ""), parse(t, `cluster "c" {}
provider "docker" {}
server "nomad-server" {}
client "worker" { count = 2 }
`))
	if len(p.NeedsForce) != 1 || !strings.Contains(p.NeedsForce[0], "rename") {
		t.Errorf("needs-force %v", p.NeedsForce)
	}
}

// Every edit of an input that reaches the nodes is a line of the plan,
// with the nodes it touches and what restarts, and makes up provision;
// the same topology again plans nothing.
func TestEveryEditIsNamed(t *testing.T) {
	const local = "install {\n  method = \"local\"\n  consul_binary = \"/c\"\n  nomad_binary = \"/n\"\n}\n"
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"firewall off", "firewall { enabled = true }", "firewall { enabled = false }",
			"~ firewall: removed (its unit, ruleset and nomadbox table) on 3 nodes (no restart)"},
		{"firewall on", "firewall { enabled = false }", "firewall { enabled = true }",
			"~ firewall: installed (drop policy for what the cluster does not need) on 3 nodes (no restart)"},
		{"extra port", "firewall { enabled = true }", "firewall {\n  enabled = true\n  extra_ports = [\"7777/tcp\"]\n}",
			"~ firewall: open 7777/tcp on 3 nodes (no restart)"},
		{"api allow", "firewall {\n  api_allow = [\"10.1.0.0/16\"]\n}", "firewall { enabled = true }",
			"~ firewall: API access no longer from 10.1.0.0/16"},
		{"dns off", "dns { forwarder = \"dnsmasq\" }", "dns { forwarder = \"none\" }",
			"~ dns: forwarder dnsmasq -> none (forwarding removed, the original resolver restored) on 3 nodes (no restart)"},
		{"tls on", "security { tls = false }", "security { tls = true }",
			"~ security.tls: off -> on on 3 nodes (restarts consul and nomad)"},
		{"nomad version", "versions { nomad = \"1.6.0\" }", "versions { nomad = \"1.6.1\" }",
			"~ nomad 1.6.0 -> 1.6.1: binary replaced on 3 nodes (restarts nomad)"},
		{"consul version", "versions { consul = \"1.13.8\" }", "versions { consul = \"1.13.9\" }",
			"~ consul 1.13.8 -> 1.13.9: binary replaced on 3 nodes (restarts consul)"},
		{"install method", "", local,
			"~ install method releases -> local: Consul and Nomad installed the new way on 3 nodes (restarts consul and nomad)"},
		{"docker package", "install { docker = \"docker-ce\" }", "install { docker = \"docker.io\" }",
			"~ docker package docker-ce -> docker.io: installed on nomad-client1, nomad-client2 (restarts docker)"},
		{"meta", "", "client \"nomad-client\" {\n  count = 2\n  meta = { rack = \"r2\" }\n}",
			"(agent configuration: nomad.hcl: client.meta; restarts nomad)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var old, new *topology.Topology
			if tc.name == "meta" {
				old = topo(t, 1, 2, "")
				new = parse(t, "cluster \"c\" {}\nprovider \"docker\" {}\nserver \"nomad-server\" {}\n"+tc.new)
			} else {
				old, new = topo(t, 1, 2, tc.old), topo(t, 1, 2, tc.new)
			}
			p := edit(t, old, new)
			if p.Empty() || !p.Provisions() {
				t.Fatalf("the plan is empty for %s", tc.name)
			}
			if !strings.Contains(text(p), tc.want) {
				t.Errorf("plan:\n%s\nwant a line with %q", text(p), tc.want)
			}
			if same := edit(t, new, new); !same.Empty() {
				t.Errorf("the same topology again plans:\n%s", text(same))
			}
		})
	}
}

// Sizes and provider settings only reach machines created later: the
// plan says so and does not provision for them.
func TestMachineEditsAreNotApplied(t *testing.T) {
	old := topo(t, 1, 2, "")
	new := parse(t, "cluster \"c\" {}\nprovider \"docker\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {\n  count = 2\n  memory = 4096\n}\n")
	p := edit(t, old, new)
	if p.Provisions() || len(p.NotApplied) != 1 {
		t.Fatalf("plan:\n%s", text(p))
	}
	want := "! not applied: memory 2048 -> 4096 MiB of nomad-client1, nomad-client2: the existing machines keep what they were created with"
	if !strings.Contains(text(p), want) {
		t.Errorf("plan:\n%s\nwant %q", text(p), want)
	}
	drivers := parse(t, "cluster \"c\" {}\nprovider \"docker\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {\n  count = 2\n  drivers = [\"raw_exec\"]\n}\n")
	if p := edit(t, old, drivers); !strings.Contains(text(p), "container options (-"+"--security-opt seccomp=unconfined)") {
		t.Errorf("a container that loses the docker driver keeps its options; plan:\n%s", text(p))
	}
}

// The job blocks are submitted after verify on every up; the plan says
// so without making an up provision.
func TestJobBlocksAreNamed(t *testing.T) {
	withJob := topo(t, 1, 2, "job \"web\" { file = \"jobs/web.nomad.hcl\" }")
	p := edit(t, withJob, withJob)
	if !p.Empty() || strings.Join(p.Jobs, ",") != "web: jobs/web.nomad.hcl" ||
		!strings.Contains(text(p), "= after verify, the job blocks are submitted: web: jobs/web.nomad.hcl") {
		t.Errorf("plan:\n%s", text(p))
	}
}

func TestJSON(t *testing.T) {
	p := edit(t, topo(t, 1, 2, "firewall { enabled = true }"), topo(t, 1, 3, "firewall {\n  enabled = true\n  extra_ports = [\"7777/tcp\"]\n}"))
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Empty      bool     `json:"empty"`
		Provisions bool     `json:"provisions"`
		Create     []string `json:"create"`
		Remove     []any    `json:"remove"`
		Edits      []struct {
			What     string   `json:"what"`
			Nodes    []string `json:"nodes"`
			Restarts []string `json:"restarts"`
		} `json:"edits"`
		NeedsForce []string `json:"needs_force"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Empty || !got.Provisions || strings.Join(got.Create, ",") != "nomad-client3" || got.Remove == nil || got.NeedsForce == nil {
		t.Errorf("got %s", b.String())
	}
	found := false
	for _, e := range got.Edits {
		if e.What == "firewall: open 7777/tcp" && len(e.Nodes) == 3 && e.Restarts != nil && len(e.Restarts) == 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("no firewall edit in %s", b.String())
	}
}

// An upgrade with binaries copied from this machine changes the version,
// the binary's path and its checksum together: one line says it.
func TestLocalUpgradeIsOneLine(t *testing.T) {
	install := func(v string) string {
		return "versions { consul = \"" + v + "\" }\ninstall {\n  method = \"local\"\n  consul_binary = \"/bin/consul-" + v + "\"\n  nomad_binary = \"/bin/nomad\"\n}\n"
	}
	p := edit(t, topo(t, 1, 2, install("1.13.8")), topo(t, 1, 2, install("1.13.9")))
	var consul []string
	for _, e := range p.Edits {
		if strings.Contains(e.What, "consul") {
			consul = append(consul, e.What)
		}
	}
	if len(consul) != 1 || consul[0] != "consul 1.13.8 -> 1.13.9: binary replaced" {
		t.Errorf("consul lines %q; plan:\n%s", consul, text(p))
	}
}

func TestDowngradeNeedsForce(t *testing.T) {
	p := edit(t, topo(t, 1, 2, "versions { nomad = \"1.6.1\" }"), topo(t, 1, 2, "versions { nomad = \"1.6.0\" }"))
	if len(p.NeedsForce) != 1 || !strings.Contains(p.NeedsForce[0], "nomad 1.6.1 -> 1.6.0 is a downgrade") {
		t.Errorf("needs-force %v", p.NeedsForce)
	}
	if p := edit(t, topo(t, 1, 2, "versions { nomad = \"1.6.0\" }"), topo(t, 1, 2, "versions { nomad = \"1.6.1\" }")); len(p.NeedsForce) != 0 {
		t.Errorf("an upgrade needs force: %v", p.NeedsForce)
	}
}

// A plan that restarts a running agent says how the restarts roll; one
// that restarts nothing does not.
func TestRollingRestartsAreNamed(t *testing.T) {
	a, ms := applied(t, topo(t, 3, 2, "security { tls = false }"))
	cur := topo(t, 3, 2, "security { tls = true }")
	p := Compute(Input{Topology: cur, Rendered: render(t, cur), Applied: a, Machines: ms, MaxParallel: 2})
	want := "~ restarts roll in HashiCorp's upgrade order: Consul, then Nomad, each on the servers one at a time (back with a Raft leader before the next), then on the clients 2 at a time"
	if p.RollClients != 2 || !strings.Contains(text(p), want) {
		t.Errorf("plan:\n%s\nwant %q", text(p), want)
	}
	if p := edit(t, topo(t, 3, 2, "firewall { enabled = true }"), topo(t, 3, 2, "firewall {\n  enabled = true\n  extra_ports = [\"80/tcp\"]\n}")); p.RollClients != 0 || strings.Contains(text(p), "restarts roll") {
		t.Errorf("a firewall edit rolls restarts:\n%s", text(p))
	}
}

// Upgrades that cross more release lines than an agent's upgrade guide
// allows need --force; the ones it allows do not.
func TestUpgradeJumps(t *testing.T) {
	r := map[string]release{}
	for _, x := range releases {
		r[x.agent] = x
	}
	for _, tc := range []struct {
		agent, was, now string
		want            string // "" or a part of the reason
	}{
		{"consul", "1.13.3", "1.13.9", ""},
		{"consul", "1.12.9", "1.14.0", ""},
		{"consul", "1.12.9", "1.15.0", "crosses 3 release lines, and its upgrade guide allows at most 2"},
		{"consul", "1.21.7", "2.0.1", ""},
		{"consul", "1.20.1", "2.0.1", "crosses 3 release lines"},
		{"consul", "2.0.1", "2.2.0", ""},
		{"consul", "2.0.1", "3.0.0", "no table of release lines"},
		{"consul", "1.22.7", "1.22.7", ""},
		{"nomad", "1.6.0", "1.6.1", ""},
		{"nomad", "1.6.1", "1.7.0", ""},
		{"nomad", "1.6.1", "1.8.0", "crosses 2 release lines, and its upgrade guide allows at most 1"},
		{"nomad", "1.11.3", "2.0.5", ""},
		{"nomad", "1.10.5", "2.0.5", "crosses 2 release lines"},
		{"nomad", "1.6.1", "1.6.0", "is a downgrade"},
		{"nomad", "2.0.5", "2.1.0-beta.1", ""},
	} {
		got := r[tc.agent].check(tc.was, tc.now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s -> %s: %q, want %q", tc.agent, tc.was, tc.now, got, tc.want)
		}
	}
	p := edit(t, topo(t, 1, 2, "versions { consul = \"1.12.9\" }"), topo(t, 1, 2, "versions { consul = \"1.16.0\" }"))
	if len(p.NeedsForce) != 1 || !strings.Contains(p.NeedsForce[0], "consul 1.12.9 -> 1.16.0 crosses 4 release lines") {
		t.Errorf("needs-force %v", p.NeedsForce)
	}
}

// A binary whose checksum changes under the same path and version is a
// new binary to the nodes: the plan names it and its agent restarts.
func TestChecksumOnlyEditIsNamed(t *testing.T) {
	const local = "install {\n  method = \"local\"\n  consul_binary = \"/c\"\n  nomad_binary = \"/n\"\n}\n"
	old, cur := topo(t, 1, 2, local), topo(t, 1, 2, local)
	withSums := func(tp *topology.Topology, consul, nomad string) generator.Files {
		sums := nodeimage.Checksums{Consul: strings.Repeat(consul, 64), Nomad: strings.Repeat(nomad, 64)}
		ruby, err := providers.VagrantRuby(tp, sums)
		if err != nil {
			t.Fatal(err)
		}
		files, err := generator.Render(generator.Input{Topology: tp, Checksums: sums, Vagrant: ruby}, nomadbox.Assets())
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	var ms []Machine
	for _, n := range old.Nodes() {
		ms = append(ms, Machine{Name: n.Name, Running: true})
	}
	p := Compute(Input{Topology: cur, Rendered: withSums(cur, "b", "c"), Applied: state.Snapshot(old, withSums(old, "a", "c")), Machines: ms})
	want := "~ consul binary replaced (sha256 aaaaaaaaaaaa -> bbbbbbbbbbbb) on 3 nodes (restarts consul)"
	if !strings.Contains(text(p), want) || strings.Contains(text(p), "nomad binary") || p.RollClients == 0 {
		t.Errorf("plan:\n%s\nwant a line %q, no nomad line, and a roll", text(p), want)
	}
}

// TestMachinesNameTheDriver: a plan that makes or starts libvirt machines
// says which driver they run under and, for software emulation, that it
// is slow; the JSON carries the same. Docker machines have no driver.
func TestMachinesNameTheDriver(t *testing.T) {
	lv := func(driver string) *topology.Topology {
		tp := parse(t, `cluster "c" {}
provider "libvirt" { driver = "`+driver+`" }
server "nomad-server" { count = 1 }
client "nomad-client" { count = 1 }
`)
		return tp
	}
	grow := func(old, new *topology.Topology) *Plan {
		a, ms := applied(t, old)
		return Compute(Input{Topology: new, Rendered: render(t, new), Applied: a, Machines: ms[:1]})
	}
	p := grow(lv("qemu"), lv("qemu"))
	if p.Machines.Driver != "qemu" || p.Machines.Note != kvmprobe.EmulationNote {
		t.Errorf("machines = %+v, want driver qemu with the emulation note", p.Machines)
	}
	if out := text(p); !strings.Contains(out, "  machines: libvirt, driver qemu: software emulation") {
		t.Errorf("plan does not name the driver:\n%s", out)
	}
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"driver": "qemu"`) {
		t.Errorf("JSON plan has no driver:\n%s", b.String())
	}
	if m := grow(lv("kvm"), lv("kvm")).Machines; m.Driver != "kvm" || m.Note != "" {
		t.Errorf("kvm machines = %+v, want driver kvm and no note", m)
	}
	if m := MachinesOf(topo(t, 1, 1, "")); m.Driver != "" || m.String() != "docker" {
		t.Errorf("docker machines = %+v (%q), want no driver", m, m)
	}
	// Nothing to create or start: no machines line.
	if out := text(edit(t, lv("qemu"), lv("qemu"))); strings.Contains(out, "machines:") {
		t.Errorf("a plan that makes no machine names them:\n%s", out)
	}
}
