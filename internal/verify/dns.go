package verify

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// checkDNS asks every node, through Exec, to resolve consul.service.consul
// with its own resolver. It returns no checks when there is no Exec or the
// topology sets up no DNS forwarder.
func checkDNS(ctx context.Context, e *env) []Check {
	if e.Exec == nil || e.Topology.DNS.Forwarder == "none" {
		return nil
	}
	servers := map[netip.Addr]bool{}
	for _, n := range e.servers {
		servers[n.Address] = true
	}
	checks := make([]Check, len(e.nodes))
	forEach(len(e.nodes), parallel, func(i int) {
		n := e.nodes[i]
		c := Check{Name: CheckDNS, Node: n.Name}
		ctx, cancel := context.WithTimeout(ctx, e.ExecTimeout)
		defer cancel()
		out, err := e.Exec(ctx, n, DNSCommand)
		answer := parseAddrs(out)
		var good, other []string
		for _, a := range answer {
			if servers[a] {
				good = append(good, a.String())
			} else {
				other = append(other, a.String())
			}
		}
		switch {
		case err != nil && len(good) == 0:
			c.Detail = fmt.Sprintf("cannot resolve consul.service.consul: %v", err)
			if o := oneLine(out, 160); o != "" {
				c.Detail += " (output: " + o + ")"
			}
		case len(good) == 0 && len(answer) == 0:
			c.Detail = "consul.service.consul did not resolve"
			if o := oneLine(out, 160); o != "" {
				c.Detail += " (output: " + o + ")"
			}
		case len(good) == 0:
			c.Detail = fmt.Sprintf("consul.service.consul resolved to %s, none of them a server's private address",
				strings.Join(other, ", "))
		default:
			c.OK = true
			c.Detail = "consul.service.consul -> " + strings.Join(good, ", ")
			if len(other) > 0 {
				c.Detail += "; also " + strings.Join(other, ", ") + " (not server private addresses)"
			}
		}
		checks[i] = c
	})
	return checks
}

// parseAddrs picks the IPv4 addresses, in order and without repeats, out
// of dig +short or getent output.
func parseAddrs(out string) []netip.Addr {
	var addrs []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, f := range strings.Fields(out) {
		a, err := netip.ParseAddr(f)
		if err != nil || !a.Is4() || seen[a] {
			continue
		}
		seen[a] = true
		addrs = append(addrs, a)
	}
	return addrs
}
