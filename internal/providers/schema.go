package providers

import "github.com/nomadbox/nomadbox/provider"

// builtinSchemas describe the built-ins' blocks for `nomadbox providers`
// and for anyone reading them over the contract; the topology package
// decodes these blocks itself (topology.providerAttrs).
var builtinSchemas = map[string][]provider.Attribute{
	"virtualbox": append(boxAttrs(),
		provider.Attribute{Name: "gui", Type: provider.TypeBool, Default: false, Description: "Show the VirtualBox window of each machine."},
		provider.Attribute{Name: "linked_clone", Type: provider.TypeBool, Default: true, Description: "Make machines as linked clones of the box (faster, smaller)."},
	),
	"libvirt": append(boxAttrs(),
		provider.Attribute{Name: "driver", Type: provider.TypeString, Default: "kvm", Description: `"kvm", or "qemu" where the machine has no KVM.`},
		provider.Attribute{Name: "storage_pool", Type: provider.TypeString, Description: "The libvirt storage pool for the machines' disks."},
	),
	"hyperv": append(boxAttrs(),
		provider.Attribute{Name: "switch", Type: provider.TypeString, Description: "The Hyper-V virtual switch of the public network."},
	),
	"parallels": boxAttrs(),
	"docker": {
		{Name: "image", Type: provider.TypeString, Default: "nomadbox/node:bookworm", Description: "The node image `nomadbox box build` makes (systemd and sshd, no --privileged)."},
		{Name: "vagrant", Type: provider.TypeBool, Default: false, Description: "Make the containers with Vagrant from the rendered Vagrantfile (so that `vagrant status` and `vagrant ssh` in the render directory know them) instead of with `docker run`; slower, since Vagrant starts Ruby for every machine."},
	},
}

func boxAttrs() []provider.Attribute {
	return []provider.Attribute{
		{Name: "box", Type: provider.TypeString, Description: "The Vagrant box of every machine."},
		{Name: "box_version", Type: provider.TypeString, Description: "A version constraint for the box."},
	}
}
