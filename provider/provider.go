// Package provider is what a provider plugin author needs: the contract
// between nomadbox and a provider, the part that decides how machines
// come to exist, and Serve to offer one as a plugin.
//
// # A plugin
//
// A plugin is an executable named nomadbox-provider-<name>, found in
// $NOMADBOX_PLUGIN_PATH, ~/.nomadbox/plugins or PATH (in that order),
// that a topology selects with provider "<name>" { ... }. It implements
// [Provider] and calls [Serve] from main:
//
//	func main() { provider.Serve(&myProvider{}) }
//
// nomadbox starts it over hashicorp/go-plugin with gRPC (the service is
// provider/proto/nomadbox/provider/v1/provider.proto) for each command
// that needs it, and ends it when the command is done: keep nothing in
// memory between calls. Keep what the provider needs to find its
// machines again on the machines themselves (labels, names) or under
// [Cluster.Dir]. Log to stderr, which goes to the cluster's log; stdout
// belongs to go-plugin. Every call has a timeout (30 s for Describe,
// Schema and Validate, 3 min for List, 90 min for the others), after
// which nomadbox ends the plugin and everything it started.
//
// # What nomadbox calls, and when
//
//   - nomadbox providers: [Provider.Describe] and [Provider.Schema]. The
//     READY column says "yes" when both answer, and otherwise shows the
//     first line of the error. A plugin that cannot work on this machine
//     at all (its CLI is missing, say) says so by returning an error from
//     Schema that names what is missing and how to install it; validate
//     and every other command then show that error too. Keep both fast:
//     checks that take long belong in Preflight.
//   - Loading a topology (validate and every command): Schema, then
//     [Provider.Validate] with the block decoded, and, for a provider that
//     implements [VagrantMachines], VagrantFragment for every node.
//   - up: Preflight when the plan creates or starts a machine, then
//     [Provider.Up] with no names (every node), then [Provider.List]. Up
//     is retried once when it fails, and runs again on every later up, so
//     it must be safe to repeat: leave a running machine as it is, start
//     a stopped one, create a missing one, and finish what a failed or
//     cancelled Up left half done.
//   - status, ssh, verify, plan and every command that talks to the
//     nodes: List.
//   - halt: [Provider.Halt]; destroy: [Provider.Destroy] with no names;
//     scaling a group down: Destroy with the names of the nodes that
//     go; chaos drills: Halt and then Up of one node.
//
// # Concurrency
//
// nomadbox makes one call at a time to a plugin process and waits for
// it, so a provider needs no locks of its own between calls. Up gets
// every node at once: creating them in parallel is the provider's own
// choice, made inside Up ([Capabilities.ParallelUp] says it does so;
// Progress may be called from any goroutine). Several nomadbox commands
// may run at once, each with its own plugin process: a status while an
// up runs calls List while the other process is inside Up, so List must
// answer from what exists and never assume no one else is changing it.
//
// # Machines nomadbox can use
//
// nomadbox configures each machine over SSH (Ansible, then its own
// checks): every machine must run a systemd Linux (Debian or Ubuntu)
// with python3 and sshd, reachable from the machine that runs nomadbox,
// as [SSH] in [Machine] says. The provider makes that login work: it
// authorizes its own key for SSH.User (adding the public half to that
// user's ~/.ssh/authorized_keys on the machine, once) and gives that
// user passwordless sudo. Up returns only once sshd answers on every
// machine it made ([WaitSSH]). Each machine gets its node's size
// (Node.MemoryMiB and Node.CPUs).
//
// A provider that makes nodes as containers runs systemd as PID 1
// without --privileged: tmpfs mounts at /run and /run/lock and the
// cgroup tree mounted (read-only on servers), the node's name as
// --hostname, --memory and --cpus from its size; every
// node needs NET_ADMIN (the firewall loads nftables rules); every client
// needs the cgroup tree read-write, SYS_ADMIN and an unconfined AppArmor
// profile (Nomad's task runner mounts each task's secrets and alloc
// directories and puts tasks in cgroups); a client whose [Node.Drivers]
// include docker, exec or java also needs an unconfined seccomp profile
// (those drivers create namespaces and keyrings). The example plugin
// examples/provider-container does exactly this.
package provider

import (
	"context"
	"encoding/json"
)

// ProtocolVersion is the version of the contract this package speaks:
// put it in Description.Protocol. nomadbox refuses a plugin that speaks
// another one.
const ProtocolVersion = 1

