package providers

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// vboxNetworksConf is where VirtualBox (>= 6.1.28) reads the address
// ranges host-only networks may use; without it only 192.168.56.0/21 is
// allowed (VirtualBox manual, "Host-Only Networking").
const vboxNetworksConf = "/etc/vbox/networks.conf"

var vboxDefaultRange = netip.MustParsePrefix("192.168.56.0/21")

// virtualboxPreflight checks VirtualBox is installed and allows the
// cluster's network as a host-only network: `vagrant up` would otherwise
// fail after booting the first machine, with a message about the range.
func virtualboxPreflight(_ context.Context, env *Env) error {
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

// libvirtPreflight checks the vagrant-libvirt plugin and a running
// libvirt daemon, which `vagrant up` needs before it says so itself.
func libvirtPreflight(ctx context.Context, env *Env) error {
	out, err := env.Runner.Output(ctx, execx.Command("vagrant", "plugin", "list"))
	if err != nil {
		return fmt.Errorf("listing Vagrant's plugins: %w", err)
	}
	if !hasVagrantPlugin(string(out), "vagrant-libvirt") {
		return fmt.Errorf("the vagrant-libvirt plugin is missing: install it with `vagrant plugin install vagrant-libvirt` (or Debian's vagrant-libvirt package)")
	}
	for _, s := range libvirtSockets {
		if _, err := os.Stat(s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("libvirt is not running (no socket in %s): start it with `sudo systemctl start libvirtd` and make sure your user is in the libvirt group", strings.Join(libvirtSockets, ", "))
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
