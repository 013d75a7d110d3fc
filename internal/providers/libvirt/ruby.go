package libvirt

import (
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/ruby"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// machineRuby is each machine's part of the Vagrantfile: the cluster's
// own libvirt network and the domain's settings, which follow the driver.
const machineRuby = `
      machine.vm.hostname = node[:name]
      # The cluster's own isolated libvirt network with the topology's
      # addresses (no DHCP on it, no route out: the management network
      # vagrant-libvirt adds reaches the package mirror). Destroying the
      # last machine removes it.
      machine.vm.network "private_network", ip: node[:ip], netmask: [[ rb .Netmask ]],
        libvirt__network_name: [[ rb (printf "nomadbox-%s" .Cluster) ]], libvirt__dhcp_enabled: false, libvirt__forward_mode: "none"
[[- if ne .Config.Driver "kvm" ]]

      # Vagrant waits 300 s for SSH by default; machines booting under
      # emulation on a busy 2-core host have taken 150 s and more.
      machine.vm.boot_timeout = 900
[[- end ]]

      machine.vm.provider "libvirt" do |lv|
        lv.default_prefix = [[ rb (printf "%s-" .Cluster) ]]
        lv.memory = node[:memory]
        lv.cpus = node[:cpus]
        # kvm where KVM boots a Linux guest on this host (nomadbox's
        # probe), qemu (software emulation, several times slower) elsewhere.
        lv.driver = [[ rb .Config.Driver ]]
[[- if eq .Config.Driver "kvm" ]]
        # The host's own CPU, as nomadbox's KVM probe booted its guest
        # (-cpu host): libvirt's default, host-model, can name features
        # that this host's KVM refuses at start ("failed to set MSR").
        lv.cpu_mode = "host-passthrough"
[[- end ]]
[[- if .Config.StoragePool ]]
        lv.storage_pool_name = [[ rb .Config.StoragePool ]]
[[- end ]]
      end`

// vagrantRuby is the libvirt provider's part of t's Vagrantfile.
func vagrantRuby(t *topology.Topology, _ nodeimage.Checksums) (builtin.VagrantRuby, error) {
	data := vagrant.NewRubyData(t, ConfigOf)
	machine, err := ruby.Render("libvirt", machineRuby, data)
	r := builtin.VagrantRuby{Box: data.Config.Box, BoxVersion: data.Config.BoxVersion, Machine: machine}
	if r.Box == topology.DefaultLibvirtBox && r.BoxVersion == "" {
		// The version this nomadbox builds, not whichever is newest.
		r.BoxVersion = nodeimage.LibvirtBoxVersion()
	}
	return r, err
}
