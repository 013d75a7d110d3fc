package topology

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

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

	duplicate bool // an earlier group has the same name
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
	diags = append(diags, g.checkName()...)
	if g.Count < 1 {
		diags = append(diags, errorAt(g.subject("count"), "Invalid count",
			"count must be at least 1, not %d. To have no nodes of this kind, remove the %s block (a cluster needs one server group and at least one client group).", g.Count, g.Role))
	}
	if g.Role == RoleServer && g.Count > 1 && g.Count%2 == 0 {
		diags = append(diags, warningAt(g.subject("count"), "Even number of servers",
			"%d servers tolerate no more failures than %d: Raft needs a majority, so use an odd count (1, 3 or 5).", g.Count, g.Count-1))
	}
	if g.Role == RoleServer && g.Count > 7 {
		diags = append(diags, warningAt(g.subject("count"), "Many servers",
			"%d servers slow down every Raft write; 3 or 5 are recommended. Add clients instead.", g.Count))
	}
	diags = append(diags, g.checkSize()...)
	diags = append(diags, g.checkDrivers()...)
	diags = append(diags, g.checkDockerVolumes()...)
	diags = append(diags, g.checkMeta()...)
	diags = append(diags, g.checkAddresses(network)...)
	return diags
}

// maxGroupName keeps node host names DNS labels (at most 63
// characters) with room for the node number appended to the group name.
const maxGroupName = 52

func (g *Group) checkName() hcl.Diagnostics {
	switch {
	case g.duplicate: // reported as a duplicate, whatever the name
	case len(g.Name) > maxGroupName:
		return hcl.Diagnostics{errorAt(&g.NameRange, "Group name too long",
			"%q is %d characters; a group name is at most %d, so that node host names (the group name and the node's number) stay DNS labels.", g.Name, len(g.Name), maxGroupName)}
	case !groupName.MatchString(g.Name):
		return hcl.Diagnostics{errorAt(&g.NameRange, "Invalid group name",
			"%q cannot start node host names: use lower-case letters, digits and '-', starting with a letter and not ending in a digit (node names append 1, 2, ...), for example \"nomad-client\".", g.Name)}
	}
	return nil
}

// Machine sizes nomadbox accepts. Below 256 MiB Consul and Nomad do not
// start; a server below 512 MiB runs but Raft snapshots and the state
// store soon swap. The upper bounds are far above any machine a provider
// makes (1 TiB, 256 CPUs); a value beyond them is a typo (a size in
// bytes or KiB), which the provider would refuse only after other
// machines were made.
const (
	minMemory       = 256
	minServerMemory = 512
	maxMemory       = 1 << 20 // MiB
	maxCPUs         = 256
)

func (g *Group) checkSize() hcl.Diagnostics {
	var diags hcl.Diagnostics
	switch {
	case g.hadTypeError("memory"):
	case g.Memory < minMemory:
		diags = append(diags, errorAt(g.subject("memory"), "Too little memory",
			"memory is in MiB and must be at least %d for Consul and Nomad to run, not %d.", minMemory, g.Memory))
	case g.Memory > maxMemory:
		diags = append(diags, errorAt(g.subject("memory"), "Too much memory",
			"memory is in MiB and at most %d (1 TiB), not %d: write the size in MiB, for example memory = 2048 for 2 GiB.", maxMemory, g.Memory))
	case g.Role == RoleServer && g.Memory < minServerMemory:
		diags = append(diags, warningAt(g.subject("memory"), "Little memory for a server",
			"A server with %d MiB runs, but Raft snapshots and the state store soon need more: use at least %d.", g.Memory, minServerMemory))
	}
	switch {
	case g.hadTypeError("cpus"):
	case g.CPUs < 1 || g.CPUs > maxCPUs:
		diags = append(diags, errorAt(g.subject("cpus"), "Invalid cpus",
			"cpus must be between 1 and %d, not %d.", maxCPUs, g.CPUs))
	}
	return diags
}

