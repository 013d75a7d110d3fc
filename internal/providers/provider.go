// Package providers holds nomadbox's built-in providers and the way to a
// provider of any kind: in this process, or as a go-plugin process
// (an external plugin, or a built-in served by `nomadbox provider
// serve`). Every one answers the public contract, provider.Provider, and
// the rest of nomadbox learns what exists only from its List.
package providers

import (
	"context"
	"fmt"
	"sort"

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

func (e *Env) progress(format string, args ...any) {
	if e.Progress != nil {
		e.Progress(format, args...)
	}
}

// machines is what a built-in does; builtin turns it into the contract.
type machines interface {
	Preflight(ctx context.Context, env *Env) error
	Up(ctx context.Context, env *Env, names ...string) error
	// List is every machine that exists, including machines of nodes the
	// topology no longer has.
	List(ctx context.Context, env *Env) ([]provider.Machine, error)
	Halt(ctx context.Context, env *Env, names ...string) error
	Destroy(ctx context.Context, env *Env, names ...string) error
}

// Version is what the built-ins report as their version.
var Version = "dev"

// builtin serves one built-in provider through the contract. envFor
// gives it the topology: the session's in this process, the file named
// in the request when served over gRPC.
type builtin struct {
	name   string
	caps   provider.Capabilities
	impl   machines
	envFor func(c *provider.Cluster) (*Env, error)
}

func (b *builtin) env(c *provider.Cluster, progress provider.Progress) (*Env, error) {
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

func (b *builtin) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{Name: b.name, Version: Version, Protocol: provider.ProtocolVersion, Capabilities: b.caps}, nil
}

func (b *builtin) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: builtinSchemas[b.name]}, nil
}

// Validate has nothing to add: the topology package decodes and checks
// the built-ins' blocks itself.
func (b *builtin) Validate(context.Context, *provider.Cluster) ([]provider.Diagnostic, error) {
	return nil, nil
}

func (b *builtin) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Preflight(ctx, env)
}

func (b *builtin) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Up(ctx, env, names...)
}

func (b *builtin) List(ctx context.Context, c *provider.Cluster) ([]provider.Machine, error) {
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

func (b *builtin) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Halt(ctx, env, names...)
}

func (b *builtin) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	env, err := b.env(c, progress)
	if err != nil {
		return err
	}
	return b.impl.Destroy(ctx, env, names...)
}

// newBuiltin returns the built-in provider name, or nil.
func newBuiltin(name string, envFor func(c *provider.Cluster) (*Env, error)) *builtin {
	b := &builtin{name: name, envFor: envFor}
	vagrantCaps := provider.Capabilities{UsesVagrant: true, CanHalt: true}
	switch name {
	case "ssh":
		b.impl = &sshHosts{}
		b.caps = provider.Capabilities{ReportsAddresses: true, ExistingHosts: true}
	case "docker":
		// Vagrant makes the containers only when the provider block says
		// so (dockerProvider).
		b.impl = newDockerProvider()
		b.caps = provider.Capabilities{CanHalt: true, ParallelUp: true}
	case "virtualbox":
		// Vagrant refuses `up --parallel` for VirtualBox and Hyper-V.
		b.impl = &vagrantProvider{name: name, preflight: virtualboxPreflight}
		b.caps = vagrantCaps
	case "hyperv":
		b.impl = &vagrantProvider{name: name}
		b.caps = vagrantCaps
	case "libvirt":
		b.impl = &vagrantProvider{name: name, parallel: true, preflight: libvirtPreflight, list: listDomains}
		vagrantCaps.ParallelUp = true
		b.caps = vagrantCaps
	case "parallels":
		b.impl = &vagrantProvider{name: name, parallel: true}
		vagrantCaps.ParallelUp = true
		b.caps = vagrantCaps
	default:
		return nil
	}
	return b
}

// InProcess returns the built-in provider the topology names, working
// in this process on t with runner.
func InProcess(t *topology.Topology, runner *execx.Runner) provider.Provider {
	b := newBuiltin(t.Provider.Name, func(c *provider.Cluster) (*Env, error) {
		return &Env{Topology: t, Dir: c.Dir, Runner: runner}, nil
	})
	if b == nil {
		return nil
	}
	return b
}
