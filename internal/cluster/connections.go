package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// connectionsFile is the inventory of how Ansible reaches a plugin
// provider's machines, written from the provider's List before each
// run (the rendered inventory.yml is the same for every provider).
const connectionsFile = "connections.yml"

// inventories are the inventories a run uses: the rendered one,
// and for a plugin provider the connections it reported.
func (p provisioner) inventories(ctx context.Context) ([]string, error) {
	s := p.s
	if !s.Topology.Provider.Plugin {
		return nil, nil
	}
	ms, err := s.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the machines: %w", err)
	}
	byName := map[string]int{}
	for i, m := range ms {
		byName[m.Name] = i
	}
	hosts := map[string]map[string]any{}
	for _, n := range s.Topology.Nodes() {
		i, ok := byName[n.Name]
		if !ok {
			return nil, fmt.Errorf("provider %q lists no machine %s after bringing the machines up", s.Topology.Provider.Name, n.Name)
		}
		m := ms[i]
		// The agents are configured with the node's address: the one the
		// provider reported (adoptAddresses) or the one it had to use.
		if m.Address != "" && m.Address != n.Address.String() {
			fix := "the provider must give it that address (it says it does not choose addresses itself)"
			if s.Provider.Description.Capabilities.ReportsAddresses {
				fix = "run `nomadbox up` to configure them for the machine's address"
			}
			return nil, fmt.Errorf("provider %q lists %s at %s, but its agents are configured for %s: %s", s.Topology.Provider.Name, n.Name, m.Address, n.Address, fix)
		}
		h := map[string]any{"ansible_host": m.Address}
		if m.SSH.Host != "" {
			h["ansible_host"] = m.SSH.Host
		}
		if m.SSH.Port != 0 {
			h["ansible_port"] = m.SSH.Port
		}
		if m.SSH.User != "" {
			h["ansible_user"] = m.SSH.User
		}
		if m.SSH.PrivateKeyPath != "" {
			h["ansible_ssh_private_key_file"] = m.SSH.PrivateKeyPath
		}
		hosts[n.Name] = h
	}
	b, err := yaml.Marshal(map[string]any{"all": map[string]any{"hosts": hosts}})
	if err != nil {
		return nil, err
	}
	header := []byte("# Written by nomadbox from what provider " + s.Topology.Provider.Name + " reports; rewritten before every run.\n")
	if err := os.WriteFile(filepath.Join(s.Dir, "ansible", connectionsFile), append(header, b...), 0o644); err != nil {
		return nil, err
	}
	return []string{"-i", "inventory.yml", "-i", connectionsFile}, nil
}
