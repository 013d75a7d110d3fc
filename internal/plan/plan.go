// Package plan works out what an `up` on an existing cluster will do,
// the way `terraform plan` does: machines to create, start, drain and
// remove, and every change to the nodes, each with the nodes it touches
// and whether a service restarts. It compares the edited topology's
// render, in memory, with the applied state (what the last successful
// provision applied), so the plan covers every input that reaches the
// nodes; `up` provisions only when its plan names something to do. It is
// pure: the caller supplies the state, the machines and the render.
package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Change is a node whose agent configuration changes.
type Change struct {
	Node     string   `json:"node"`
	Settings []string `json:"settings"` // e.g. "consul.hcl: retry_join", "nomad.hcl: server.bootstrap_expect"
	// Restarts are the agents that restart for it (consul, nomad).
	Restarts []string `json:"restarts"`
}

// Edit is a change to the nodes beyond their agent configuration files:
// a version, a binary, a package, the firewall, DNS, a security switch.
type Edit struct {
	// What is done, for a person ("firewall: open 7777/tcp").
	What string `json:"what"`
	// Nodes it is done on.
	Nodes []string `json:"nodes"`
	// Restarts are the services that restart for it; none when empty.
	Restarts []string `json:"restarts"`
}

// Plan is what an up would do to an existing cluster.
type Plan struct {
	Create []string `json:"create"`
	// Start are machines that exist but do not run: up starts them and
	// provisions every node.
	Start []string `json:"start"`
	// Remove are the nodes of the applied topology that go away (in JSON:
	// their names and roles).
	Remove  []topology.Node `json:"-"`
	Changes []Change        `json:"changes"`
	Edits   []Edit          `json:"edits"`
	// ProvisionAll says why every node is provisioned though no line
	// above asks for it (nothing recorded, a provision that did not
	// finish, other roles); empty when there is no such reason.
	ProvisionAll string `json:"provision_all,omitempty"`
	// NotApplied are edits that up does not make to existing machines
	// (sizes, provider settings): only machines created later get them.
	NotApplied []string `json:"not_applied"`
	// Unknown are machines that exist but are neither in the topology
	// nor in the applied state: nomadbox does not know what they were and
	// refuses to guess.
	Unknown []string `json:"unknown"`
	// NeedsForce lists why the plan must not run without --force.
	NeedsForce []string `json:"needs_force"`
	// Jobs are the topology's job blocks (name: file), which up submits
	// after verify whatever else changes; Nomad keeps an unchanged job as
	// it is.
	Jobs []string `json:"jobs"`
	// RollClients is how many clients restart their agents at a time
	// (servers: one at a time), when the plan restarts a running agent.
	RollClients int `json:"roll_clients,omitempty"`
	// ExistingHosts: nodes are hosts that exist before and after (the ssh
	// provider): nomadbox installs onto them and uninstalls from them.
	ExistingHosts bool `json:"existing_hosts"`
	// Machines says who makes the machines and how they run.
	Machines Machines `json:"machines"`
}

// Machines is the provider that makes the machines and, for libvirt, the
// driver they run under: `up` on a host where KVM cannot boot a guest
// emulates every instruction, which a user should know before waiting.
type Machines struct {
	Provider string `json:"provider"`
	// Driver is libvirt's domain type: kvm or qemu (software emulation).
	Driver string `json:"driver,omitempty"`
	// Note is what the driver means for the user, when it matters.
	Note string `json:"note,omitempty"`
}

// MachinesOf describes the machines of t.
func MachinesOf(t *topology.Topology) Machines {
	m := Machines{Provider: t.Provider.Name}
	if t.Provider.Name == "libvirt" {
		m.Driver = libvirt.ConfigOf(t.Provider.Config).Driver
		if m.Driver == "qemu" {
			m.Note = kvmprobe.EmulationNote
		}
	}
	return m
}

// String is the machines for a person: "libvirt, driver qemu: ...".
func (m Machines) String() string {
	s := m.Provider
	if m.Driver != "" {
		s += ", driver " + m.Driver
	}
	if m.Note != "" {
		s += ": " + m.Note
	}
	return s
}

// Empty reports whether up has nothing to do.
func (p *Plan) Empty() bool {
	return len(p.Remove) == 0 && !p.Provisions()
}

// Provisions reports whether up runs Ansible for this plan.
func (p *Plan) Provisions() bool {
	return len(p.Create)+len(p.Start)+len(p.Changes)+len(p.Edits) > 0 || p.ProvisionAll != ""
}

// Machine is a machine as the provider lists it.
type Machine struct {
	Name    string
	Running bool
}

// Input is what Compute compares.
type Input struct {
	Topology *topology.Topology
	// Rendered is the topology's full render (generator.Render).
	Rendered generator.Files
	// Applied is what the last successful provision applied; nil when
	// none finished.
	Applied *state.Applied
	// Machines are the machines that exist now.
	Machines []Machine
	// ExistingHosts: see Plan.ExistingHosts.
	ExistingHosts bool
	// MaxParallel is how many clients restart their agents at a time.
	MaxParallel int
}

