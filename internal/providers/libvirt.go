package providers

import (
	"context"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/provider"
)

// listDomains answers List for the libvirt provider from libvirt itself:
// the domains whose UUIDs Vagrant recorded in the render directory, and
// which of them are active. Two virsh calls take milliseconds where
// `vagrant status` starts Ruby and vagrant-libvirt for seconds, and every
// command that reaches a node (ssh, verify, run, provision) lists first.
func listDomains(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	ids := vagrant.MachineIDs(env, "libvirt")
	if len(ids) == 0 {
		return nil, nil
	}
	// vagrant-libvirt's default connection; the Vagrantfile sets no other.
	virsh := func(args ...string) (map[string]bool, error) {
		out, err := env.Runner.Output(ctx, execx.Command("virsh", append([]string{"-c", "qemu:///system", "list", "--uuid"}, args...)...))
		if err != nil {
			return nil, err
		}
		set := map[string]bool{}
		for _, u := range strings.Fields(string(out)) {
			set[u] = true
		}
		return set, nil
	}
	all, err := virsh("--all")
	if err != nil {
		return nil, err
	}
	active, err := virsh()
	if err != nil {
		return nil, err
	}
	var out []provider.Machine
	for name, id := range ids {
		switch {
		case active[id]:
			out = append(out, vagrant.Machine(env, name, provider.StateRunning))
		case all[id]:
			out = append(out, vagrant.Machine(env, name, provider.StateStopped))
		}
	}
	return out, nil
}
