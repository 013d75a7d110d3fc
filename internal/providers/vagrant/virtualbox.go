package vagrant

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// VirtualBox is Vagrant's VirtualBox provider, checked first for
// VirtualBox itself and for the host-only range the cluster needs.
var VirtualBox = withRuby(NewSpec(Machines{Name: "virtualbox", Check: virtualboxPreflight}, append(BoxAttrs(topology.DefaultBox),
	provider.Attribute{Name: "gui", Type: provider.TypeBool, Default: false, Description: "Show the VirtualBox window of each machine."},
	provider.Attribute{Name: "linked_clone", Type: provider.TypeBool, Default: true, Description: "Make machines as linked clones of the box (faster, smaller)."},
), "VBoxManage"), boxRuby("virtualbox", virtualboxRuby, VirtualBoxOf))

// VirtualBoxConfig is the virtualbox provider's block.
type VirtualBoxConfig struct {
	BoxConfig
	GUI         bool `json:"gui"`
	LinkedClone bool `json:"linked_clone"`
}

// VirtualBoxOf reads the virtualbox provider's block values.
func VirtualBoxOf(config map[string]any) VirtualBoxConfig {
	return builtin.ConfigOf[VirtualBoxConfig](config)
}

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
