package cluster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/plan"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Machines names the machines that exist, as the provider lists them;
// for existing hosts, the ones the cluster was applied to.
func (s *Session) Machines(ctx context.Context) ([]string, error) {
	ms, err := s.machineStates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out, nil
}

// machineStates lists the machines and whether each runs, sorted by name.
func (s *Session) machineStates(ctx context.Context) ([]plan.Machine, error) {
	var out []plan.Machine
	if s.existingHosts() {
		for _, n := range s.appliedNodes() {
			out = append(out, plan.Machine{Name: n, Running: true})
		}
	} else {
		ms, err := s.List(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, plan.Machine{Name: m.Name, Running: m.State == provider.StateRunning})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Plan compares the topology's render, made in memory, with the applied
// state and the machines the provider lists, without changing anything.
// It returns the render too, for up to write instead of rendering again.
func (s *Session) Plan(ctx context.Context, assets fs.FS) (*plan.Plan, generator.Files, error) {
	machines, err := s.machineStates(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("listing the machines: %w", err)
	}
	files, err := s.renderFiles(assets)
	if err != nil {
		return nil, nil, err
	}
	applied, err := state.Load(s.Dir)
	if err != nil {
		return nil, nil, err
	}
	return plan.Compute(plan.Input{
		Topology:      s.Topology,
		Rendered:      files,
		Applied:       applied,
		Machines:      machines,
		ExistingHosts: s.existingHosts(),
		MaxParallel:   s.rollClients(),
	}), files, nil
}

// appliedTopology is the topology of the last successful provision, nil
// if none (or unreadable).
func (s *Session) appliedTopology() *topology.Topology {
	a, err := state.Load(s.Dir)
	if err != nil || a == nil {
		return nil
	}
	return a.Topology
}

// saveApplied records files (the render of s.Topology that a provision
// just applied) as the applied state.
func (s *Session) saveApplied(files generator.Files) error {
	src, err := os.ReadFile(s.Topology.Filename)
	if err != nil {
		return err
	}
	return state.Snapshot(s.Topology, files).Save(s.Dir, src)
}
