// Package ssh is the built-in provider for existing hosts: nomadbox
// reaches each node over SSH and neither starts, stops nor removes it.
package ssh

import (
	"context"
	"errors"
	"fmt"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/hostkeys"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/provider"
)

// Spec is the ssh provider. It reports each host's address (the
// topology's hosts map, or the address derived from the CIDR) and says
// its hosts exist already, so destroy uninstalls instead of removing.
var Spec = builtin.Spec{
	Name:         "ssh",
	Capabilities: provider.Capabilities{ReportsAddresses: true, ExistingHosts: true},
	Schema: []provider.Attribute{
		{Name: "user", Type: provider.TypeString, Default: "vagrant", Description: "The user Ansible logs in as (root, or one with passwordless sudo)."},
		{Name: "private_key", Type: provider.TypeString, Description: "The private key for that user; the SSH agent's keys when unset."},
		{Name: "port", Type: provider.TypeNumber, Default: 22, Description: "The SSH port of every host."},
		{Name: "hosts", Type: provider.TypeMapString, Description: "Each node's address (node name -> IP address or host name); a node not listed is reached at the address derived from the CIDR."},
	},
	Files: map[string]string{"private_key": "SSH private key"},
	Check: check,
	Tools: []string{"ssh"},
	New:   func() builtin.Machines { return &sshHosts{} },
}

// Config is the ssh provider's block: how nodes are logged in to, and
// each node's host.
type Config struct {
	nodeexec.Login
	Hosts map[string]string `json:"hosts"` // node name -> IP address
}

// ConfigOf reads the ssh provider's block values.
func ConfigOf(config map[string]any) Config { return builtin.ConfigOf[Config](config) }

// sshHosts is the ssh provider: the machines already exist and are not
// nomadbox's to start, stop or remove.
type sshHosts struct{}

var errNotOurs = errors.New("the ssh provider manages existing hosts: nomadbox does not start, stop or remove them")

func (sshHosts) Preflight(ctx context.Context, env *builtin.Env) error {
	_, err := execx.LookPath("ssh")
	return err
}

// Up checks every host's key (recorded on first contact, refused when
// it changed) and that it answers over SSH.
func (sshHosts) Up(ctx context.Context, env *builtin.Env, names ...string) error {
	s := nodeexec.For(env.Topology, env.Runner, env.Dir)
	nodes := env.Nodes(names)
	hosts := s.HostKeyTargets(nodes)
	env.Progressf("checking the SSH host keys of %d hosts", len(hosts))
	if err := hostkeys.Ensure(ctx, env.Runner, s.KnownHosts, hosts); err != nil {
		return err
	}
	for _, n := range nodes {
		env.Progressf("%s: checking SSH", n.Name)
		if _, err := s.Exec(ctx, n, "true"); err != nil {
			return fmt.Errorf("%s (%s) does not answer over SSH as %s: %w", n.Name, s.Address(n), s.User, err)
		}
	}
	return nil
}

// List is every host of the topology, "unreachable" when SSH does not
// answer.
func (sshHosts) List(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	s := nodeexec.For(env.Topology, env.Runner, env.Dir)
	var out []provider.Machine
	for _, n := range env.Topology.Nodes() {
		state := provider.StateRunning
		if _, err := s.Exec(ctx, n, "true"); err != nil {
			state = provider.StateUnreachable
		}
		addr := s.Address(n)
		out = append(out, provider.Machine{Name: n.Name, State: state, Address: addr,
			SSH: provider.SSH{Host: addr, Port: s.Port, User: s.User, PrivateKeyPath: s.Key}})
	}
	return out, nil
}

func (sshHosts) Halt(context.Context, *builtin.Env, ...string) error { return errNotOurs }

// Destroy leaves the hosts running: nomadbox uninstalls what it put on
// them before (capability ExistingHosts).
func (sshHosts) Destroy(context.Context, *builtin.Env, ...string) error { return nil }
