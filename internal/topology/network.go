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
			"%q holds too few addresses for a cluster; use a /24 or at least a /%d.", n.CIDR, 32-minHostBits)}
	}
	n.Prefix = p
	return nil
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