// Provider is what every provider implements (the package doc says when
// nomadbox calls what). Long calls report progress lines through
// progress (never nil), which nomadbox shows under the current step; a
// returned error should say what went wrong and how to fix it. ctx ends
// when nomadbox gives up on the call (its timeout, Ctrl-C): stop then.
type Provider interface {
	// Describe names the provider (the <name> of its executable) and says
	// what it can do.
	Describe(ctx context.Context) (*Description, error)
	// Schema is the shape of the provider's block in topology.hcl;
	// nomadbox checks the block against it and reports problems at their
	// line and column. An error here marks the provider not ready.
	Schema(ctx context.Context) (*Schema, error)
	// Validate checks the block (Cluster.Config, decoded with the schema
	// and its defaults applied) beyond its types; each Diagnostic is
	// printed like nomadbox's own problems, at its line and column.
	Validate(ctx context.Context, c *Cluster) ([]Diagnostic, error)
	// Preflight checks this machine can run the cluster (its programs,
	// daemons, images) and prepares what it can (a key, an image). It
	// runs before Up, but Up must not rely on it having run.
	Preflight(ctx context.Context, c *Cluster, progress Progress) error
	// Up creates and starts the named machines, every node of c when
	// names is empty, and returns once each answers SSH. It must be safe
	// to repeat (see the package doc).
	Up(ctx context.Context, c *Cluster, names []string, progress Progress) error
	// List is every machine of the cluster that exists, running or not,
	// also those of nodes the topology no longer has (nomadbox's plan
	// then removes them); nothing for a cluster not created yet.
	List(ctx context.Context, c *Cluster) ([]Machine, error)
	// Halt stops the named machines (all when names is empty), keeping
	// them for a later Up. A name with no machine is not an error.
	Halt(ctx context.Context, c *Cluster, names []string, progress Progress) error
	// Destroy removes the named machines; with no names, every machine
	// and whatever else the provider made for the cluster (networks,
	// keys, its files under Cluster.Dir). A name with no machine is not
	// an error: destroying what is gone is done.
	Destroy(ctx context.Context, c *Cluster, names []string, progress Progress) error
}

// VagrantMachines is what a provider whose machines Vagrant makes adds
// to Provider. nomadbox then renders a Vagrantfile in Cluster.Dir with
// one machine per node and, inside each, the Ruby VagrantFragment gives;
// the provider's Up runs Vagrant there. Such a provider declares a "box"
// attribute when its Vagrant provider needs a box (config.vm.box).
// Serve finds out whether a provider implements it and tells nomadbox
// (Capabilities.UsesVagrant); a provider that does not make its machines
// with Vagrant leaves it out.
type VagrantMachines interface {
	// VagrantFragment is the Ruby that goes inside `machine.vm.provider
	// "<name>" do |p, override| ... end` for the node named node.
	VagrantFragment(ctx context.Context, c *Cluster, node string) (string, error)
}

// Progress receives one line worth showing to the user.
type Progress func(line string)

// Description names a provider and says what it can do.
type Description struct {
	// Name is the <name> of the executable nomadbox-provider-<name>;
	// nomadbox refuses a plugin that calls itself something else.
	Name string `json:"name"`
	// Version is the plugin's own version, shown by `nomadbox providers`.
	Version string `json:"version"`
	// Protocol is ProtocolVersion.
	Protocol     int          `json:"protocol"`
	Capabilities Capabilities `json:"capabilities"`
}

// Capabilities say what a provider can do and how nomadbox works with it.
type Capabilities struct {
	// ParallelUp: Up creates the machines it is given at the same time.
	// nomadbox passes every node to one Up call either way and shows this
	// in `nomadbox providers --json`; whether to work in parallel is the
	// provider's choice inside Up.
	ParallelUp bool `json:"parallel_up"`
	// UsesVagrant: machines are made by Vagrant from the rendered
	// Vagrantfile, with VagrantFragment inside each machine. Serve sets
	// it for a provider that implements VagrantMachines.
	UsesVagrant bool `json:"uses_vagrant"`
	// CanHalt: machines can be stopped (Halt) and started again (Up).
	CanHalt bool `json:"can_halt"`
	// ReportsAddresses: the provider chooses the addresses and List
	// reports them. Otherwise each node must get the address nomadbox
	// derives from the network's CIDR (Node.Address).
	ReportsAddresses bool `json:"reports_addresses"`
	// ExistingHosts: the machines existed before nomadbox and outlive
	// it; destroy uninstalls what nomadbox installed instead.
	ExistingHosts bool `json:"existing_hosts"`
}

// Attribute types a schema may use.
const (
	TypeString     = "string"
	TypeNumber     = "number"
	TypeBool       = "bool"
	TypeListString = "list(string)"
	TypeMapString  = "map(string)"
)