func (g *Group) checkDrivers() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if g.Role == RoleClient && len(g.Drivers) == 0 && !g.hadTypeError("drivers") {
		diags = append(diags, errorAt(g.subject("drivers"), "No task drivers",
			"A client needs at least one task driver; known drivers are %s.", quoteList(knownDrivers)))
	}
	seen := map[string]bool{}
	for i, drv := range g.Drivers {
		switch {
		case seen[drv]: // said once, at its first mention
			diags = append(diags, errorAt(g.itemSubject("drivers", i), "Duplicate driver",
				"%q is listed twice.", drv))
		case !oneOf(drv, knownDrivers):
			diags = append(diags, errorAt(g.itemSubject("drivers", i), "Unknown driver",
				"%q is not a task driver nomadbox can set up; known drivers are %s.", drv, quoteList(knownDrivers)))
		}
		seen[drv] = true
	}
	return diags
}

// metaKey is what a client meta key must look like to be usable as
// ${meta.KEY} in a job. Nomad's agent refuses keys that are not dotted
// names (helper.IsValidInterpVariable, `^[^.]+(\.[^.]+)*$`, checked in
// command/agent/command.go for client.meta); in an HCL2 job file
// ${meta.KEY} is an HCL traversal, so each dotted part must also be an
// HCL identifier (a letter or '_', then letters, digits, '_' and '-'):
// "a b" passes the agent but can never be referenced.
var metaKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

// checkMeta refuses keys a job cannot reference and values that do not
// reach Nomad as written: the agent configuration is rendered with HCL2
// escapes, where "${" becomes "$${" and "%{" becomes "%%{", and Nomad
// reads it with HCL1, which keeps those escapes literally.
func (g *Group) checkMeta() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, k := range g.mapKeys("meta", g.Meta) {
		if !metaKey.MatchString(k) {
			diags = append(diags, errorAt(g.keySubject("meta", k), "Invalid meta key",
				"%q cannot be used as ${meta.KEY} in a job: a key is one or more names joined by '.', each a letter or '_' followed by letters, digits, '_' or '-', for example \"rack\" or \"hw.gpu\".", k))
		}
		if v := g.Meta[k]; strings.Contains(v, "${") || strings.Contains(v, "%{") {
			diags = append(diags, errorAt(g.valueSubject("meta", k), "Invalid meta value",
				"The value of %q contains \"${\" or \"%%{\", which would reach Nomad's configuration changed (as \"$${\" or \"%%%%{\"). Node meta is plain text: remove the sequence.", k))
		}
	}
	return diags
}

// checkAddresses checks the group's addresses fit in the network. An
// ip_offset outside the network is said at ip_offset itself; a group that
// starts inside but runs past the end is blamed on count.
func (g *Group) checkAddresses(network netip.Prefix) hcl.Diagnostics {
	if !network.IsValid() || g.Count < 1 {
		return nil
	}
	lastHost := hostCount(network) - 2 // the broadcast address is not a host
	last := g.IPOffset + g.Count - 1
	switch {
	case g.IPOffset < 2:
		return hcl.Diagnostics{errorAt(g.subject("ip_offset"), "Invalid ip_offset",
			"ip_offset is the host number of the group's first node and must be at least 2 (.0 is the network, .1 the host side), not %d.", g.IPOffset)}
	case g.IPOffset > lastHost:
		return hcl.Diagnostics{errorAt(g.subject("ip_offset"), "Invalid ip_offset",
			"ip_offset %d is outside %s, whose host numbers run from 2 to %d (%s to %s). Use a lower ip_offset or a larger network cidr.",
			g.IPOffset, network, lastHost, hostAddr(network, 2), hostAddr(network, lastHost))}
	case last > lastHost:
		subject := g.subject("count")
		if !g.isSet("count") {
			subject = g.subject("ip_offset")
		}
		return hcl.Diagnostics{errorAt(subject, "Network too small",
			"%d nodes starting at %s need addresses up to %s, outside %s (its last host is %s). Use a larger network cidr, fewer nodes, or a lower ip_offset.",
			g.Count, hostAddr(network, g.IPOffset), hostAddr(network, last), network, hostAddr(network, lastHost))}
	}
	return nil
}
