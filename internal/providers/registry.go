package providers

import (
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/docker"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/providers/ssh"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
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
