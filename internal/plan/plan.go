// Package plan works out what an `up` on an existing cluster will do,
// the way `terraform plan` does: machines to create, machines to drain
// and remove, nodes whose agent configuration changes (and which
// settings), and whether the change is safe without --force. It is pure:
// the caller supplies what exists and what was rendered before.
package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Change is a node whose agent configuration changes.
type Change struct {
	Node     string
	Settings []string // e.g. "consul.hcl: retry_join", "nomad.hcl: server.bootstrap_expect"
}

// Plan is what an up would do to an existing cluster.
type Plan struct {
	Create  []string
	Remove  []topology.Node // nodes of the previous topology that go away
	Changes []Change
	// Hosts are changes to the nodes beyond the agents' configuration
	// (firewall, DNS forwarding, security switches), one line each.
	Hosts []string
	// NeedsForce lists why the plan must not run without --force.
	NeedsForce []string
	// ExistingHosts: nodes are hosts that exist before and after (the ssh
	// provider): nomadbox installs onto them and uninstalls from them.
	ExistingHosts bool
}

// Empty reports whether nothing changes.
func (p *Plan) Empty() bool {
	return len(p.Create) == 0 && len(p.Remove) == 0 && len(p.Changes) == 0 && len(p.Hosts) == 0
}

// Input is what Compute compares.
type Input struct {
	Topology *topology.Topology
	// Previous is the topology of the last render, nil when unknown.
	Previous *topology.Topology
	// Existing are the machines that exist now.
	Existing []string
	// OldConfigs and NewConfigs map node -> file name -> agent config.
	OldConfigs, NewConfigs map[string]map[string][]byte
	// ExistingHosts: see Plan.ExistingHosts.
	ExistingHosts bool
}

// Compute works out the plan.
func Compute(in Input) *Plan {
	p := &Plan{ExistingHosts: in.ExistingHosts}
	exists := map[string]bool{}
	for _, m := range in.Existing {
		exists[m] = true
	}
	want := map[string]bool{}
	for _, n := range in.Topology.Nodes() {
		want[n.Name] = true
		if !exists[n.Name] {
			p.Create = append(p.Create, n.Name)
		}
	}
	prevNodes := map[string]topology.Node{}
	if in.Previous != nil {
		for _, n := range in.Previous.Nodes() {
			prevNodes[n.Name] = n
		}
	}
	for _, m := range in.Existing {
		if want[m] {
			continue
		}
		n, ok := prevNodes[m]
		if !ok {
			n = topology.Node{Name: m, Role: topology.RoleClient}
		}
		p.Remove = append(p.Remove, n)
	}
	for _, n := range in.Topology.Nodes() {
		if !exists[n.Name] {
			continue
		}
		var settings []string
		for _, file := range []string{"consul.hcl", "nomad.hcl"} {
			for _, s := range diffSettings(in.OldConfigs[n.Name][file], in.NewConfigs[n.Name][file]) {
				settings = append(settings, file+": "+s)
			}
		}
		if len(settings) > 0 {
			p.Changes = append(p.Changes, Change{Node: n.Name, Settings: settings})
		}
	}
	kept := 0
	for _, n := range in.Topology.Nodes() {
		if exists[n.Name] {
			kept++
		}
	}
	if kept > 0 {
		p.Hosts = hostChanges(in.Previous, in.Topology, kept)
	}
	p.NeedsForce = safety(in, prevNodes, p)
	return p
}

