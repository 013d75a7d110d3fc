package topology

import (
	"net/netip"

	"github.com/hashicorp/hcl/v2"
)

// Network is the private network every node gets an address on. Agents
// bind and advertise on it, never on the provider's NAT interface.
type Network struct {
	block
	CIDR   string
	Prefix netip.Prefix
}

func decodeNetwork(b *hcl.Block) (Network, hcl.Diagnostics) {
	var n Network
	n.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &n.block, "cidr")
	d.decode("cidr", &n.CIDR)
	return n, d.diags
}

// minHostBits keeps room for the network and broadcast addresses and the
// host side of the network (.1), which providers such as VirtualBox take.
const minHostBits = 3

func (n *Network) validate() hcl.Diagnostics {
	p, err := netip.ParsePrefix(n.CIDR)
	switch {
	case err != nil:
		return hcl.Diagnostics{errorAt(n.subject("cidr"), "Invalid CIDR",
			"%q is not a CIDR block: %v. Write it like \"192.168.56.0/24\".", n.CIDR, err)}
	case !p.Addr().Is4():
		return hcl.Diagnostics{errorAt(n.subject("cidr"), "Unsupported CIDR",
			"%q is not IPv4; the private network must be an IPv4 block such as \"192.168.56.0/24\".", n.CIDR)}
	case p.Masked() != p:
		return hcl.Diagnostics{errorAt(n.subject("cidr"), "CIDR has host bits set",
			"%q has bits set outside its prefix; did you mean %q?", n.CIDR, p.Masked().String())}
	case 32-p.Bits() < minHostBits:
		return hcl.Diagnostics{errorAt(n.subject("cidr"), "CIDR too small",
			"%q holds too few addresses for a cluster. A /24 holds the default layout (servers from host 11, clients from host 101, which needs a /25 at the least); a network down to a /%d works only with each group's ip_offset set low enough.", n.CIDR, 32-minHostBits)}
	case !isPrivate(p):
		return hcl.Diagnostics{errorAt(n.subject("cidr"), "CIDR not private",
			"%q %s. The cluster's network must lie inside a private range (RFC 1918): 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, for example \"192.168.56.0/24\".", n.CIDR, rangeKind(p))}
	}
	n.Prefix = p
	return nil
}

// privateRanges are the RFC 1918 blocks, the only ones a cluster network
// may use. Providers make the network on this machine (a VirtualBox or
// libvirt host-only network, a Docker bridge), which routes the whole
// CIDR to the machines: a public range would hide those addresses of the
// internet, and loopback, link-local or multicast addresses cannot be a
// host's address at all. The firewall also trusts the CIDR with the HTTP
// APIs, so 0.0.0.0/0 would open them to everyone. 100.64.0.0/10 (RFC
// 6598, shared address space) is refused too: it belongs to carrier-grade
// NAT uplinks and to VPNs such as Tailscale, whose routes a host-only
// network would shadow.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// isPrivate reports whether all of p lies inside one RFC 1918 range.
func isPrivate(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if within(p, r) {
			return true
		}
	}
	return false
}

// specialRanges name the IPv4 blocks that are no host's address, for
// messages and for checking addresses of existing hosts.
var specialRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" (0.0.0.0/8)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (127.0.0.0/8)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (169.254.0.0/16)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (224.0.0.0/4)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4, with the broadcast address)"},
}

var sharedRange = netip.MustParsePrefix("100.64.0.0/10")

// rangeKind says, for a message, why p is not a private network.
func rangeKind(p netip.Prefix) string {
	for _, s := range specialRanges {
		if within(p, s.prefix) {
			return "is " + s.kind + ", not a network machines can have addresses on"
		}
	}
	switch {
	case within(p, sharedRange):
		return "is shared address space (100.64.0.0/10, RFC 6598), used by carrier-grade NAT and VPNs such as Tailscale"
	case p.Bits() < 8:
		return "spans more than any private range, public addresses included"
	}
	return "holds public addresses, which a network on this machine would hide from the internet"
}

// UnusableHost names the kind of a that no host can have as its address
// (loopback, multicast, ...), or "" when a can be one.
func UnusableHost(a netip.Addr) string {
	for _, s := range specialRanges {
		if s.prefix.Contains(a) {
			return s.kind
		}
	}
	return ""
}

// hostCount is the number of host numbers in the prefix, network and
// broadcast address included.
func hostCount(p netip.Prefix) int {
	return 1 << (32 - p.Bits())
}

// hostAddr is the address with host number h inside p (h = 11 in
// 192.168.56.0/24 is 192.168.56.11).
func hostAddr(p netip.Prefix, h int) netip.Addr {
	b := p.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(h)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func parseAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
