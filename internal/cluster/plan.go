package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/plan"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// planner compares what the session's topology renders to with what was
// last applied and the machines that exist, and shows the result.
type planner struct{ s *Session }

// machineStates lists the machines and whether each runs, sorted by
// name; for existing hosts, the ones the cluster was applied to.
func (p planner) machineStates(ctx context.Context) ([]plan.Machine, error) {
	s := p.s
	var out []plan.Machine
	if s.existingHosts() {
		for _, n := range appliedNodes(s.Dir) {
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

// compute compares the topology's render, made in memory, with the
// applied state and the machines the provider lists, without changing
// anything. It returns the render too, for up to write instead of
// rendering again.
func (p planner) compute(ctx context.Context, assets fs.FS) (*plan.Plan, generator.Files, error) {
	s := p.s
	machines, err := p.machineStates(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("listing the machines: %w", err)
	}
	files, err := renderSession(s, assets)
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
		MaxParallel:   s.Roll.clients(s.Topology),
	}), files, nil
}

// asWritten is the loaded topology with the reported addresses but its
// paths as the file wrote them: what the plan of a new cluster shows.
func (p planner) asWritten() *topology.Topology {
	return p.s.loaded.Topology.WithAddresses(p.s.addresses)
}

// print prints the plan and keeps what it printed for `export logs`,
// unless this is a dry run, which writes nothing.
func (p planner) print(pl *plan.Plan) {
	var b bytes.Buffer
	pl.Write(io.MultiWriter(p.s.Progress, &b))
	if !p.s.dryRun {
		os.WriteFile(filepath.Join(p.s.Dir, lastPlanFile), b.Bytes(), 0o600)
	}
}

// appliedTopology is the topology of the last successful provision from
// the render directory dir, nil if none (or unreadable).
func appliedTopology(dir string) *topology.Topology {
	a, err := state.Load(dir)
	if err != nil || a == nil {
		return nil
	}
	return a.Topology
}

// appliedNodes names the nodes the last successful up provisioned.
func appliedNodes(dir string) []string {
	prev := appliedTopology(dir)
	if prev == nil {
		return nil
	}
	var out []string
	for _, n := range prev.Nodes() {
		out = append(out, n.Name)
	}
	return out
}

// saveApplied records files (the render of t that a provision just
// applied) as the applied state in the render directory dir, with the
// topology file as it reads now.
func saveApplied(t *topology.Topology, dir string, files generator.Files) error {
	src, err := os.ReadFile(t.Filename)
	if err != nil {
		return err
	}
	return state.Snapshot(t, files).Save(dir, src)
}
