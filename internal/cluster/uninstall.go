package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nomadbox/nomadbox/internal/ansible"
	"github.com/nomadbox/nomadbox/internal/hostkeys"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// uninstallPlaybook takes out of existing hosts what nomadbox installed.
const uninstallPlaybook = "uninstall.yml"

// checkHostKeys refuses existing hosts whose SSH key is not the one
// recorded, before Ansible reaches them: Ansible may reuse a connection
// it opened earlier and never see the key again.
func (p provisioner) checkHostKeys(ctx context.Context, nodes []topology.Node) error {
	s := p.s
	if !s.existingHosts() {
		return nil
	}
	return hostkeys.Ensure(ctx, s.Runner, hostkeys.Path(s.Dir), s.nodeSSH().HostKeyTargets(nodes))
}

// uninstall runs the uninstall playbook over the named hosts (all when
// none is named) with the rendered inventory, which still lists them.
func (p provisioner) uninstall(ctx context.Context, names []string) error {
	s := p.s
	dir := filepath.Join(s.Dir, "ansible")
	if _, err := os.Stat(filepath.Join(dir, uninstallPlaybook)); err != nil {
		return fmt.Errorf("the render directory has no %s to uninstall with: run `nomadbox render` first (%w)", uninstallPlaybook, err)
	}
	nodes := s.Topology.Nodes()
	if prev := appliedTopology(s.Dir); prev != nil {
		nodes = prev.Nodes()
	}
	var check []topology.Node
	for _, n := range nodes {
		if len(names) == 0 || slices.Contains(names, n.Name) {
			check = append(check, n)
		}
	}
	if err := p.checkHostKeys(ctx, check); err != nil {
		return err
	}
	var extra []string
	if len(names) > 0 {
		extra = append(extra, "--limit", strings.Join(names, ","))
	}
	s.Progress.Detail("uninstalling from %s", strings.Join(names, ", "))
	pb := &ansible.Playbook{Dir: dir, File: uninstallPlaybook, Runner: s.Runner,
		OnTask: func(task string) { s.Progress.Detail("%s", task) }}
	if _, err := pb.Run(ctx, extra...); err != nil {
		return fmt.Errorf("uninstalling from the hosts: %w", err)
	}
	return nil
}
