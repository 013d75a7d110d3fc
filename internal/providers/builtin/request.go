package builtin

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// TopologyOf is the topology a built-in provider named name works on
// when it is served out of process: made from the request alone, never
// from the topology file again. The request holds the cluster's name,
// network and nodes (each with its group, role, address, size and
// drivers) and the provider block's values; how the Consul and Nomad
// binaries are installed, which the docker provider bakes into its node
// image, is read from the render in the request's directory (what
// nomadbox rendered for this very topology).
func TopologyOf(name string, c *provider.Cluster) (*topology.Topology, error) {
	prefix, err := netip.ParsePrefix(c.CIDR)
	if err != nil {
		return nil, fmt.Errorf("the request's network %q: %w", c.CIDR, err)
	}
	t := &topology.Topology{
		Cluster:  topology.Cluster{Name: c.Name},
		Provider: topology.Provider{Name: name, Config: c.Config},
		Network:  topology.Network{CIDR: c.CIDR, Prefix: prefix},
	}
	if t.Install, err = renderedInstall(c.Dir); err != nil {
		return nil, err
	}
	addrs := map[string]netip.Addr{}
	for _, n := range c.Nodes {
		a, err := netip.ParseAddr(n.Address)
		if err != nil {
			return nil, fmt.Errorf("the request's node %s: address %q: %w", n.Name, n.Address, err)
		}
		addrs[n.Name] = a
		addNode(t, n)
	}
	for _, n := range t.Nodes() {
		if _, ok := addrs[n.Name]; !ok {
			return nil, fmt.Errorf("the request has no node %s: its nodes are not named group1..groupN in their groups", n.Name)
		}
	}
	return t.WithAddresses(addrs), nil
}

// addNode counts n in its group, which its first node makes.
func addNode(t *topology.Topology, n provider.Node) {
	g := &t.Server
	if n.Role == string(topology.RoleClient) {
		g = nil
		for i := range t.Clients {
			if t.Clients[i].Name == n.Group {
				g = &t.Clients[i]
			}
		}
		if g == nil {
			t.Clients = append(t.Clients, topology.Group{})
			g = &t.Clients[len(t.Clients)-1]
		}
	}
	if g.Count == 0 {
		*g = topology.Group{Role: topology.Role(n.Role), Name: n.Group, Memory: n.MemoryMiB, CPUs: n.CPUs, Drivers: n.Drivers}
	}
	g.Count++
}

// renderedInstall is the install method and local binaries of the
// render in dir (its ansible/group_vars/all.yml, which
// generator.ansibleFiles writes); the zero Install before any render.
func renderedInstall(dir string) (topology.Install, error) {
	var in topology.Install
	path := filepath.Join(dir, "ansible", "group_vars", "all.yml")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || dir == "" {
		return in, nil
	}
	if err != nil {
		return in, err
	}
	var vars struct {
		Method string `yaml:"nomadbox_install_method"`
		Consul string `yaml:"nomadbox_consul_binary"`
		Nomad  string `yaml:"nomadbox_nomad_binary"`
	}
	if err := yaml.Unmarshal(b, &vars); err != nil {
		return in, fmt.Errorf("reading the render's %s: %w", path, err)
	}
	in.Method, in.ConsulBinary, in.NomadBinary = vars.Method, vars.Consul, vars.Nomad
	return in, nil
}
