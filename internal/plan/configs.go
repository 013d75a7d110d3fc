package plan

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/generator"
)

// configChanges names, per kept node, the settings of its agent
// configurations (ansible/config/<node>/<agent>.hcl) that differ between
// the applied render and the new one; the agent of a changed file
// restarts.
func configChanges(nodes []string, old, cur generator.Files) []Change {
	var out []Change
	for _, n := range nodes {
		prefix := "ansible/config/" + n + "/"
		files := map[string]bool{}
		for _, files2 := range []generator.Files{old, cur} {
			for p := range files2 {
				if strings.HasPrefix(p, prefix) && strings.HasSuffix(p, ".hcl") {
					files[strings.TrimPrefix(p, prefix)] = true
				}
			}
		}
		names := make([]string, 0, len(files))
		for f := range files {
			names = append(names, f)
		}
		sort.Strings(names)
		c := Change{Node: n}
		for _, file := range names {
			diff := diffSettings(old[prefix+file], cur[prefix+file])
			for _, s := range diff {
				c.Settings = append(c.Settings, file+": "+s)
			}
			if len(diff) > 0 {
				c.Restarts = append(c.Restarts, strings.TrimSuffix(file, ".hcl"))
			}
		}
		if len(c.Settings) > 0 {
			out = append(out, c)
		}
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
