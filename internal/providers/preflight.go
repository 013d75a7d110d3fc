package providers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/box"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// vboxNetworksConf is where VirtualBox (>= 6.1.28) reads the address
// ranges host-only networks may use; without it only 192.168.56.0/21 is
// allowed (VirtualBox manual, "Host-Only Networking").
const vboxNetworksConf = "/etc/vbox/networks.conf"

var vboxDefaultRange = netip.MustParsePrefix("192.168.56.0/21")

// virtualboxPreflight checks VirtualBox is installed and allows the
// cluster's network as a host-only network: `vagrant up` would otherwise
// fail after booting the first machine, with a message about the range.
func virtualboxPreflight(_ context.Context, env *builtin.Env) error {
	if _, err := execx.LookPath("VBoxManage"); err != nil {
		return fmt.Errorf("VirtualBox is not installed (no VBoxManage on PATH): install VirtualBox 6.1 or later, or choose another provider")
	}
	ranges, err := vboxRanges(vboxNetworksConf)
	if err != nil {
		return err
	}
	return checkVboxRange(env.Topology.Network.Prefix, ranges)
}

// vboxRanges reads the allowed ranges from networks.conf (lines like
// "* 10.0.0.0/8 192.168.0.0/16"); no file means the default range.
func vboxRanges(path string) ([]netip.Prefix, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return []netip.Prefix{vboxDefaultRange}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []netip.Prefix
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "*" {
			continue
		}
		for _, p := range fields[1:] {
			if pr, err := netip.ParsePrefix(p); err == nil {
				out = append(out, pr.Masked())
			}
		}
	}
	return out, sc.Err()
}

func checkVboxRange(cidr netip.Prefix, allowed []netip.Prefix) error {
	for _, a := range allowed {
		if a.Bits() <= cidr.Bits() && a.Contains(cidr.Addr()) {
			return nil
		}
	}
	var list []string
	for _, a := range allowed {
		list = append(list, a.String())
	}
	if len(list) == 0 {
		list = []string{"none"}
	}
	return fmt.Errorf("VirtualBox allows host-only networks only in %s (%s), and network.cidr %s is outside: add the line `* %s` to %s (as root), or choose a cidr inside those ranges",
		strings.Join(list, ", "), vboxNetworksConf, cidr, cidr, vboxNetworksConf)
}

// libvirtSockets are where libvirtd (or the modular virtqemud) listens.
var libvirtSockets = []string{"/var/run/libvirt/libvirt-sock", "/run/libvirt/libvirt-sock", "/run/libvirt/virtqemud-sock"}

// libvirtHost is what the libvirt preflight asks of this machine; tests
// substitute every field.
type libvirtHost struct {
	plugins func(ctx context.Context) (string, error) // `vagrant plugin list`
	dial    func(ctx context.Context, socket string) error
	kvm     func() kvmprobe.Result
	hasBox  func(ctx context.Context, name, version string) (bool, error)
	// buildBox builds nomadbox's box (box.BuildLibvirt), with progress.
	buildBox func(ctx context.Context) error
}

// libvirtPreflight checks what `vagrant up --provider libvirt` needs and
// would otherwise fail on late, or hang on: the plugin, an answering
// daemon, a KVM that boots a guest when driver = "kvm", and nomadbox's
// box. It starts nothing: every problem is named with the command that
// fixes it. Only nomadbox's own box, when it is all that is missing, is
// built (offline, like the docker provider's node image).
func libvirtPreflight(ctx context.Context, env *builtin.Env) error {
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
			return box.LibvirtBoxPresent(ctx, env.Runner, name, version)
		},
		buildBox: func(ctx context.Context) error {
			progress := func(s string) { env.Progressf("%s", s) }
			return box.BuildLibvirt(ctx, box.Options{Runner: env.Runner, Progress: progress})
		},
	}
	return checkLibvirt(ctx, h, &env.Topology.Provider)
}

func checkLibvirt(ctx context.Context, h libvirtHost, p *topology.Provider) error {
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
			version = box.LibvirtVersion()
		}
		ok, err := h.hasBox(ctx, p.Box, version)
		if err != nil {
			return err
		}
		missing := fmt.Sprintf("the box %s (libvirt, version %s) is not in Vagrant, or its kernel is not in libvirt's storage pool: build it with `nomadbox box build --provider libvirt` (offline, from Debian's packages)", p.Box, version)
		switch {
		case ok:
		case len(problems) > 0 || version != box.LibvirtVersion():
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
