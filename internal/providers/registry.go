package providers

import (
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
