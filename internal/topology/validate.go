package topology

import "github.com/hashicorp/hcl/v2"

// validate runs every check and returns all problems at once: a user
// fixing a topology should not have to run validate once per mistake.
func validateAll(t *Topology, builtins map[string]BuiltinBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, t.Cluster.validate()...)
	diags = append(diags, t.Network.validate()...)
	diags = append(diags, validateVersions(t)...)
	diags = append(diags, t.Install.validate()...)
	diags = append(diags, t.DNS.validate()...)
	diags = append(diags, t.Firewall.validate()...)
	diags = append(diags, checkExposure(t)...)
	markDuplicateGroups(t)
	diags = append(diags, t.Server.validate(t.Network.Prefix)...)
	for i := range t.Clients {
		diags = append(diags, t.Clients[i].validate(t.Network.Prefix)...)
	}
	diags = append(diags, checkGroupsApart(t)...)
	diags = append(diags, t.Provider.validate(t, builtins)...)
	diags = append(diags, checkJobs(t)...)
	return diags
}

// markDuplicateGroups flags every group whose name an earlier group
// already has: checkGroupsApart reports it, and its name is not judged a
// second time.
func markDuplicateGroups(t *Topology) {
	seen := map[string]bool{t.Server.Name: true}
	for i := range t.Clients {
		g := &t.Clients[i]
		g.duplicate = seen[g.Name]
		seen[g.Name] = true
	}
}

// checkGroupsApart finds groups that share a name or addresses. (Node
// names cannot collide otherwise: group names may not end in a digit.) Each is reported at the later group.
func checkGroupsApart(t *Topology) hcl.Diagnostics {
	var diags hcl.Diagnostics
	groups := []*Group{&t.Server}
	for i := range t.Clients {
		groups = append(groups, &t.Clients[i])
	}
	names := map[string]*Group{}
	for _, g := range groups {
		if first, dup := names[g.Name]; dup {
			diags = append(diags, errorAt(&g.NameRange, "Duplicate group name",
				"A %s group named %q is already defined at %s; every group needs its own name.", first.Role, g.Name, first.DeclRange))
			continue
		}
		names[g.Name] = g
	}
	if !t.Network.Prefix.IsValid() {
		return diags
	}
	for i, g := range groups {
		for _, h := range groups[:i] {
			if g.Count < 1 || h.Count < 1 {
				continue
			}
			gFirst, gLast := g.IPOffset, g.IPOffset+g.Count-1
			hFirst, hLast := h.IPOffset, h.IPOffset+h.Count-1
			if gFirst <= hLast && hFirst <= gLast {
				subject := g.subject("ip_offset")
				if !g.isSet("ip_offset") {
					subject = g.subject("count")
				}
				diags = append(diags, errorAt(subject, "Overlapping addresses",
					"Group %q uses %s to %s, which overlaps group %q (%s to %s). Set ip_offset on one of them so their ranges do not meet.",
					g.Name, hostAddr(t.Network.Prefix, gFirst), hostAddr(t.Network.Prefix, gLast),
					h.Name, hostAddr(t.Network.Prefix, hFirst), hostAddr(t.Network.Prefix, hLast)))
			}
		}
	}
	return diags
}

func checkJobs(t *Topology) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Job{}
	for i := range t.Jobs {
		j := &t.Jobs[i]
		if first, dup := seen[j.Name]; dup {
			// Said once: the block repeats one already judged.
			diags = append(diags, errorAt(&j.NameRange, "Duplicate job",
				"A job named %q is already defined at %s.", j.Name, first.DeclRange))
			continue
		}
		seen[j.Name] = j
		diags = append(diags, j.validate()...)
	}
	return diags
}
