// Package providers is the way to a provider of any kind: a built-in in
// this process, or a go-plugin process (an external plugin, or a built-in
// served by `nomadbox provider serve`). Each built-in lives in a package
// of its own below this one (registry.go names them); plugins are found
// on the search path (discover.go). Every one answers the public
// contract, provider.Provider, and the rest of nomadbox learns what
// exists only from its List.
package providers

import (
	"context"
	"fmt"
	"sort"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Version is what the built-ins report as their version.
var Version = "dev"

// served serves one built-in provider through the contract. envFor
// gives it the topology: the session's in this process, the file named
// in the request when served over gRPC.
type served struct {
	spec   builtin.Spec
	impl   builtin.Machines
	envFor func(c *provider.Cluster) (*builtin.Env, error)
}

func (b *served) env(c *provider.Cluster, progress provider.Progress) (*builtin.Env, error) {
	env, err := b.envFor(c)
	if err != nil {
		return nil, err
	}
	e := *env
	if progress != nil {
		e.Progress = func(format string, args ...any) { progress(fmt.Sprintf(format, args...)) }
	}
	return &e, nil
}

func (b *served) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{Name: b.spec.Name, Version: Version, Protocol: provider.ProtocolVersion, Capabilities: b.spec.Capabilities}, nil
}

func (b *served) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: b.spec.Schema}, nil
}

// Validate has nothing to add: the topology package decodes and checks
// the built-ins' blocks itself.
func (b *served) Validate(context.Context, *provider.Cluster) ([]provider.Diagnostic, error) {
	return nil, nil
}

func (b *served) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Preflight(ctx, env)
}

func (b *served) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Up(ctx, env, names...)
}

func (b *served) List(ctx context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	env, err := b.env(c, nil)
	if err != nil {
		return nil, err
	}
	ms, err := b.impl.List(ctx, env)
	if err != nil {
		return nil, err
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms, nil
}

func (b *served) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Halt(ctx, env, names...)
}

func (b *served) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Destroy(ctx, env, names...)
}

// newBuiltin returns the built-in provider name, or nil.
func newBuiltin(name string, envFor func(c *provider.Cluster) (*builtin.Env, error)) *served {
	spec, ok := specs()[name]
	if !ok {
		return nil
	}
	return &served{spec: spec, impl: spec.New(), envFor: envFor}
}

// InProcess returns the built-in provider the topology names, working
// in this process on t with runner.
func InProcess(t *topology.Topology, runner *execx.Runner) provider.Provider {
	b := newBuiltin(t.Provider.Name, func(c *provider.Cluster) (*builtin.Env, error) {
		return &builtin.Env{Topology: t, Dir: c.Dir, Runner: runner}, nil
	})
	if b == nil {
		return nil
	}
	return b
}
