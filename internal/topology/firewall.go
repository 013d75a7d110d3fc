package topology

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Firewall turns on a default-deny inbound firewall on every node that
// opens exactly the ports the cluster needs, each to whom needs it:
// Raft, Serf and RPC to the cluster's nodes, the HTTP APIs and Consul's
// DNS to the cluster's network and APIAllow, SSH, Nomad's dynamic ports,
// fabio and ExtraPorts to anyone.
type Firewall struct {
	block
	Enabled bool
	// ExtraPorts are "PORT/PROTO" or "FIRST-LAST/PROTO" entries, PROTO
	// being tcp or udp.
	ExtraPorts []string
	// APIAllow are IPv4 addresses or CIDR blocks that may reach the HTTP
	// APIs besides the cluster's network.
	APIAllow []string
}

func decodeFirewall(b *hcl.Block) (Firewall, hcl.Diagnostics) {
	var f Firewall
	f.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &f.block, "enabled", "extra_ports", "api_allow")
	d.decode("enabled", &f.Enabled)
	d.decode("extra_ports", &f.ExtraPorts)
	d.decode("api_allow", &f.APIAllow)
	return f, d.diags
}

func (f *Firewall) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range f.ExtraPorts {
		if !validPortSpec(p) {
			diags = append(diags, errorAt(f.subject("extra_ports"), "Invalid port",
				"%q is not a port: write \"8080/tcp\", \"5353/udp\" or a range \"7000-7010/tcp\".", p))
		}
	}
	for _, a := range f.APIAllow {
		if !validIPv4Source(a) {
			diags = append(diags, errorAt(f.subject("api_allow"), "Invalid address",
				"%q is not an IPv4 address or CIDR block: write \"10.0.0.5\" or \"10.0.0.0/24\" (with no host bits set).", a))
		}
	}
	return diags
}

// validIPv4Source is an IPv4 address or a CIDR block without host bits.
func validIPv4Source(s string) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Is4()
	}
	p, err := netip.ParsePrefix(s)
	return err == nil && p.Addr().Is4() && p.Masked() == p
}

func validPortSpec(s string) bool {
	ports, proto, ok := strings.Cut(s, "/")
	if !ok || (proto != "tcp" && proto != "udp") {
		return false
	}
	first, last, isRange := strings.Cut(ports, "-")
	lo, err1 := strconv.Atoi(first)
	hi := lo
	var err2 error
	if isRange {
		hi, err2 = strconv.Atoi(last)
	}
	return err1 == nil && err2 == nil && lo >= 1 && hi <= 65535 && lo <= hi
}
