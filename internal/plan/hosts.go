package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// hostChanges names what changes on the nodes beyond the agents'
// configuration files when the firewall, DNS or security blocks differ
// from the applied topology: what gets installed or removed, on how many
// nodes, and whether the agents restart. Nothing is known without an
// applied topology.
func hostChanges(prev, cur *topology.Topology, nodes int) []string {
	if prev == nil {
		return nil
	}
	on := fmt.Sprintf("on %d %s", nodes, plural(nodes, "node", "nodes"))
	var out []string
	pf, cf := prev.Firewall, cur.Firewall
	switch {
	case pf.Enabled && !cf.Enabled:
		out = append(out, "firewall: removed "+on+" (its unit, ruleset and nomadbox table; no restart)")
	case !pf.Enabled && cf.Enabled:
		out = append(out, "firewall: installed "+on+" (drop policy for what the cluster does not need; no restart)")
	case cf.Enabled:
		if add, del := diff(pf.ExtraPorts, cf.ExtraPorts); len(add)+len(del) > 0 {
			out = append(out, "firewall: "+changeList("open", "close", add, del)+" "+on+" (no restart)")
		}
		if add, del := diff(pf.APIAllow, cf.APIAllow); len(add)+len(del) > 0 {
			out = append(out, "firewall: API access "+changeList("from", "no longer from", add, del)+" "+on+" (no restart)")
		}
	}
	if p, c := prev.DNS.Forwarder, cur.DNS.Forwarder; p != c {
		line := fmt.Sprintf("dns: forwarder %s -> %s %s", p, c, on)
		if c == "none" {
			line += " (forwarding removed, the original resolver restored)"
		}
		out = append(out, line)
	}
	for _, s := range []struct {
		name     string
		was, now bool
	}{
		{"gossip_encryption", prev.Security.GossipEncryption, cur.Security.GossipEncryption},
		{"tls", prev.Security.TLS, cur.Security.TLS},
		{"acl", prev.Security.ACL, cur.Security.ACL},
	} {
		if s.was != s.now {
			out = append(out, fmt.Sprintf("security.%s: %s -> %s %s (the agents restart)", s.name, onOff(s.was), onOff(s.now), on))
		}
	}
	return out
}

// diff returns what b adds to a and what it drops from it.
func diff(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// changeList says what add and del do, each with its own verb:
// "open 80/tcp, close 81/tcp".
func changeList(addVerb, delVerb string, add, del []string) string {
	var parts []string
	if len(add) > 0 {
		parts = append(parts, addVerb+" "+strings.Join(add, ", "))
	}
	if len(del) > 0 {
		parts = append(parts, delVerb+" "+strings.Join(del, ", "))
	}
	return strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
