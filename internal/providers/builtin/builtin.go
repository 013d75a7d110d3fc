// Package builtin is what every built-in provider package shares: the
// environment a built-in works in (Env), what it implements (Machines)
// and how it describes itself (Spec). It imports none of them, so each
// provider package (internal/providers/docker, vagrant, libvirt, ssh)
// imports it, and internal/providers, which serves them through the
// public contract, imports them all.
package builtin

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Env is what a built-in provider works with: the topology, its render
// directory and the exec layer.
type Env struct {
	Topology *topology.Topology
	Dir      string // render directory (holds the Vagrantfile)
	Runner   *execx.Runner
	// Progress receives short descriptions of what is going on.
	Progress func(format string, args ...any)
}

// Progressf reports what is going on, when anyone listens.
func (e *Env) Progressf(format string, args ...any) {
	if e.Progress != nil {
		e.Progress(format, args...)
	}
}

// Nodes is the named nodes of the topology, all when none is named.
func (e *Env) Nodes(names []string) []topology.Node {
	var out []topology.Node
	for _, n := range e.Topology.Nodes() {
		if len(names) == 0 || slices.Contains(names, n.Name) {
			out = append(out, n)
		}
	}
	return out
}

// Machines is what a built-in does; internal/providers turns it into the
// contract.
type Machines interface {
	Preflight(ctx context.Context, env *Env) error
	Up(ctx context.Context, env *Env, names ...string) error
	// List is every machine that exists, including machines of nodes the
	// topology no longer has.
	List(ctx context.Context, env *Env) ([]provider.Machine, error)
	Halt(ctx context.Context, env *Env, names ...string) error
	Destroy(ctx context.Context, env *Env, names ...string) error
}

// Spec is one built-in provider as its package declares it: its
// attributes, how they are checked, what it can do and needs. The
// topology keeps its block as data, decoded with Schema the way a
// plugin's block is (topology.Provider.DecodeBlock) and checked by
// Check.
type Spec struct {
	Name string
	// Capabilities answer, among others, whether Up starts machines in
	// parallel; the provider's Machines act on the same answer.
	Capabilities provider.Capabilities
	// Schema is the provider block: its attributes, their types and
	// defaults. The block is decoded with it, and `nomadbox providers`
	// and anyone asking over the contract read it.
	Schema []provider.Attribute
	// Files names the attributes that are files on this machine, with
	// what each is (topology.BuiltinBlock).
	Files map[string]string
	// Check validates the decoded block against the whole topology: each
	// problem a diagnostic at what it is about.
	Check func(t *topology.Topology) hcl.Diagnostics
	// Vagrant, for a provider whose machines Vagrant makes, is its part
	// of the Vagrantfile for t; sums are the checksums of the local
	// binaries (empty when unknown).
	Vagrant func(t *topology.Topology, sums nodeimage.Checksums) (VagrantRuby, error)
	// Tools are the programs the provider needs on this machine.
	Tools []string
	// New returns the provider's Machines.
	New func() Machines
}

// Block is how the topology package decodes and checks s's block.
func (s Spec) Block() topology.BuiltinBlock {
	return topology.BuiltinBlock{Schema: s.Schema, Files: s.Files, Check: s.Check}
}

// ConfigOf decodes a provider block's values (topology.Provider's
// Config, or provider.Cluster's) into a T, a struct with json tags: what
// each provider package's ConfigOf does.
func ConfigOf[T any](m map[string]any) T {
	var cfg T
	// The values were checked against the schema when the block was
	// decoded, so they fit; a value that does not is left zero.
	_ = (&provider.Cluster{Config: m}).DecodeConfig(&cfg)
	return cfg
}

// CheckNotEmpty reports each of the string attributes names that p
// writes as "" (or only spaces): the attribute's default is had by
// leaving it out.
func CheckNotEmpty(p *topology.Provider, names ...string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range names {
		if v, _ := p.Config[name].(string); p.Attrs().IsSet(name) && strings.TrimSpace(v) == "" {
			diags = append(diags, topology.ErrorAt(p.Attrs().Subject(name), "Empty "+name,
				"%s must not be empty; remove the attribute to use the default.", name))
		}
	}
	return diags
}

// VagrantRuby is a built-in provider's part of the Vagrantfile nomadbox
// renders (Vagrantfile.tmpl), given to the generator beside the
// topology as a plugin's fragments are. Each piece of Ruby starts with
// its line break and ends without one.
type VagrantRuby struct {
	// Top is Ruby before Vagrant.configure (constants).
	Top string
	// Config is Ruby inside Vagrant.configure, before the machines.
	Config string
	// Box and BoxVersion are every machine's Vagrant box ("": none).
	Box, BoxVersion string
	// Machine is Ruby inside each machine's block, where the node is the
	// Ruby hash node (name, ip, memory, cpus, role, task_runner,
	// isolation): its hostname, network and provider block.
	Machine string
}
