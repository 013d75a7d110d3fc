package providers

import (
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/ssh"
	"github.com/nomadbox/nomadbox/provider"
)

// specs are the built-in providers, by name; topology.BuiltinProviders
// lists the same names, in the order `init` prefers them.
func specs() map[string]builtin.Spec {
	vagrantCaps := func(parallel bool) provider.Capabilities {
		return provider.Capabilities{UsesVagrant: true, CanHalt: true, ParallelUp: parallel}
	}
	vagrantSpec := func(m *vagrantProvider, schema []provider.Attribute, tools ...string) builtin.Spec {
		return builtin.Spec{Name: m.name, Capabilities: vagrantCaps(m.parallel), Schema: schema,
			Tools: append([]string{"vagrant"}, tools...), New: func() builtin.Machines { c := *m; return &c }}
	}
	return map[string]builtin.Spec{
		"ssh": ssh.Spec,
		// Vagrant makes the containers only when the provider block says
		// so (dockerProvider).
		"docker": {Name: "docker", Capabilities: provider.Capabilities{CanHalt: true, ParallelUp: true},
			Schema: builtinSchemas["docker"], Tools: []string{"vagrant", "docker"}, New: func() builtin.Machines { return newDockerProvider() }},
		// Vagrant refuses `up --parallel` for VirtualBox and Hyper-V.
		"virtualbox": vagrantSpec(&vagrantProvider{name: "virtualbox", preflight: virtualboxPreflight}, builtinSchemas["virtualbox"], "VBoxManage"),
		"hyperv":     vagrantSpec(&vagrantProvider{name: "hyperv"}, builtinSchemas["hyperv"], "powershell.exe"),
		"libvirt":    vagrantSpec(&vagrantProvider{name: "libvirt", parallel: true, preflight: libvirtPreflight, list: listDomains}, builtinSchemas["libvirt"], "virsh"),
		"parallels":  vagrantSpec(&vagrantProvider{name: "parallels", parallel: true}, builtinSchemas["parallels"], "prlctl"),
	}
}
