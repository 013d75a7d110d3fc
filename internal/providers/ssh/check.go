package ssh

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// check validates the ssh provider's block: a usable port and user, and
// a host for every node (hosts).
func check(t *topology.Topology) hcl.Diagnostics {
	p := &t.Provider
	var diags hcl.Diagnostics
	// A number attribute: the schema lets 1.5 through, a port is whole.
	if port, ok := p.Config["port"].(float64); ok && p.Attrs().IsSet("port") && (port < 1 || port > 65535 || port != math.Trunc(port)) {
		diags = append(diags, topology.ErrorAt(p.Attrs().Subject("port"), "Invalid SSH port",
			"port must be between 1 and 65535, not %s.", strconv.FormatFloat(port, 'f', -1, 64)))
	}
	diags = append(diags, builtin.CheckNotEmpty(p, "user")...)
	return append(diags, checkHosts(t)...)
}

// checkHosts checks the ssh provider lists every node at an IP address
// of its own: the agents bind, advertise and join on it, so nothing is
// guessed from the CIDR.
func checkHosts(t *topology.Topology) hcl.Diagnostics {
	p := &t.Provider
	if p.Attrs().HadTypeError("hosts") {
		return nil
	}
	hosts := ConfigOf(p.Config).Hosts
	known := map[string]bool{}
	for _, n := range t.Nodes() {
		known[n.Name] = true
	}
	var diags hcl.Diagnostics
	byAddress := map[string]string{}
	for _, name := range p.Attrs().MapKeys("hosts", hosts) {
		addr := hosts[name]
		if !known[name] {
			diags = append(diags, topology.ErrorAt(p.Attrs().KeySubject("hosts", name), "Unknown host in ssh provider",
				"hosts names %q, which is not a node of this topology. Node names are the group label followed by 1..count, for example \"nomad-client1\".", name))
		}
		if d := checkAddress(p, name, addr, byAddress); d != nil {
			diags = append(diags, d)
			continue
		}
		byAddress[addr] = name
	}
	return append(diags, checkEveryNode(t, hosts)...)
}

// checkAddress checks the address hosts gives node name; byAddress is
// the node at each address seen before.
func checkAddress(p *topology.Provider, name, addr string, byAddress map[string]string) *hcl.Diagnostic {
	a, err := netip.ParseAddr(addr)
	switch {
	case err != nil || !a.Is4():
		return topology.ErrorAt(p.Attrs().ValueSubject("hosts", name), "Invalid host address",
			"The address %q for %q is not an IPv4 address. The agents bind, advertise and join on each node's address, so list the address itself (not a host name).", addr, name)
	case topology.UnusableHost(a) != "":
		return topology.ErrorAt(p.Attrs().ValueSubject("hosts", name), "Invalid host address",
			"The address %s for %q is %s, which no host can be reached at from the others: list the address the node has on the network the cluster's nodes share.", addr, name, topology.UnusableHost(a))
	case byAddress[addr] != "":
		return topology.ErrorAt(p.Attrs().ValueSubject("hosts", name), "Duplicate host address",
			"%q and %q are both at %s; every node needs a host of its own.", byAddress[addr], name, addr)
	}
	return nil
}

// checkEveryNode reports, at each group, its nodes hosts does not list.
func checkEveryNode(t *topology.Topology, hosts map[string]string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	groups := []*topology.Group{&t.Server}
	for i := range t.Clients {
		groups = append(groups, &t.Clients[i])
	}
	for _, g := range groups {
		var missing []string
		for _, n := range t.Nodes() {
			if n.Group == g && hosts[n.Name] == "" {
				missing = append(missing, n.Name)
			}
		}
		if len(missing) > 0 {
			r := g.DeclRange
			diags = append(diags, topology.ErrorAt(&r, "Node without a host",
				"The ssh provider reaches existing hosts, and %s has no address in provider \"ssh\" { hosts = { ... } }: add \"%s\" = \"<IP address>\" for each, or lower count.", strings.Join(missing, ", "), missing[0]))
		}
	}
	return diags
}
