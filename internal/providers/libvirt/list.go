// Package libvirt is the built-in libvirt provider: Vagrant's
// vagrant-libvirt makes the machines (internal/providers/vagrant), and
// this package adds what nomadbox checks first and a listing straight
// from libvirt.
package libvirt

import (
	"context"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// Spec is the libvirt provider; Vagrant brings its machines up in
// parallel.
var Spec = withOwn(vagrant.NewSpec(vagrant.Machines{Name: "libvirt", Parallel: true, Check: preflight, FastList: listDomains},
	append(vagrant.BoxAttrs(topology.DefaultLibvirtBox),
		provider.Attribute{Name: "driver", Type: provider.TypeString, Default: "kvm", Description: `"kvm", or "qemu" where the machine has no KVM.`},
		provider.Attribute{Name: "storage_pool", Type: provider.TypeString, Description: "The libvirt storage pool for the machines' disks."},
	), "virsh"))

// withOwn is s with what the libvirt provider adds to a box provider:
// its block's checks and its Vagrantfile Ruby.
func withOwn(s builtin.Spec) builtin.Spec {
	s.Check, s.Vagrant = check, vagrantRuby
	return s
}

// Config is the libvirt provider's block.
type Config struct {
	vagrant.BoxConfig
	// Driver is "kvm" or "qemu" (software emulation).
	Driver      string `json:"driver"`
	StoragePool string `json:"storage_pool"`
}

// ConfigOf reads the libvirt provider's block values.
func ConfigOf(config map[string]any) Config { return builtin.ConfigOf[Config](config) }

// check validates the libvirt provider's block: its box, and a driver
// libvirt has.
func check(t *topology.Topology) hcl.Diagnostics {
	p := &t.Provider
	diags := vagrant.CheckBox(t)
	if d := ConfigOf(p.Config).Driver; p.Attrs().IsSet("driver") && d != "kvm" && d != "qemu" {
		diags = append(diags, topology.ErrorAt(p.Attrs().Subject("driver"), "Invalid libvirt driver",
			"driver must be \"kvm\" or \"qemu\", not %q.", d))
	}
	return diags
}

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
