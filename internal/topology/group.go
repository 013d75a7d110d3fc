package topology

import (
	"net/netip"
	"regexp"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// Group is a server group (exactly one) or a client group (one or more).
// Its nodes are named <Name>1..<Name><Count>.
type Group struct {
	block
	Role      Role
	Name      string
	NameRange hcl.Range
	Count     int
	Memory    int // MiB
	CPUs      int
	// IPOffset is the host number, inside the network CIDR, of the group's
	// first node. Servers start at 11, the first client group at 101 and
	// each later client group 20 further on, so growing a group never
	// renumbers a node of another group.
	IPOffset  int
	Drivers   []string          // clients only
	Meta      map[string]string // clients only
	NodeClass string            // clients only
	// DockerVolumes lets the docker driver's tasks mount host paths
	// (clients with the docker driver only). Off by default: a host
	// volume lets a job read, and write, the node's file system.
	DockerVolumes bool
}

// HasDriver reports whether the group's clients run the named task driver.
func (g *Group) HasDriver(driver string) bool { return slices.Contains(g.Drivers, driver) }

// knownDrivers are the Nomad task drivers the roles know how to set up.
var knownDrivers = []string{"docker", "raw_exec", "exec", "java", "qemu"}

var groupName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,50}[a-z-])?$`)

func decodeGroup(b *hcl.Block, role Role) (Group, hcl.Diagnostics) {
	g := Group{Role: role, Name: b.Labels[0], NameRange: b.LabelRanges[0]}
	g.DeclRange = b.DefRange
	names := []string{"count", "memory", "cpus", "ip_offset"}
	if role == RoleClient {
		names = append(names, "drivers", "meta", "node_class", "docker_volumes")
	}
	d := newAttrDecoder(b.Body, &g.block, names...)
	d.decode("count", &g.Count)
	d.decode("memory", &g.Memory)
	d.decode("cpus", &g.CPUs)
	d.decode("ip_offset", &g.IPOffset)
	d.decode("drivers", &g.Drivers)
	d.decode("meta", &g.Meta)
	d.decode("node_class", &g.NodeClass)
	d.decode("docker_volumes", &g.DockerVolumes)
	return g, d.diags
}

// checkDockerVolumes rejects docker_volumes = true on a group without the
// docker driver: nothing would read it, and whoever wrote it expects host
// volumes that no task of the group can have. A group with no (readable)
// drivers already has its own diagnostic.
func (g *Group) checkDockerVolumes() hcl.Diagnostics {
	if !g.DockerVolumes || g.HasDriver("docker") || len(g.Drivers) == 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt(g.subject("docker_volumes"), "docker_volumes without the docker driver",
		"docker_volumes enables host volumes of the docker driver, which group %q does not run (its drivers: %s). Add \"docker\" to drivers or remove docker_volumes.",
		g.Name, quoteList(g.Drivers))}
}

// address is the private address of the group's i-th node (1-based).
func (g *Group) address(p netip.Prefix, i int) netip.Addr {
	if !p.IsValid() {
		return netip.Addr{}
	}
	return hostAddr(p, g.IPOffset+i-1)
}

func (g *Group) validate(network netip.Prefix) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !groupName.MatchString(g.Name) {
		diags = append(diags, errorAt(&g.NameRange, "Invalid group name",
			"%q cannot start node host names: use lower-case letters, digits and '-', starting with a letter and not ending in a digit (node names append 1, 2, ...), for example \"nomad-client\".", g.Name))
	}
	if g.Count < 1 {
		diags = append(diags, errorAt(g.subject("count"), "Invalid count",
			"count must be at least 1, not %d. To have no nodes of this kind, remove the %s block (a cluster needs one server group and at least one client group).", g.Count, g.Role))
	}
	if g.Memory < 256 && !g.hadTypeError("memory") {
		diags = append(diags, errorAt(g.subject("memory"), "Too little memory",
			"memory is in MiB and must be at least 256 for Consul and Nomad to run, not %d.", g.Memory))
	}
	if g.CPUs < 1 && !g.hadTypeError("cpus") {
		diags = append(diags, errorAt(g.subject("cpus"), "Invalid cpus",
			"cpus must be at least 1, not %d.", g.CPUs))
	}
	if g.Role == RoleServer && g.Count > 1 && g.Count%2 == 0 {
		diags = append(diags, warningAt(g.subject("count"), "Even number of servers",
			"%d servers tolerate no more failures than %d: Raft needs a majority, so use an odd count (1, 3 or 5).", g.Count, g.Count-1))
	}
	if g.Role == RoleServer && g.Count > 7 {
		diags = append(diags, warningAt(g.subject("count"), "Many servers",
			"%d servers slow down every Raft write; 3 or 5 are recommended. Add clients instead.", g.Count))
	}
	if g.Role == RoleClient && len(g.Drivers) == 0 && !g.hadTypeError("drivers") {
		diags = append(diags, errorAt(g.subject("drivers"), "No task drivers",
			"A client needs at least one task driver; known drivers are %s.", quoteList(knownDrivers)))
	}
	seen := map[string]bool{}
	for _, drv := range g.Drivers {
		switch {
		case !oneOf(drv, knownDrivers):
			diags = append(diags, errorAt(g.subject("drivers"), "Unknown driver",
				"%q is not a task driver nomadbox can set up; known drivers are %s.", drv, quoteList(knownDrivers)))
		case seen[drv]:
			diags = append(diags, errorAt(g.subject("drivers"), "Duplicate driver",
				"%q is listed twice.", drv))
		}
		seen[drv] = true
	}
	diags = append(diags, g.checkDockerVolumes()...)
	if !network.IsValid() || g.Count < 1 {
		return diags
	}
	last := g.IPOffset + g.Count - 1
	switch {
	case g.IPOffset < 2:
		diags = append(diags, errorAt(g.subject("ip_offset"), "Invalid ip_offset",
			"ip_offset is the host number of the group's first node and must be at least 2 (.0 is the network, .1 the host side), not %d.", g.IPOffset))
	case last >= hostCount(network)-1:
		subject := g.subject("count")
		if !g.isSet("count") {
			subject = g.subject("ip_offset")
		}
		diags = append(diags, errorAt(subject, "Network too small",
			"%d nodes starting at %s need addresses up to %s, outside %s (its last host is %s). Use a larger network cidr, fewer nodes, or a lower ip_offset.",
			g.Count, hostAddr(network, g.IPOffset), hostAddr(network, last), network, hostAddr(network, hostCount(network)-2)))
	}
	return diags
}
