# topology.hcl: the one file that describes this nomadbox cluster.
# Edit it, then run `nomadbox up` again: new machines are added and the
# rest are reconfigured. `nomadbox validate` checks it without changing
# anything.

# The label is the cluster's name. It names the machines' render directory
# (.nomadbox/<name>), so several clusters can live side by side.
cluster "emulated" {
  datacenter = "dc1"     # Consul and Nomad datacenter
  region     = "global"  # Nomad region
}

# How machines come to exist: virtualbox, libvirt, docker, hyperv,
# parallels, or ssh (existing hosts, no Vagrant).
provider "libvirt" {
  # Built offline from Debian's packages by `nomadbox box build --provider libvirt`.
  box = "nomadbox/bookworm"
  # Software emulation: where no KVM boots a guest (see docs/providers.md).
  driver = "qemu"
}

# The private network every node gets an address on; the agents bind and
# advertise on it. Servers take addresses from host .11, clients from
# .101, so adding nodes never renumbers existing ones.
# (VirtualBox >= 6.1.28 only allows 192.168.56.0/21 unless configured.)
network {
  cidr = "192.168.56.0/24"
}

# Consul and Nomad releases installed on every node.
versions {
  consul = "1.22.7"
  nomad  = "2.0.5"
}

# Where the binaries come from: "releases" (zip from the release site,
# checked against SHA256SUMS), "apt" (HashiCorp's apt repository), or
# "local" (copied from this machine, for hosts without internet).
# docker: "docker-ce" (Docker's apt repository) or "docker.io" (the
# distribution's package).
install {
  method = "releases"
  # consul_binary = "bin/consul"   # with method = "local"
  # nomad_binary  = "bin/nomad"
  docker = "docker-ce"
}

# Exactly one server group: nodes nomad-server1..count. Use an odd count
# (1, 3 or 5); it is also bootstrap_expect.
server "nomad-server" {
  count  = 1
  memory = 1024 # MiB
  cpus   = 1
}

# One or more client groups, each with its own name: nodes
# nomad-client1..count. drivers: docker, raw_exec, exec, java, qemu
# (without the attribute a group gets ["docker"]).
# A second group needs its own block, e.g. client "gpu-client" { ... }.
client "nomad-client" {
  count   = 1
  memory  = 2048 # MiB
  cpus    = 2
  # raw_exec is for the web and fabio jobs in jobs/. It runs tasks as
  # root on the node with no isolation at all: drop it if you do not run
  # them.
  drivers = ["docker", "raw_exec"]
  # Host volumes for docker tasks, which cadvisor in jobs/ mounts to read
  # the node. They let any job read the node's file system; off when
  # left out.
  docker_volumes = true
  meta           = { rack = "r1" }
}

# How nodes resolve <service>.service.consul: "dnsmasq" forwards .consul
# to Consul and everything else to the node's own resolver;
# "systemd-resolved" or "none" are the alternatives.
dns {
  forwarder = "dnsmasq"
}

# Default-deny inbound firewall that opens exactly the ports Consul,
# Nomad, fabio and SSH need, each to whom needs it: Raft, Serf and RPC
# to the cluster's nodes only, the HTTP APIs to the cluster's network
# (this machine included) and api_allow, e.g. ["10.1.0.0/16"]; SSH,
# Nomad's dynamic ports and fabio to anyone. extra_ports opens more to
# anyone, e.g. ["8080/tcp"].
firewall {
  enabled = true
}

# Keys, certificates and tokens are generated into
# .nomadbox/<cluster>/secrets and never printed.
security {
  gossip_encryption = true
  tls               = false
  acl               = false
}

# Jobs deployed, in this order, once the cluster verifies healthy.
job "fabio" {
  file = "jobs/fabio.nomad.hcl"
}
