package docker

import (
	"fmt"

	"github.com/nomadbox/nomadbox/internal/nodecontainer"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/ruby"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// topRuby names the `docker run` option lists of nodecontainer once.
const topRuby = `
# Nodes are containers with systemd as PID 1 and sshd; they run without
# --privileged, and each gets only what its role and drivers need (the
# same options nomadbox's own docker provider uses: internal/nodecontainer).
SYSTEMD_ARGS = [[ rbList .Systemd ]].freeze
CGROUP_RO = [[ rbList .CgroupReadOnly ]].freeze
# Every Nomad client: task mounts and Nomad's own cgroups.
TASK_RUNNER_ARGS = [[ rbList .TaskRunner ]].freeze
# The exec, java and docker drivers: keyrings and namespaces.
ISOLATION_ARGS = [[ rbList .Isolation ]].freeze
`

const configRuby = `
  # The node image is Debian: naming the guest spares Vagrant a dozen SSH
  # commands per machine that detect it.
  config.vm.guest = :debian`

// machineRuby: the container's hostname is its own (vm.hostname would
// set it again over SSH), and Docker's network wants a prefix length.
const machineRuby = `
      machine.vm.network "private_network", ip: node[:ip], netmask: [[ rb .Netmask ]]

      machine.vm.provider "docker" do |d|
        d.image = [[ rb .Image ]]
        d.name = "[[ .Cluster ]]-#{node[:name]}"
        d.has_ssh = true
        d.remains_running = true
        d.create_args = SYSTEMD_ARGS +
          (node[:task_runner] ? TASK_RUNNER_ARGS : CGROUP_RO) +
          (node[:isolation] ? ISOLATION_ARGS : []) +
          # The hostname is the container's own (vm.hostname would set it
          # again over SSH).
          ["--hostname", node[:name], "--memory", "#{node[:memory]}m", "--cpus", node[:cpus].to_s]
      end`

// vagrantRuby is the docker provider's part of t's Vagrantfile (which
// makes the containers when the block says vagrant = true): the
// containers nomadbox's own `docker run` makes, of the node image that
// holds the cluster's binaries when nomadbox copies them from this
// machine.
func vagrantRuby(t *topology.Topology, sums nodeimage.Checksums) (builtin.VagrantRuby, error) {
	top, err := ruby.Render("docker", topRuby, map[string][]string{
		"Systemd": nodecontainer.Systemd, "CgroupReadOnly": nodecontainer.CgroupReadOnly,
		"TaskRunner": nodecontainer.TaskRunner, "Isolation": nodecontainer.Isolation,
	})
	if err != nil {
		return builtin.VagrantRuby{}, err
	}
	image, _ := nodeimage.For(t, ConfigOf(t.Provider.Config).Image, sums)
	machine, err := ruby.Render("docker", machineRuby, map[string]string{
		"Cluster": t.Cluster.Name, "Image": image, "Netmask": fmt.Sprint(t.Network.Prefix.Bits()),
	})
	return builtin.VagrantRuby{Top: top, Config: configRuby, Machine: machine}, err
}
