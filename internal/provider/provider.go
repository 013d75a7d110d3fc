// Package provider is how machines come to exist. Every built-in provider
// but ssh is a Vagrant provider; they differ in their preflight (the
// docker provider builds its node image) and in whether machines may be
// brought up in parallel. The interface is deliberately narrow: the rest
// of nomadbox (render, provision, verify) does not care where machines
// come from.
package provider

import (
	"context"
	"fmt"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Env is what a provider works with: the topology, its render directory
// and the exec layer.
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

// Machine is one machine and its state ("running", "stopped",
// "not_created", ...).
type Machine struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// Provider brings machines into existence and removes them.
type Provider interface {
	// Preflight checks this machine can run the provider and prepares
	// what it can (tools present, daemon running, node image built).
	Preflight(ctx context.Context, env *Env) error
	// Up creates and starts the named machines (all when none are named).
	Up(ctx context.Context, env *Env, names ...string) error
	Status(ctx context.Context, env *Env) ([]Machine, error)
	Halt(ctx context.Context, env *Env, names ...string) error
	// Destroy removes the named machines (all, and what the provider
	// made for them, when none are named).
	Destroy(ctx context.Context, env *Env, names ...string) error
	// SSH is the command that opens a shell (or runs args) on a node.
	SSH(env *Env, node string, args []string) *execx.Cmd
}

// For returns the provider the topology names.
func For(t *topology.Topology) (Provider, error) {
	switch {
	case t.Provider.Plugin:
		return nil, fmt.Errorf("provider %q is a plugin; plugin providers are not supported by this version of nomadbox", t.Provider.Name)
	case t.Provider.Name == "ssh":
		return &sshHosts{}, nil
	case t.Provider.Name == "docker":
		return &vagrantProvider{parallel: true, preflight: dockerPreflight, status: dockerStatus}, nil
	default:
		return &vagrantProvider{parallel: t.Provider.ParallelUp()}, nil
	}
}
