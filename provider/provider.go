// Package provider is the contract between nomadbox and a provider, the
// part of nomadbox that decides how machines come to exist, and what a
// provider author needs to serve one as a plugin.
//
// A plugin is an executable named nomadbox-provider-<name>, found in
// $NOMADBOX_PLUGIN_PATH, ~/.nomadbox/plugins or PATH (in that order). It
// implements [Provider] and calls [Serve] from main:
//
//	func main() { provider.Serve(&myProvider{}) }
//
// nomadbox starts it over hashicorp/go-plugin with gRPC (the service is
// provider/proto/nomadbox/provider/v1/provider.proto), asks for its
// [Schema] to check the topology's provider block, and calls it for
// machines: [Provider.Up] to create them, [Provider.List] to learn what
// exists, where it is and how to reach it over SSH, [Provider.Destroy] to
// remove them. Anything a plugin writes to stderr goes into the
// cluster's log. The built-in providers implement the same interface.
package provider

import (
	"context"
	"encoding/json"
)

// ProtocolVersion is the version of the contract this package speaks:
// put it in Description.Protocol. nomadbox refuses a plugin that speaks
// another one.
const ProtocolVersion = 1

// Provider is what every provider implements. Long calls report progress
// lines through progress (never nil); a returned error should say how to
// fix what went wrong.
type Provider interface {
	// Describe names the provider and says what it can do.
	Describe(ctx context.Context) (*Description, error)
	// Schema is the shape of the provider's block in topology.hcl.
	Schema(ctx context.Context) (*Schema, error)
	// Validate checks the block (Cluster.Config, decoded with the schema
	// and its defaults applied) beyond its types.
	Validate(ctx context.Context, c *Cluster) ([]Diagnostic, error)
	// Preflight checks this machine can run the cluster and prepares
	// what it can.
	Preflight(ctx context.Context, c *Cluster, progress Progress) error
	// Up creates and starts the named machines, all when names is empty.
	Up(ctx context.Context, c *Cluster, names []string, progress Progress) error
	// List is every machine of the cluster that exists.
	List(ctx context.Context, c *Cluster) ([]Machine, error)
	// Halt stops the named machines (all when names is empty).
	Halt(ctx context.Context, c *Cluster, names []string, progress Progress) error
	// Destroy removes the named machines; with no names, every machine
	// and whatever else the provider made for the cluster.
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
	Name         string       `json:"name"`
	Version      string       `json:"version"`
	Protocol     int          `json:"protocol"`
	Capabilities Capabilities `json:"capabilities"`
}

// Capabilities say what a provider can do and how nomadbox works with it.
type Capabilities struct {
	// ParallelUp: machines may be created at the same time.
	ParallelUp bool `json:"parallel_up"`
	// UsesVagrant: machines are made by Vagrant from the rendered
	// Vagrantfile, with VagrantFragment inside each machine. Serve sets
	// it for a provider that implements VagrantMachines.
	UsesVagrant bool `json:"uses_vagrant"`
	// CanHalt: machines can be stopped and started again.
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

// Cluster is everything a provider learns about the cluster.
type Cluster struct {
	Name string `json:"name"`
	// Dir is the render directory; a provider may keep its state there,
	// and removes it in Destroy: nomadbox's destroy deletes only the
	// entries nomadbox itself writes, and keeps the directory while
	// anything else is left in it.
	Dir string `json:"dir"`
	// TopologyFile is the file the cluster was loaded from.
	TopologyFile string `json:"topology_file"`
	// CIDR is the cluster's private network.
	CIDR  string `json:"cidr"`
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
	Name string `json:"name"`
	// Role is "server" or "client".
	Role  string `json:"role"`
	Group string `json:"group"`
	// Address is the one nomadbox derived from the CIDR.
	Address   string `json:"address"`
	MemoryMiB int    `json:"memory_mib"`
	CPUs      int    `json:"cpus"`
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
	Name    string `json:"name"`
	State   string `json:"state"`
	Address string `json:"address"`
	SSH     SSH    `json:"ssh"`
}

// SSH is how a machine is reached; an empty Host means "use Address".
type SSH struct {
	Host           string `json:"host"`
	Port           int    `json:"port"`
	User           string `json:"user"`
	PrivateKeyPath string `json:"private_key_path"`
}
