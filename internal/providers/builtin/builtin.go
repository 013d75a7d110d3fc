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

	"github.com/nomadbox/nomadbox/internal/execx"
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

// Spec is one built-in provider as its package declares it: everything
// nomadbox knows of it outside the topology package, which decodes its
// block.
type Spec struct {
	Name string
	// Capabilities answer, among others, whether Up starts machines in
	// parallel; the provider's Machines act on the same answer.
	Capabilities provider.Capabilities
	// Schema describes the provider block for `nomadbox providers` and
	// for anyone reading it over the contract.
	Schema []provider.Attribute
	// Tools are the programs the provider needs on this machine.
	Tools []string
	// New returns the provider's Machines.
	New func() Machines
}
