package providers

import (
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/providers/ssh"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/provider"
)

// specs are the built-in providers, by name; topology.BuiltinProviders
// lists the same names, in the order `init` prefers them.
func specs() map[string]builtin.Spec {
	return map[string]builtin.Spec{
		"ssh": ssh.Spec,
		// Vagrant makes the containers only when the provider block says
		// so (dockerProvider).
		"docker": {Name: "docker", Capabilities: provider.Capabilities{CanHalt: true, ParallelUp: true},
			Schema: builtinSchemas["docker"], Tools: []string{"vagrant", "docker"}, New: func() builtin.Machines { return newDockerProvider() }},
		"virtualbox": vagrant.VirtualBox,
		"hyperv":     vagrant.HyperV,
		"libvirt":    libvirt.Spec,
		"parallels":  vagrant.Parallels,
	}
}
