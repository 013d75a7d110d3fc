package cluster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/plan"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// appliedFile keeps a copy of the topology the cluster was last brought
// up with, so the next up can tell which machines go away and what they
// were.
const appliedFile = "applied-topology.hcl"

// Machines names the machines that exist, as the provider lists them;
// for existing hosts, the ones the cluster was applied to.
func (s *Session) Machines(ctx context.Context) ([]string, error) {
	if s.existingHosts() {
		names := s.appliedNodes()
		sort.Strings(names)
		return names, nil
	}
	ms, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out, nil
}

// Plan compares the topology with the existing cluster without
// changing anything.
func (s *Session) Plan(ctx context.Context, assets fs.FS) (*plan.Plan, error) {
	existing, err := s.Machines(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the machines: %w", err)
	}
	files, err := generator.Render(s.Topology, assets)
	if err != nil {
		return nil, err
	}
	return plan.Compute(plan.Input{
		Topology: s.Topology,
		Previous: s.appliedTopology(),
		Existing: existing,

		ExistingHosts: s.existingHosts(),
		OldConfigs:    s.agentConfigs(nil),
		NewConfigs:    s.agentConfigs(files),
	}), nil
}

// agentConfigs reads each node's consul.hcl and nomad.hcl from files, or
// from the render directory when files is nil.
func (s *Session) agentConfigs(files generator.Files) map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	if files == nil {
		paths, _ := filepath.Glob(filepath.Join(s.Dir, "ansible", "config", "*", "*.hcl"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			node := filepath.Base(filepath.Dir(p))
			if out[node] == nil {
				out[node] = map[string][]byte{}
			}
			out[node][filepath.Base(p)] = b
		}
		return out
	}
	for _, p := range files.Paths() {
		// ansible/config/<node>/<file>.hcl
		parts := strings.Split(p, "/")
		if len(parts) != 4 || parts[0] != "ansible" || parts[1] != "config" || !strings.HasSuffix(parts[3], ".hcl") {
			continue
		}
		node, file := parts[2], parts[3]
		if out[node] == nil {
			out[node] = map[string][]byte{}
		}
		out[node][file] = files[p]
	}
	return out
}

// appliedTopology parses the topology of the last up, nil if none.
func (s *Session) appliedTopology() *topology.Topology {
	src, err := os.ReadFile(filepath.Join(s.Dir, appliedFile))
	if err != nil {
		return nil
	}
	t, diags := topology.NewParser().Parse(src, filepath.Join(s.Dir, appliedFile))
	if diags.HasErrors() {
		return nil
	}
	return t
}

func (s *Session) saveApplied() {
	src, err := os.ReadFile(s.Topology.Filename)
	if err == nil {
		os.WriteFile(filepath.Join(s.Dir, appliedFile), src, 0o644)
	}
}
