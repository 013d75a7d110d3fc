package providers

import (
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/docker"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/providers/ssh"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// specs are the built-in providers, by name; topology.BuiltinProviders
// lists the same names, in the order `init` prefers them.
func specs() map[string]builtin.Spec {
	return map[string]builtin.Spec{
		"ssh":        ssh.Spec,
		"docker":     docker.Spec,
		"virtualbox": vagrant.VirtualBox,
		"hyperv":     vagrant.HyperV,
		"libvirt":    libvirt.Spec,
		"parallels":  vagrant.Parallels,
	}
}

// NewParser returns a topology parser that decodes each built-in
// provider's block with the schema its package declares, the way a
// plugin's block is decoded, and checks it with the package's checks.
// Every command's topology is parsed with it (cluster.Load).
func NewParser() *topology.Parser {
	blocks := map[string]topology.BuiltinBlock{}
	for name, s := range specs() {
		blocks[name] = s.Block()
	}
	return topology.NewParser().WithBuiltins(blocks)
}

// VagrantRuby is the Ruby t's built-in provider puts in the Vagrantfile
// nomadbox renders for t (generator.Input's Vagrant), with sums the
// checksums of the local binaries; none for a plugin (whose fragments
// CheckBlock gathers) or a provider without Vagrant.
func VagrantRuby(t *topology.Topology, sums nodeimage.Checksums) (builtin.VagrantRuby, error) {
	s, ok := specs()[t.Provider.Name]
	if !ok || s.Vagrant == nil {
		return builtin.VagrantRuby{}, nil
	}
	return s.Vagrant(t, sums)
}