// Compute works out the plan.
func Compute(in Input) *Plan {
	p := &Plan{ExistingHosts: in.ExistingHosts, Machines: MachinesOf(in.Topology)}
	var prev *topology.Topology
	if in.Applied != nil {
		prev = in.Applied.Topology
	}
	running := map[string]bool{}
	exists := map[string]bool{}
	for _, m := range in.Machines {
		exists[m.Name] = true
		running[m.Name] = m.Running
	}
	want := map[string]bool{}
	var kept []string
	for _, n := range in.Topology.Nodes() {
		want[n.Name] = true
		switch {
		case !exists[n.Name]:
			p.Create = append(p.Create, n.Name)
		case !running[n.Name]:
			p.Start = append(p.Start, n.Name)
			kept = append(kept, n.Name)
		default:
			kept = append(kept, n.Name)
		}
	}
	prevNodes := map[string]topology.Node{}
	if prev != nil {
		for _, n := range prev.Nodes() {
			prevNodes[n.Name] = n
		}
	}
	for _, m := range in.Machines {
		if want[m.Name] {
			continue
		}
		if n, ok := prevNodes[m.Name]; ok {
			p.Remove = append(p.Remove, n)
		} else {
			p.Unknown = append(p.Unknown, m.Name)
		}
	}
	sort.Slice(p.Remove, func(i, j int) bool { return p.Remove[i].Name < p.Remove[j].Name })

	if len(kept) > 0 {
		switch {
		case in.Applied == nil:
			p.ProvisionAll = "no provision of this cluster has finished yet"
		case in.Applied.Pending:
			p.ProvisionAll = "the last provision did not finish"
		case in.Applied.Generated == nil:
			p.ProvisionAll = "the applied state was recorded by an earlier nomadbox that kept no render"
		default:
			old := in.Applied.Generated
			p.Changes = configChanges(kept, old, in.Rendered)
			p.Edits = append(hostEdits(prev, in.Topology, kept), varEdits(in.Topology, kept, old, in.Rendered, len(p.Create)+len(p.Remove) > 0)...)
			p.NotApplied = machineEdits(prev, in.Topology, kept)
			if state.RolesDigest(in.Rendered) != in.Applied.Roles {
				p.ProvisionAll = "nomadbox's roles differ from the ones last applied (this nomadbox is another version)"
			}
		}
	}
	for _, j := range in.Topology.Jobs {
		p.Jobs = append(p.Jobs, j.Name+": "+j.File)
	}
	p.NeedsForce = append(safety(in.Topology, prev, prevNodes, in.Machines, p), versionJumps(prev, in.Topology)...)
	if p.restartsAgents() {
		p.RollClients = max(in.MaxParallel, 1)
	}
	return p
}

// restartsAgents reports whether a kept node's Consul or Nomad restarts.
func (p *Plan) restartsAgents() bool {
	for _, c := range p.Changes {
		if len(c.Restarts) > 0 {
			return true
		}
	}
	for _, e := range p.Edits {
		for _, r := range e.Restarts {
			if r == "consul" || r == "nomad" {
				return true
			}
		}
	}
	return false
}

// safety lists the reasons a plan needs --force: losing Raft quorum, an
// even server count, or a group rename that would recreate machines.
func safety(cur, prev *topology.Topology, prevNodes map[string]topology.Node, machines []Machine, p *Plan) []string {
	var why []string
	oldServers := 0
	for _, m := range machines {
		if n, ok := prevNodes[m.Name]; ok && n.Role == topology.RoleServer {
			oldServers++
		}
	}
	newServers := cur.Server.Count
	if oldServers > 0 && newServers < oldServers {
		quorum := oldServers/2 + 1
		if newServers < quorum {
			why = append(why, fmt.Sprintf("removing %d of %d servers drops below the Raft quorum of %d: the remaining servers cannot elect a leader without manual recovery", oldServers-newServers, oldServers, quorum))
		}
		if newServers%2 == 0 {
			why = append(why, fmt.Sprintf("%d servers tolerate no more failures than %d; keep an odd count", newServers, newServers-1))
		}
	}
	if len(p.Create) > 0 && len(p.Remove) > 0 && prev != nil {
		oldGroups, newGroups := groupNames(prev), groupNames(cur)
		var gone, added []string
		for g := range oldGroups {
			if !newGroups[g] {
				gone = append(gone, g)
			}
		}
		for g := range newGroups {
			if !oldGroups[g] {
				added = append(added, g)
			}
		}
		sort.Strings(gone)
		sort.Strings(added)
		if len(gone) > 0 && len(added) > 0 {
			why = append(why, fmt.Sprintf("group %s is gone and group %s is new: if this is a rename, every machine of the group is destroyed and created again", strings.Join(gone, ", "), strings.Join(added, ", ")))
		}
	}
	return why
}

func groupNames(t *topology.Topology) map[string]bool {
	out := map[string]bool{t.Server.Name: true}
	for _, g := range t.Clients {
		out[g.Name] = true
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