// Schema is the shape of a provider's block.
type Schema struct {
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one attribute of a provider's block.
type Attribute struct {
	Name string `json:"name"`
	// Type is one of the Type constants.
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// Default is used when the block does not set the attribute; nil
	// for none. It must be a value of Type as encoding/json decodes it.
	Default     any    `json:"default,omitempty"`
	Description string `json:"description"`
}

// Cluster is everything a provider learns about the cluster; every call
// gets it whole.
type Cluster struct {
	// Name is the cluster's name, unique on this machine: name what the
	// provider makes after it so that two clusters never meet.
	Name string `json:"name"`
	// Dir is the render directory, an absolute path; a provider may keep
	// its state there, and removes it in Destroy: nomadbox's destroy
	// deletes only the entries nomadbox itself writes, and keeps the
	// directory while anything else is left in it.
	Dir string `json:"dir"`
	// TopologyFile is the file the cluster was loaded from; a provider
	// learns everything it needs from the other fields.
	TopologyFile string `json:"topology_file"`
	// CIDR is the cluster's private network (10.42.0.0/24, say): the
	// nodes' addresses come from it.
	CIDR string `json:"cidr"`
	// Nodes is every node of the topology.
	Nodes []Node `json:"nodes"`
	// Config is the provider block as JSON values (string, float64,
	// bool, []any, map[string]any), defaults applied.
	Config map[string]any `json:"config"`
}

// DecodeConfig fills v (a pointer to a struct with json tags) from the
// provider block.
func (c *Cluster) DecodeConfig(v any) error {
	b, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Node is one machine the topology asks for.
type Node struct {
	// Name is the node's name in the topology (nomad-server1, say): the
	// name Up gets and the Machine.Name List must report for it. It is
	// also the hostname Consul and Nomad name the node by: nomadbox sets
	// it over SSH when the machine has another, but a container cannot
	// change its own, so a container gets it at creation (--hostname).
	Name string `json:"name"`
	// Role is "server" or "client".
	Role string `json:"role"`
	// Group is the topology's server or client block the node comes from.
	Group string `json:"group"`
	// Address is the one nomadbox derived from the CIDR. A provider that
	// does not declare ReportsAddresses must give the machine exactly
	// this address on the cluster's network.
	Address string `json:"address"`
	// MemoryMiB and CPUs are the group's size: give the machine that
	// much (a container's --memory and --cpus, a VM's memory and vCPUs).
	MemoryMiB int `json:"memory_mib"`
	CPUs      int `json:"cpus"`
	// Drivers are the Nomad task drivers the group enables ("docker",
	// "exec", "raw_exec", "java", "qemu"): clients only, empty for
	// servers. A provider gives a client only what its drivers need
	// (docker, exec and java, for instance, need namespaces and keyrings
	// a locked-down container refuses). A nomadbox older than this field
	// sends none: treat an empty list on a client as "any driver" when
	// that matters.
	Drivers []string `json:"drivers,omitempty"`
}

// Machine states List reports; providers may use others.
const (
	StateRunning     = "running"
	StateStopped     = "stopped"
	StateNotCreated  = "not_created"
	StateUnreachable = "unreachable"
)

// Machine is one machine that exists.
type Machine struct {
	// Name is the Node.Name the machine was made for: nomadbox matches
	// machines to nodes by it, so it is the topology's name, not the
	// provider's own (a container's or VM's name may differ).
	Name string `json:"name"`
	// State is one of the State constants (or the provider's own word
	// for anything else, shown as it is). Only StateRunning counts as
	// up; a machine reported otherwise is started by the next Up.
	State string `json:"state"`
	// Address is the machine's address on the cluster's network, where
	// the other nodes reach it: Node.Address, or the one the provider
	// chose when it declares ReportsAddresses. A stopped machine reports
	// the address it comes back with.
	Address string `json:"address"`
	// SSH is how nomadbox logs in.
	SSH SSH `json:"ssh"`
}

// SSH is how nomadbox reaches a machine from the machine it runs on.
type SSH struct {
	// Host is the host name or address to connect to; empty means
	// Machine.Address (the usual case when that is reachable from here).
	Host string `json:"host"`
	// Port is sshd's port; 0 means 22.
	Port int `json:"port"`
	// User is the login user, who needs passwordless sudo. Set it: an
	// empty user is not read the same way by every part of nomadbox.
	User string `json:"user"`
	// PrivateKeyPath is the private key that logs in as User, which the
	// provider has authorized on the machine. Give an absolute path: a
	// relative one is read from a different directory by Ansible (the
	// render directory's ansible/) and by ssh (where nomadbox runs). The
	// file must be readable by its owner only, or ssh refuses it.
	PrivateKeyPath string `json:"private_key_path"`
}
