package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/ansible"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/state"
)

// provisioner runs nomadbox's playbooks over the session's nodes: the
// provision that installs and configures the agents, and the uninstall
// that takes them off existing hosts.
type provisioner struct{ s *Session }

// Provision renders the session's topology and runs the playbook once
// over every node.
func Provision(ctx context.Context, s *Session, assets fs.FS) (*ansible.Result, error) {
	rendered, err := writeSession(s, nil, assets)
	if err != nil {
		return nil, err
	}
	s.rereadSecrets()
	res, err := provisioner{s}.phase(ctx, rendered.Files)
	if err != nil {
		s.Progress.Fail("")
		s.Progress.Printf("Full log: %s\n", s.LogPath)
	}
	return res, err
}

// run runs the playbook over every node, after checking existing hosts'
// keys and writing how Ansible reaches a plugin's machines.
func (p provisioner) run(ctx context.Context) (*ansible.Result, error) {
	s := p.s
	if _, err := execx.LookPath("ansible-playbook"); err != nil {
		return nil, err
	}
	if err := p.checkHostKeys(ctx, s.Topology.Nodes()); err != nil {
		return nil, err
	}
	inventories, err := p.inventories(ctx)
	if err != nil {
		return nil, err
	}
	pb := &ansible.Playbook{
		Dir:    s.Dir + "/ansible",
		Runner: s.Runner,
		OnTask: func(task string) { s.Progress.Detail("%s", task) },
	}
	res, err := pb.Run(ctx, append(inventories, s.Roll.vars(s.Topology)...)...)
	var re *ansible.RunError
	if errors.As(err, &re) && len(re.Result.Failures) > 0 {
		return res, err // already names host and task
	}
	if err != nil {
		return res, fmt.Errorf("provisioning failed: %w", err)
	}
	return res, nil
}

// phase runs the provision phase and, when it succeeds, records
// files (the render it applied) as the applied state. While it runs, the
// state says a provision is pending: the nodes may carry part of files.
func (p provisioner) phase(ctx context.Context, files generator.Files) (*ansible.Result, error) {
	s := p.s
	s.Progress.Phase("provision")
	if err := state.Begin(s.Dir); err != nil {
		return nil, err
	}
	res, err := p.run(ctx)
	if err != nil {
		return res, err
	}
	if err := p.ensureNomadTokens(); err != nil {
		return res, err
	}
	s.rereadSecrets()
	if err := saveApplied(s.Topology, s.Dir, files); err != nil {
		return res, fmt.Errorf("recording what was applied: %w", err)
	}
	s.Progress.Done(fmt.Sprintf("%d hosts, %d changes", len(res.Recap), res.Changed()))
	return res, nil
}
