package vagrant

import (
	"net"

	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/ruby"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// RubyData is what every built-in's Vagrantfile Ruby is written from:
// the cluster's name, the netmask of its network and the provider
// block's values.
type RubyData[C any] struct {
	Cluster, Netmask string
	Config           C
}

// NewRubyData is t's RubyData, with the block's values read by configOf.
func NewRubyData[C any](t *topology.Topology, configOf func(map[string]any) C) RubyData[C] {
	return RubyData[C]{
		Cluster: t.Cluster.Name,
		Netmask: net.IP(net.CIDRMask(t.Network.Prefix.Bits(), 32)).String(),
		Config:  configOf(t.Provider.Config),
	}
}

// hostAndNetwork names each machine after its node and puts it on the
// cluster's network at the node's address.
const hostAndNetwork = `
      machine.vm.hostname = node[:name]
      machine.vm.network "private_network", ip: node[:ip], netmask: [[ rb .Netmask ]]`

// providerBlock is the Ruby of a machine's provider block: Vagrant's
// provider name, the block's variable, the setting that names the
// machine, then settings beyond its memory and cpus.
func providerBlock(name, v, nameKey string, settings ...string) string {
	b := "\n\n      machine.vm.provider \"" + name + "\" do |" + v + "|\n" +
		"        " + v + "." + nameKey + " = \"[[ .Cluster ]]-#{node[:name]}\"\n"
	for _, s := range append([]string{"memory = node[:memory]", "cpus = node[:cpus]"}, settings...) {
		b += "        " + v + "." + s + "\n"
	}
	return b + "      end"
}

var (
	virtualboxRuby = hostAndNetwork +
		providerBlock("virtualbox", "vb", "name", "linked_clone = [[ .Config.LinkedClone ]]", "gui = [[ .Config.GUI ]]")
	hypervRuby = hostAndNetwork + `
[[- if .Config.Switch ]]
      machine.vm.network "public_network", bridge: [[ rb .Config.Switch ]]
[[- end ]]` + providerBlock("hyperv", "hv", "vmname", "linked_clone = true")
	parallelsRuby = hostAndNetwork + providerBlock("parallels", "prl", "name", "linked_clone = true")
)

// boxRuby is the Vagrantfile Ruby of a box provider whose block configOf
// reads, each machine's part written by the template src.
func boxRuby[C interface{ box() BoxConfig }](name, src string, configOf func(map[string]any) C) func(*topology.Topology, nodeimage.Checksums) (builtin.VagrantRuby, error) {
	return func(t *topology.Topology, _ nodeimage.Checksums) (builtin.VagrantRuby, error) {
		data := NewRubyData(t, configOf)
		machine, err := ruby.Render(name, src, data)
		b := data.Config.box()
		return builtin.VagrantRuby{Box: b.Box, BoxVersion: b.BoxVersion, Machine: machine}, err
	}
}

func (c BoxConfig) box() BoxConfig { return c }

// withRuby is s with its Vagrantfile Ruby.
func withRuby(s builtin.Spec, vagrant func(*topology.Topology, nodeimage.Checksums) (builtin.VagrantRuby, error)) builtin.Spec {
	s.Vagrant = vagrant
	return s
}
