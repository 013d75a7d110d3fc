package providers

import (
	"github.com/nomadbox/nomadbox/provider"
)

// builtinSchemas describe the built-ins' blocks for `nomadbox providers`
// and for anyone reading them over the contract; the topology package
// decodes these blocks itself (topology.providerAttrs).
var builtinSchemas = map[string][]provider.Attribute{
	"docker": {
		{Name: "image", Type: provider.TypeString, Default: "nomadbox/node:bookworm", Description: "The node image `nomadbox box build` makes (systemd and sshd, no --privileged)."},
		{Name: "vagrant", Type: provider.TypeBool, Default: false, Description: "Make the containers with Vagrant from the rendered Vagrantfile (so that `vagrant status` and `vagrant ssh` in the render directory know them) instead of with `docker run`; slower, since Vagrant starts Ruby for every machine."},
	},
}
