package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// libvirtSockets are where libvirtd (or the modular virtqemud) listens.
var libvirtSockets = []string{"/var/run/libvirt/libvirt-sock", "/run/libvirt/libvirt-sock", "/run/libvirt/virtqemud-sock"}

// libvirtHost is what the libvirt preflight asks of this machine; tests
// substitute every field.
type libvirtHost struct {
	plugins func(ctx context.Context) (string, error) // `vagrant plugin list`
	dial    func(ctx context.Context, socket string) error
	kvm     func() kvmprobe.Result
	hasBox  func(ctx context.Context, name, version string) (bool, error)
	// buildBox builds nomadbox's box (nodeimage.BuildLibvirtBox), with progress.
	buildBox func(ctx context.Context) error
}

// preflight checks what `vagrant up --provider libvirt` needs and
// would otherwise fail on late, or hang on: the plugin, an answering
// daemon, a KVM that boots a guest when driver = "kvm", and nomadbox's
// box. It starts nothing: every problem is named with the command that
// fixes it. Only nomadbox's own box, when it is all that is missing, is
// built (offline, like the docker provider's node image).
func preflight(ctx context.Context, env *builtin.Env) error {
	h := libvirtHost{
		plugins: func(ctx context.Context) (string, error) {
			out, err := env.Runner.Output(ctx, execx.Command("vagrant", "plugin", "list"))
			return string(out), err
		},
		dial: func(ctx context.Context, socket string) error {
			var d net.Dialer
			c, err := d.DialContext(ctx, "unix", socket)
			if err == nil {
				c.Close()
			}
			return err
		},
		kvm: kvmprobe.OnHost,
		hasBox: func(ctx context.Context, name, version string) (bool, error) {
			return nodeimage.LibvirtBoxPresent(ctx, env.Runner, name, version)
		},
		buildBox: func(ctx context.Context) error {
			progress := func(s string) { env.Progressf("%s", s) }
			return nodeimage.BuildLibvirtBox(ctx, nodeimage.BuildOptions{Runner: env.Runner, Progress: progress})
		},
	}
	c := ConfigOf(env.Topology.Provider.Config)
	return checkLibvirt(ctx, h, &c)
}

func checkLibvirt(ctx context.Context, h libvirtHost, p *Config) error {
	var problems []string
	list, err := h.plugins(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("listing Vagrant's plugins: %w", err)
	case !hasVagrantPlugin(list, "vagrant-libvirt"):
		problems = append(problems, "the vagrant-libvirt plugin is missing: install it with `sudo apt-get install vagrant-libvirt` (or `vagrant plugin install vagrant-libvirt`)")
	}
	if !libvirtAnswers(ctx, h) {
		problems = append(problems, fmt.Sprintf("libvirt is not running (no daemon answers at %s): start it with `sudo systemctl start libvirtd` (without systemd: `sudo virtlogd -d && sudo libvirtd -d`), and make sure your user is in the libvirt group", strings.Join(libvirtSockets, ", ")))
	}
	if p.Driver == "kvm" {
		if r := h.kvm(); !r.Boots {
			problems = append(problems, fmt.Sprintf("driver = \"kvm\", but KVM cannot boot a guest here: %s. Set driver = \"qemu\" in provider \"libvirt\" (software emulation, several times slower), or remove driver and nomadbox picks the one that works", r.Detail))
		}
	}
	if p.Box == topology.DefaultLibvirtBox {
		version := p.BoxVersion
		if version == "" {
			version = nodeimage.LibvirtBoxVersion()
		}
		ok, err := h.hasBox(ctx, p.Box, version)
		if err != nil {
			return err
		}
		missing := fmt.Sprintf("the box %s (libvirt, version %s) is not in Vagrant, or its kernel is not in libvirt's storage pool: build it with `nomadbox box build --provider libvirt` (offline, from Debian's packages)", p.Box, version)
		switch {
		case ok:
		case len(problems) > 0 || version != nodeimage.LibvirtBoxVersion():
			// Building needs the daemon, and this nomadbox builds only
			// its own version.
			problems = append(problems, missing)
		default:
			if err := h.buildBox(ctx); err != nil {
				return fmt.Errorf("%s; building it failed: %w", missing, err)
			}
		}
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return errors.New(problems[0])
	}
	return fmt.Errorf("the libvirt provider cannot run yet:\n  - %s", strings.Join(problems, "\n  - "))
}

// libvirtAnswers reports whether a libvirt daemon accepts a connection
// within a few seconds (a socket file alone may be a dead daemon's).
func libvirtAnswers(ctx context.Context, h libvirtHost) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for _, s := range libvirtSockets {
		if h.dial(ctx, s) == nil {
			return true
		}
	}
	return false
}

// hasVagrantPlugin reads `vagrant plugin list` ("vagrant-libvirt
// (0.11.2, system)").
func hasVagrantPlugin(list, name string) bool {
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}
