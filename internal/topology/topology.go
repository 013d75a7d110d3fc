// Package topology holds the decoded form of topology.hcl: the one file a
// user edits to describe a cluster. Parse turns the file into a *Topology
// with every default filled in and every problem reported as a diagnostic.
package topology

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/hcl/v2"
)

// Topology is a fully defaulted, validated cluster description.
type Topology struct {
	// Filename is the path the topology was read from; relative paths in
	// the file (jobs, local binaries) are relative to its directory.
	Filename string

	Cluster  Cluster
	Provider Provider
	Network  Network
	Versions Versions
	Install  Install
	Server   Group
	Clients  []Group
	DNS      DNS
	Firewall Firewall
	Security Security
	Jobs     []Job

	// Addresses are the ones a provider that chooses its machines'
	// addresses reported, by node; they win over the CIDR's. Parsing
	// leaves it empty: a topology with addresses is a copy made by
	// WithAddresses.
	Addresses map[string]netip.Addr
}

// WithAddresses returns a copy of t whose nodes have the addresses a
// provider reported (by node name; a node it does not name keeps its
// own). t is not changed; with no addresses it is t itself.
func (t *Topology) WithAddresses(addrs map[string]netip.Addr) *Topology {
	if len(addrs) == 0 {
		return t
	}
	c := *t
	c.Addresses = make(map[string]netip.Addr, len(t.Addresses)+len(addrs))
	for n, a := range t.Addresses {
		c.Addresses[n] = a
	}
	for n, a := range addrs {
		c.Addresses[n] = a
	}
	return &c
}

// block is embedded in every decoded block: it remembers where the block
// and each of its attributes came from, so checks that run after decoding
// can still point at the offending line.
type block struct {
	DeclRange hcl.Range
	attrs     map[string]hcl.Range
	items     map[string][]item // elements of list and map attributes
}

// isSet reports whether the user wrote the attribute (as opposed to it
// being filled in by setDefaults).
func (b *block) isSet(name string) bool {
	_, ok := b.attrs[name]
	return ok
}

// subject is the range a diagnostic about attribute name should point at:
// the attribute's value when it was written, else the block header.
func (b *block) subject(name string) *hcl.Range {
	if r, ok := b.attrs[name]; ok {
		return &r
	}
	r := b.DeclRange
	return &r
}

// Role says what a node does in the cluster.
type Role string

const (
	RoleServer Role = "server"
	RoleClient Role = "client"
)

// Node is one machine of the cluster.
type Node struct {
	Name    string
	Role    Role
	Group   *Group
	Index   int // 1-based position within its group
	Address netip.Addr
}

// Nodes lists every machine: servers first, then each client group in the
// order written. The order is stable, which makes renders deterministic.
func (t *Topology) Nodes() []Node {
	var nodes []Node
	add := func(g *Group) {
		for i := 1; i <= g.Count; i++ {
			nodes = append(nodes, Node{
				Name:    fmt.Sprintf("%s%d", g.Name, i),
				Role:    g.Role,
				Group:   g,
				Index:   i,
				Address: address(t, g, i),
			})
		}
	}
	add(&t.Server)
	for i := range t.Clients {
		add(&t.Clients[i])
	}
	return nodes
}

// address is node i of g's address: the one its provider reported, the
// one the ssh provider lists for it (existing hosts keep theirs), else
// the one derived from the CIDR.
func address(t *Topology, g *Group, i int) netip.Addr {
	if a, ok := t.Addresses[fmt.Sprintf("%s%d", g.Name, i)]; ok {
		return a
	}
	if t.Provider.Name == "ssh" {
		// The ssh provider's hosts attribute, a map(string).
		hosts, _ := t.Provider.Config["hosts"].(map[string]any)
		addr, _ := hosts[fmt.Sprintf("%s%d", g.Name, i)].(string)
		if a, err := netip.ParseAddr(addr); err == nil {
			return a
		}
	}
	return g.address(t.Network.Prefix, i)
}

// HostAddress is where a node is reached over SSH: its address.
func (t *Topology) HostAddress(n Node) string { return n.Address.String() }

// Servers lists the server nodes.
func (t *Topology) Servers() []Node {
	return filterRole(t.Nodes(), RoleServer)
}

// ClientNodes lists the client nodes.
func (t *Topology) ClientNodes() []Node {
	return filterRole(t.Nodes(), RoleClient)
}

func filterRole(nodes []Node, role Role) []Node {
	var out []Node
	for _, n := range nodes {
		if n.Role == role {
			out = append(out, n)
		}
	}
	return out
}
