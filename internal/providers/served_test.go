package providers

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// TestServedBuiltinNeedsNoTopologyFile: a built-in served over gRPC, as
// `nomadbox provider serve ssh` serves it, works from the request alone
// when the topology file it names does not exist: the hosts, login and
// addresses it reports are the request's.
func TestServedBuiltinNeedsNoTopologyFile(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "serve-ssh")
	if err := os.WriteFile(script, []byte(fmt.Sprintf("#!/bin/sh\n%s=serve-ssh exec %q \"$@\"\n", testPluginEnv, self)), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := launch(ctx, pluginhost.LaunchOptions{Name: "ssh", Path: script}, &pluginLog{name: "ssh"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Nothing listens on port 1 of these loopback addresses: each host is
	// reported unreachable, at once.
	c := &provider.Cluster{
		Name: "c", Dir: dir, TopologyFile: filepath.Join(dir, "no-such-topology.hcl"), CIDR: "10.9.0.0/24",
		Nodes: []provider.Node{
			{Name: "nomad-server1", Role: "server", Group: "nomad-server", Address: "127.0.0.2", MemoryMiB: 1024, CPUs: 1},
			{Name: "nomad-client1", Role: "client", Group: "nomad-client", Address: "127.0.0.3", MemoryMiB: 2048, CPUs: 2, Drivers: []string{"docker"}},
		},
		Config: map[string]any{"user": "ops", "port": 1, "private_key": "/keys/ops",
			"hosts": map[string]any{"nomad-server1": "127.0.0.2", "nomad-client1": "127.0.0.3"}},
	}
	ms, err := h.List(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Machine{
		{Name: "nomad-client1", State: provider.StateUnreachable, Address: "127.0.0.3", SSH: provider.SSH{Host: "127.0.0.3", Port: 1, User: "ops", PrivateKeyPath: "/keys/ops"}},
		{Name: "nomad-server1", State: provider.StateUnreachable, Address: "127.0.0.2", SSH: provider.SSH{Host: "127.0.0.2", Port: 1, User: "ops", PrivateKeyPath: "/keys/ops"}},
	}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("List = %+v\nwant %+v", ms, want)
	}
}

// TestTopologyOfRequest: the topology a served built-in makes from the
// request is the one the request was made from, in everything a
// built-in reads: the cluster, network and provider block, each node
// with its group, address, size and drivers, and the install of the
// render in the request's directory.
func TestTopologyOfRequest(t *testing.T) {
	dir := t.TempDir()
	src := []byte(`cluster "same" {}
provider "docker" { image = "nomadbox/node:test" }
network { cidr = "10.7.0.0/24" }
install {
  method        = "local"
  consul_binary = "/opt/consul"
  nomad_binary  = "/opt/nomad"
}
server "nomad-server" { count = 3 }
client "web" {
  count   = 2
  memory  = 4096
  drivers = ["docker", "exec"]
}
client "batch" { drivers = ["raw_exec"] }
`)
	orig, diags := NewParser().Parse(src, filepath.Join(dir, "topology.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	orig = orig.WithAddresses(map[string]netip.Addr{"web2": netip.MustParseAddr("10.7.0.99")})
	files, err := generator.Render(generator.Input{Topology: orig}, nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "ansible", "group_vars"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "ansible", "group_vars", "all.yml"), files["ansible/group_vars/all.yml"], 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := builtin.TopologyOf("docker", ClusterOf(orig, dir))
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		Name, Role, Group, Address string
		Memory, CPUs               int
		Drivers                    []string
	}
	nodes := func(ns []topology.Node) []node {
		var out []node
		for _, n := range ns {
			out = append(out, node{n.Name, string(n.Role), n.Group.Name, n.Address.String(), n.Group.Memory, n.Group.CPUs, n.Group.Drivers})
		}
		return out
	}
	if a, b := nodes(got.Nodes()), nodes(orig.Nodes()); !reflect.DeepEqual(a, b) {
		t.Errorf("nodes\n%v\nwant\n%v", a, b)
	}
	if got.Cluster.Name != "same" || got.Network.Prefix != orig.Network.Prefix || !reflect.DeepEqual(got.Provider.Config, orig.Provider.Config) || got.Provider.Name != "docker" {
		t.Errorf("cluster %q, network %v, provider %s %v", got.Cluster.Name, got.Network.Prefix, got.Provider.Name, got.Provider.Config)
	}
	if got.Install.Method != "local" || got.Install.ConsulBinary != "/opt/consul" || got.Install.NomadBinary != "/opt/nomad" {
		t.Errorf("install %+v, want the render's", got.Install)
	}
	// Nodes not named group1..groupN cannot be put back into groups.
	c := ClusterOf(orig, dir)
	c.Nodes[0].Name = "elsewhere"
	if _, err := builtin.TopologyOf("docker", c); err == nil {
		t.Error("a request with a node outside its group's names was taken")
	}
}
