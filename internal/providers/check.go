package providers

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// CheckBlock finds the plugin a topology's provider names, decodes the
// provider block with the schema the plugin declares and has the plugin
// validate it. Every problem is a diagnostic at the provider label or at
// the attribute. Built-in blocks are the topology package's to check.
func CheckBlock(ctx context.Context, t *topology.Topology) hcl.Diagnostics {
	p := &t.Provider
	if !p.Plugin {
		return nil
	}
	diag := func(summary, detail string) hcl.Diagnostics {
		r := p.NameRange
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r}}
	}
	path, dirs := Find(p.Name)
	if path == "" {
		return diag("Provider plugin not found", NotFoundError(p.Name, dirs).Error()+".")
	}
	h, err := Launch(ctx, p.Name, path, nil)
	if err != nil {
		return diag("Provider plugin failed", err.Error())
	}
	defer h.Close()
	schema, err := h.Schema(ctx)
	if err != nil {
		return diag("Provider plugin failed", err.Error())
	}
	diags := p.DecodePluginBlock(schema)
	if diags.HasErrors() {
		return diags
	}
	c := ClusterOf(t, "")
	ds, err := h.Validate(ctx, c)
	if err != nil {
		return append(diags, diag("Provider plugin failed", err.Error())...)
	}
	diags = append(diags, p.PluginDiagnostics(ds)...)
	if h.Description.Capabilities.UsesVagrant && !diags.HasErrors() {
		// The Vagrantfile nomadbox renders carries, in each machine, the
		// Ruby the plugin gives for it.
		p.PluginVagrant, p.VagrantFragments = true, map[string]string{}
		for _, n := range c.Nodes {
			ruby, err := pluginhost.VagrantFragment(ctx, h.Provider, c, n.Name)
			if err != nil {
				return append(diags, diag("Provider plugin failed", err.Error())...)
			}
			p.VagrantFragments[n.Name] = ruby
		}
	}
	return diags
}

// ClusterOf is what a provider learns of the cluster: t's nodes, its
// network and the provider block, with dir as the render directory.
func ClusterOf(t *topology.Topology, dir string) *provider.Cluster {
	file, err := filepath.Abs(t.Filename)
	if err != nil {
		file = t.Filename
	}
	c := &provider.Cluster{
		Name: t.Cluster.Name, Dir: dir, TopologyFile: file,
		CIDR: t.Network.Prefix.String(), Config: t.Provider.Config,
	}
	for _, n := range t.Nodes() {
		c.Nodes = append(c.Nodes, provider.Node{
			Name: n.Name, Role: string(n.Role), Group: n.Group.Name, Address: n.Address.String(),
			MemoryMiB: n.Group.Memory, CPUs: n.Group.CPUs, Drivers: n.Group.Drivers,
		})
	}
	return c
}
