package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nomadbox/nomadbox/internal/nodecontainer"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// machineEdits names the edits that only a new machine gets: a kept
// machine keeps the size and provider settings it was created with (up
// does not recreate machines), so the plan says so instead of implying
// they change. One line per edit, with the machines it concerns.
func machineEdits(prev, cur *topology.Topology, kept []string) []string {
	if prev == nil {
		return nil
	}
	before := map[string]topology.Node{}
	for _, n := range prev.Nodes() {
		before[n.Name] = n
	}
	var order []string
	nodes := map[string][]string{}
	note := func(what, node string) {
		if nodes[what] == nil {
			order = append(order, what)
		}
		nodes[what] = append(nodes[what], node)
	}
	for _, n := range cur.Nodes() {
		o, ok := before[n.Name]
		if !ok || !slices.Contains(kept, n.Name) {
			continue
		}
		if o.Group.Memory != n.Group.Memory {
			note(fmt.Sprintf("memory %d -> %d MiB", o.Group.Memory, n.Group.Memory), n.Name)
		}
		if o.Group.CPUs != n.Group.CPUs {
			note(fmt.Sprintf("cpus %d -> %d", o.Group.CPUs, n.Group.CPUs), n.Name)
		}
		if cur.Provider.Name == "docker" && prev.Provider.Name == "docker" {
			// The container's options follow the node's drivers too.
			oo, no := nodecontainer.Options(o), nodecontainer.Options(n)
			if strings.Join(stripSize(oo), " ") != strings.Join(stripSize(no), " ") {
				note("container options ("+strings.Join(optionDiff(oo, no), ", ")+")", n.Name)
			}
		}
	}
	for _, s := range []struct{ name, was, now string }{
		{"provider", prev.Provider.Name, cur.Provider.Name},
		{"box", setting(prev, "box"), setting(cur, "box")},
		{"box_version", setting(prev, "box_version"), setting(cur, "box_version")},
		{"image", setting(prev, "image"), setting(cur, "image")},
		{"driver", setting(prev, "driver"), setting(cur, "driver")},
		{"storage_pool", setting(prev, "storage_pool"), setting(cur, "storage_pool")},
		{"switch", setting(prev, "switch"), setting(cur, "switch")},
	} {
		if s.was != s.now && len(kept) > 0 {
			what := fmt.Sprintf("provider %s %q -> %q", s.name, s.was, s.now)
			if s.name == "provider" {
				what = fmt.Sprintf("provider %s -> %s", s.was, s.now)
			}
			order = append(order, what)
			nodes[what] = kept
		}
	}
	var out []string
	for _, what := range order {
		out = append(out, fmt.Sprintf("%s of %s: the existing %s created with; only machines created from now on get it",
			what, strings.Join(nodes[what], ", "), plural(len(nodes[what]), "machine keeps what it was", "machines keep what they were")))
	}
	return out
}

// stripSize drops --memory and --cpus with their values: they have lines
// of their own.
func stripSize(opts []string) []string {
	var out []string
	for i := 0; i < len(opts); i++ {
		if opts[i] == "--memory" || opts[i] == "--cpus" {
			i++
			continue
		}
		out = append(out, opts[i])
	}
	return out
}

// optionDiff names the options one list has and the other lacks, as
// "+--cap-add SYS_ADMIN" and "-...".
func optionDiff(a, b []string) []string {
	pairs := func(opts []string) []string {
		var out []string
		for i := 0; i < len(opts); i++ {
			if strings.HasPrefix(opts[i], "-") && i+1 < len(opts) && !strings.HasPrefix(opts[i+1], "-") {
				out = append(out, opts[i]+" "+opts[i+1])
				i++
				continue
			}
			out = append(out, opts[i])
		}
		return out
	}
	pa, pb := pairs(stripSize(a)), pairs(stripSize(b))
	var out []string
	for _, o := range pb {
		if !slices.Contains(pa, o) {
			out = append(out, "+"+o)
		}
	}
	for _, o := range pa {
		if !slices.Contains(pb, o) {
			out = append(out, "-"+o)
		}
	}
	return out
}

// setting is the provider block's attribute name in t as text, defaults
// applied; "" where the provider has no such attribute.
func setting(t *topology.Topology, name string) string {
	v, ok := t.Provider.Config[name]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