// safety lists the reasons a plan needs --force: losing Raft quorum, an
// even server count, or a group rename that would recreate machines.
// prevNodes are the previous topology's nodes by name.
func safety(in Input, prevNodes map[string]topology.Node, p *Plan) []string {
	var why []string
	oldServers := 0
	for _, m := range in.Existing {
		if n, ok := prevNodes[m]; ok && n.Role == topology.RoleServer {
			oldServers++
		}
	}
	newServers := in.Topology.Server.Count
	if oldServers > 0 && newServers < oldServers {
		quorum := oldServers/2 + 1
		if newServers < quorum {
			why = append(why, fmt.Sprintf("removing %d of %d servers drops below the Raft quorum of %d: the remaining servers cannot elect a leader without manual recovery", oldServers-newServers, oldServers, quorum))
		}
		if newServers%2 == 0 {
			why = append(why, fmt.Sprintf("%d servers tolerate no more failures than %d; keep an odd count", newServers, newServers-1))
		}
	}
	if len(p.Create) > 0 && len(p.Remove) > 0 && in.Previous != nil {
		oldGroups, newGroups := groupNames(in.Previous), groupNames(in.Topology)
		var gone, added []string
		for g := range oldGroups {
			if !newGroups[g] {
				gone = append(gone, g)
			}
		}
		for g := range newGroups {
			if !oldGroups[g] {
				added = append(added, g)
			}
		}
		sort.Strings(gone)
		sort.Strings(added)
		if len(gone) > 0 && len(added) > 0 {
			why = append(why, fmt.Sprintf("group %s is gone and group %s is new: if this is a rename, every machine of the group is destroyed and created again", strings.Join(gone, ", "), strings.Join(added, ", ")))
		}
	}
	return why
}

func groupNames(t *topology.Topology) map[string]bool {
	out := map[string]bool{t.Server.Name: true}
	for _, g := range t.Clients {
		out[g.Name] = true
	}
	return out
}

// diffSettings names the settings (dotted paths) that differ between two
// agent configuration files.
func diffSettings(old, new []byte) []string {
	if old == nil && new == nil {
		return nil
	}
	a, b := settings(old), settings(new)
	seen := map[string]bool{}
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
			seen[k] = true
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok && !seen[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// settings flattens an HCL file into dotted attribute paths and their
// source text ("server.bootstrap_expect" -> "3").
func settings(src []byte) map[string]string {
	out := map[string]string{}
	if src == nil {
		return out
	}
	f, diags := hclsyntax.ParseConfig(src, "agent.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		out["(unreadable)"] = string(src)
		return out
	}
	var walk func(prefix string, body *hclsyntax.Body)
	walk = func(prefix string, body *hclsyntax.Body) {
		for name, attr := range body.Attributes {
			out[prefix+name] = string(attr.Expr.Range().SliceBytes(src))
		}
		for _, blk := range body.Blocks {
			key := blk.Type
			for _, l := range blk.Labels {
				key += "." + l
			}
			walk(prefix+key+".", blk.Body)
		}
	}
	walk("", f.Body.(*hclsyntax.Body))
	return out
}

// Write prints the plan for a person.
func (p *Plan) Write(w io.Writer) {
	if p.Empty() {
		fmt.Fprintln(w, "Plan: no changes.")
		return
	}
	fmt.Fprintf(w, "Plan: %d to create, %d to drain and remove, %d to reconfigure.\n", len(p.Create), len(p.Remove), len(p.Changes))
	added, gone := "new machine", "destroy"
	if p.ExistingHosts {
		added, gone = "existing host: install the agents", "uninstall; the host keeps running"
	}
	for _, n := range p.Create {
		fmt.Fprintf(w, "  + %s  (%s)\n", n, added)
	}
	for _, n := range p.Remove {
		how := "drain, leave Consul, " + gone
		if n.Role == topology.RoleServer {
			how = "leave Raft and Consul, " + gone
		}
		fmt.Fprintf(w, "  - %s  (%s)\n", n.Name, how)
	}
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  ~ %s  (agent configuration: %s)\n", c.Node, strings.Join(c.Settings, "; "))
	}
	for _, h := range p.Hosts {
		fmt.Fprintf(w, "  ~ %s\n", h)
	}
	for _, why := range p.NeedsForce {
		fmt.Fprintf(w, "  ! needs --force: %s\n", why)
	}
}
