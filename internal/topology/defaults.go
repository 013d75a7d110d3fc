package topology

// Default values, kept in one place. `nomadbox init` writes a file that
// spells most of them out, so users see what they get.
const (
	DefaultDatacenter    = "dc1"
	DefaultRegion        = "global"
	DefaultCIDR          = "192.168.56.0/24"
	DefaultConsulVersion = "1.22.7"
	DefaultNomadVersion  = "2.0.5"
	DefaultBox           = "bento/ubuntu-24.04"
	// DefaultLibvirtBox is the box `nomadbox box build --provider
	// libvirt` makes and adds to Vagrant (offline, from Debian's packages).
	DefaultLibvirtBox  = "nomadbox/bookworm"
	DefaultDockerImage = "nomadbox/node:bookworm"
	// CanaryImage is the image verify's canary runs on clients with the
	// docker driver; the docker role imports it on each of them from the
	// node's own /bin/sh, so it needs no registry. Its registry part is
	// localhost so that, should it be missing, Docker's pull fails at
	// once on this node instead of asking a registry on the internet.
	CanaryImage = "localhost/nomadbox-canary:1"

	serverIPOffset      = 11
	clientIPOffset      = 101
	clientGroupIPStride = 20
)

// setDefaults fills in every attribute the user did not write. It runs
// after decoding and before validation, so checks see final values.
func setDefaults(t *Topology) {
	c := &t.Cluster
	if !c.isSet("datacenter") {
		c.Datacenter = DefaultDatacenter
	}
	if !c.isSet("region") {
		c.Region = DefaultRegion
	}

	// The provider block's defaults are in its schema (DecodeBlock).

	if !t.Network.isSet("cidr") {
		t.Network.CIDR = DefaultCIDR
	}

	if !t.Versions.isSet("consul") {
		t.Versions.Consul = DefaultConsulVersion
	}
	if !t.Versions.isSet("nomad") {
		t.Versions.Nomad = DefaultNomadVersion
	}

	if !t.Install.isSet("method") {
		t.Install.Method = "releases"
	}
	if !t.Install.isSet("docker") {
		t.Install.Docker = "docker-ce"
	}

	groupDefaults(&t.Server, serverIPOffset, 1024, 1)
	for i := range t.Clients {
		g := &t.Clients[i]
		groupDefaults(g, clientIPOffset+i*clientGroupIPStride, 2048, 2)
		// raw_exec runs tasks as root with no isolation and host volumes
		// expose the node's file system: a group gets either only when
		// its topology asks for it.
		if !g.isSet("drivers") {
			g.Drivers = []string{"docker"}
		}
		if !g.isSet("docker_volumes") {
			g.DockerVolumes = false
		}
	}

	if !t.DNS.isSet("forwarder") {
		t.DNS.Forwarder = "dnsmasq"
	}
	if !t.Firewall.isSet("enabled") {
		t.Firewall.Enabled = true
	}
	if !t.Security.isSet("gossip_encryption") {
		t.Security.GossipEncryption = true
	}
}

func groupDefaults(g *Group, ipOffset, memory, cpus int) {
	if !g.isSet("count") {
		g.Count = 1
	}
	if !g.isSet("memory") {
		g.Memory = memory
	}
	if !g.isSet("cpus") {
		g.CPUs = cpus
	}
	if !g.isSet("ip_offset") {
		g.IPOffset = ipOffset
	}
}
