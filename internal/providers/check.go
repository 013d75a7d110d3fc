package providers

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Answers are what a plugin provider said of a topology when it was
// checked, beside the topology rather than in it.
type Answers struct {
	// Vagrant: the plugin's machines are made by Vagrant, from the
	// rendered Vagrantfile with Fragments (node name -> Ruby) inside each
	// machine's provider block.
	Vagrant   bool
	Fragments map[string]string
}

// LaunchFor starts the plugin t's provider names, with the command's ctx
// (Ctrl-C stops it), for the command to use from validation to its last
// step: one plugin process per command. Its stderr is dropped until
// Handle.SetLog names the cluster's log. A plugin that is not found or
// does not start is a diagnostic at the provider label; a built-in
// provider has no plugin (nil, nil).
func LaunchFor(ctx context.Context, t *topology.Topology) (*Handle, hcl.Diagnostics) {
	p := &t.Provider
	if !p.Plugin {
		return nil, nil
	}
	path, dirs := Find(p.Name)
	if path == "" {
		return nil, labelDiag(p, "Provider plugin not found", NotFoundError(p.Name, dirs).Error()+".")
	}
	h, err := launch(ctx, pluginhost.LaunchOptions{Name: p.Name, Path: path}, &pluginLog{name: p.Name})
	if err != nil {
		return nil, labelDiag(p, "Provider plugin failed", err.Error())
	}
	return h, nil
}

func labelDiag(p *topology.Provider, summary, detail string) hcl.Diagnostics {
	r := p.NameRange
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r}}
}

// CheckBlock decodes a plugin provider's block with the schema the
// plugin h declares and has the plugin validate it. Every problem is a
// diagnostic at the provider label or at the attribute. Built-in blocks
// are the topology package's to check. Decoding the block is the last
// part of parsing it: it sets the provider's Config; what else the
// plugin says comes back as Answers.
func CheckBlock(ctx context.Context, t *topology.Topology, h *Handle) (Answers, hcl.Diagnostics) {
	p := &t.Provider
	if !p.Plugin {
		return Answers{}, nil
	}
	diag := func(summary, detail string) hcl.Diagnostics { return labelDiag(p, summary, detail) }
	diags := DecodeBlock(ctx, t, h)
	if diags.HasErrors() {
		return Answers{}, diags
	}
	c := ClusterOf(t, "")
	ds, err := h.Validate(ctx, c)
	if err != nil {
		return Answers{}, append(diags, diag("Provider plugin failed", err.Error())...)
	}
	diags = append(diags, p.PluginDiagnostics(ds)...)
	if !h.Description.Capabilities.UsesVagrant || diags.HasErrors() {
		return Answers{}, diags
	}
	// The Vagrantfile nomadbox renders carries, in each machine, the Ruby
	// the plugin gives for it.
	a := Answers{Vagrant: true, Fragments: map[string]string{}}
	for _, n := range c.Nodes {
		ruby, err := pluginhost.VagrantFragment(ctx, h.Provider, c, n.Name)
		if err != nil {
			return Answers{}, append(diags, diag("Provider plugin failed", err.Error())...)
		}
		a.Fragments[n.Name] = ruby
	}
	return a, diags
}

// DecodeBlock decodes a plugin provider's block with the schema the
// plugin h declares: what can be checked of the block alone, without the
// plugin's Validate (which is given the whole cluster). validate uses it
// on a topology whose other blocks have errors, so that the block's own
// problems show beside theirs.
func DecodeBlock(ctx context.Context, t *topology.Topology, h *Handle) hcl.Diagnostics {
	p := &t.Provider
	if !p.Plugin {
		return nil
	}
	schema, err := h.Schema(ctx)
	if err != nil {
		return labelDiag(p, "Provider plugin failed", err.Error())
	}
	return p.DecodeBlock(schema.Attributes)
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
