package topology

import (
	"os"
	"reflect"
	"testing"

	"github.com/nomadbox/nomadbox/provider"
)

func mustParse(t *testing.T, file string) *Topology {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	topo, diags := sshParser().Parse(src, file)
	if diags.HasErrors() {
		t.Fatalf("%s:%s", file, describe(diags))
	}
	return topo
}

func TestDefaults(t *testing.T) {
	topo := mustParse(t, "testdata/valid-minimal.hcl")
	checks := []struct {
		name      string
		got, want any
	}{
		{"datacenter", topo.Cluster.Datacenter, "dc1"},
		{"region", topo.Cluster.Region, "global"},
		{"cidr", topo.Network.CIDR, "192.168.56.0/24"},
		{"consul", topo.Versions.Consul, DefaultConsulVersion},
		{"nomad", topo.Versions.Nomad, DefaultNomadVersion},
		{"install", topo.Install.Method, "releases"},
		{"docker package", topo.Install.Docker, "docker-ce"},
		{"server count", topo.Server.Count, 1},
		{"server memory", topo.Server.Memory, 1024},
		{"client memory", topo.Clients[0].Memory, 2048},
		{"client cpus", topo.Clients[0].CPUs, 2},
		{"drivers", topo.Clients[0].Drivers, []string{"docker"}},
		{"docker volumes", topo.Clients[0].DockerVolumes, false},
		{"dns", topo.DNS.Forwarder, "dnsmasq"},
		{"firewall", topo.Firewall.Enabled, true},
		{"gossip", topo.Security.GossipEncryption, true},
		{"tls", topo.Security.TLS, false},
		{"acl", topo.Security.ACL, false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestStableAddresses pins the address plan: servers from .11, the first
// client group from .101, each later group 20 further on, so adding a
// node or a group never renumbers an existing node.
func TestStableAddresses(t *testing.T) {
	topo := mustParse(t, "testdata/valid-big.hcl")
	want := map[string]string{
		"srv1": "10.77.0.11", "srv2": "10.77.0.12", "srv3": "10.77.0.13",
		"web1": "10.77.0.101", "web3": "10.77.0.103",
		"batch1": "10.77.0.121", "batch2": "10.77.0.122",
	}
	var order []string
	for _, n := range topo.Nodes() {
		order = append(order, n.Name)
		if w, ok := want[n.Name]; ok && n.Address.String() != w {
			t.Errorf("%s: got %s, want %s", n.Name, n.Address, w)
		}
	}
	wantOrder := []string{"srv1", "srv2", "srv3", "web1", "web2", "web3", "batch1", "batch2"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("node order %v, want %v", order, wantOrder)
	}
	if got := len(topo.Servers()); got != 3 {
		t.Errorf("servers: %d", got)
	}
	if got := len(topo.ClientNodes()); got != 5 {
		t.Errorf("clients: %d", got)
	}

	// Growing the first client group leaves every other address alone.
	topo.Clients[0].Count = 10
	for _, n := range topo.Nodes() {
		if w, ok := want[n.Name]; ok && n.Address.String() != w {
			t.Errorf("after growing: %s moved to %s", n.Name, n.Address)
		}
	}
}

func TestCheckHost(t *testing.T) {
	topo := mustParse(t, "testdata/valid-local.hcl")
	diags := topo.CheckHost()
	if len(diags) != 2 {
		t.Fatalf("want the two missing binaries reported, got:%s", describe(diags))
	}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Start.Line != 7 && d.Subject.Start.Line != 8 {
			t.Errorf("diagnostic should point at the binary attribute:%s", describe(diags))
		}
	}
	dir := t.TempDir()
	os.MkdirAll(dir+"/bin", 0o755)
	os.WriteFile(dir+"/bin/consul", []byte{}, 0o755)
	os.WriteFile(dir+"/bin/nomad", []byte{}, 0o755)
	topo.Filename = dir + "/topology.hcl"
	if diags := topo.CheckHost(); len(diags) != 0 {
		t.Errorf("binaries exist relative to the topology file, got:%s", describe(diags))
	}
}

// The ssh provider's nodes are at the addresses it lists, not at the
// ones the CIDR would give them.
func TestSSHAddresses(t *testing.T) {
	topo := mustParse(t, "testdata/valid-ssh.hcl")
	got := map[string]string{}
	for _, n := range topo.Nodes() {
		got[n.Name] = n.Address.String()
	}
	want := map[string]string{"nomad-server1": "10.0.0.5", "nomad-client1": "10.0.1.9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addresses = %v, want %v", got, want)
	}
}

// sshParser decodes the ssh provider's block with a schema like the one
// its package declares (internal/providers/ssh, which imports this
// package): what the topology itself does with the block (the hosts'
// addresses, the private key's file) is tested here.
func sshParser() *Parser {
	return NewParser().WithBuiltins(map[string]BuiltinBlock{"ssh": {
		Schema: []provider.Attribute{
			{Name: "user", Type: provider.TypeString},
			{Name: "private_key", Type: provider.TypeString},
			{Name: "port", Type: provider.TypeNumber},
			{Name: "hosts", Type: provider.TypeMapString},
		},
		Files: map[string]string{"private_key": "SSH private key"},
	}})
}
