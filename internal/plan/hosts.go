package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// hostEdits names what changes on the kept nodes beyond the agents'
// configuration files when the firewall, DNS or security blocks differ
// from the applied topology: what gets installed or removed, and whether
// the agents restart.
func hostEdits(prev, cur *topology.Topology, nodes []string) []Edit {
	if prev == nil {
		return nil
	}
	var out []Edit
	add := func(what string, restarts ...string) {
		out = append(out, Edit{What: what, Nodes: nodes, Restarts: restarts})
	}
	pf, cf := prev.Firewall, cur.Firewall
	switch {
	case pf.Enabled && !cf.Enabled:
		add("firewall: removed (its unit, ruleset and nomadbox table)")
	case !pf.Enabled && cf.Enabled:
		add("firewall: installed (drop policy for what the cluster does not need)")
	case cf.Enabled:
		if a, d := diff(pf.ExtraPorts, cf.ExtraPorts); len(a)+len(d) > 0 {
			add("firewall: " + changeList("open", "close", a, d))
		}
		if a, d := diff(pf.APIAllow, cf.APIAllow); len(a)+len(d) > 0 {
			add("firewall: API access " + changeList("from", "no longer from", a, d))
		}
	}
	if p, c := prev.DNS.Forwarder, cur.DNS.Forwarder; p != c {
		what := fmt.Sprintf("dns: forwarder %s -> %s", p, c)
		if c == "none" {
			what += " (forwarding removed, the original resolver restored)"
		}
		add(what)
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
			add(fmt.Sprintf("security.%s: %s -> %s", s.name, onOff(s.was), onOff(s.now)), "consul", "nomad")
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
