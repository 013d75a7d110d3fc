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
	seen := map[string]bool{}
	for i, p := range f.ExtraPorts {
		subject := f.itemSubject("extra_ports", i)
		switch {
		case seen[p]: // said once, at its first mention
			diags = append(diags, errorAt(subject, "Duplicate port", "%q is listed twice.", p))
		case !validPortSpec(p):
			diags = append(diags, errorAt(subject, "Invalid port",
				"%q is not a port: write \"8080/tcp\", \"5353/udp\" or a range \"7000-7010/tcp\".", p))
		// With the firewall off every port is open already; checkExposure
		// says extra_ports has no effect.
		case f.Enabled && clusterPortsIn(p) != "":
			diags = append(diags, errorAt(subject, "Cluster port in extra_ports",
				"%q opens %s to anyone, which the firewall keeps for the cluster's nodes and, for the HTTP APIs and DNS, the cluster's network and api_allow. Remove it (the firewall already lets in whoever needs these ports); to let a machine use the APIs, add its address to api_allow.", p, clusterPortsIn(p)))
		}
		seen[p] = true
	}
	for i, a := range f.APIAllow {
		if !validIPv4Source(a) {
			diags = append(diags, errorAt(f.itemSubject("api_allow", i), "Invalid address",
				"%q is not an IPv4 address or CIDR block: write \"10.0.0.5\" or \"10.0.0.0/24\" (with no host bits set).", a))
		}
	}
	return diags
}

// clusterPorts are the ports the firewall role (ansible/roles/firewall,
// firewall_services) opens to the cluster only: Nomad's HTTP API, RPC
// and Serf (4646-4648), Consul's server RPC, Serf LAN/WAN, HTTP(S), gRPC
// and DNS (8300-8302, 8500-8503, 8600). Opening one through extra_ports
// would undo that rule for everyone: that is an error, not a warning,
// since nothing of the cluster needs it (the firewall already admits
// the nodes, and api_allow is the narrow way to admit a machine to the
// APIs) while it lets anyone join Raft or Serf, or drive the APIs.
var clusterPorts = map[string][]struct {
	first, last int
	what        string
}{
	"tcp": {{4646, 4648, "Nomad's HTTP API, RPC and Serf ports (4646-4648)"},
		{8300, 8302, "Consul's server RPC and Serf ports (8300-8302)"},
		{8500, 8503, "Consul's HTTP, HTTPS and gRPC ports (8500-8503)"},
		{8600, 8600, "Consul's DNS port (8600)"}},
	"udp": {{4648, 4648, "Nomad's Serf port (4648)"},
		{8301, 8302, "Consul's Serf ports (8301-8302)"},
		{8600, 8600, "Consul's DNS port (8600)"}},
}

// clusterPortsIn names the cluster ports a valid port spec covers, or "".
func clusterPortsIn(spec string) string {
	ports, proto, _ := strings.Cut(spec, "/")
	first, last, isRange := strings.Cut(ports, "-")
	lo, _ := strconv.Atoi(first)
	hi := lo
	if isRange {
		hi, _ = strconv.Atoi(last)
	}
	var hit []string
	for _, r := range clusterPorts[proto] {
		if lo <= r.last && r.first <= hi {
			hit = append(hit, r.what)
		}
	}
	return strings.Join(hit, " and ")
}

// checkExposure warns about firewall settings that have no effect or
// hand the cluster to more people than the user may think. They are
// warnings: each is a legitimate choice on a network the user trusts.
func checkExposure(t *Topology) hcl.Diagnostics {
	f := &t.Firewall
	var diags hcl.Diagnostics
	if !f.Enabled {
		for _, attr := range []string{"api_allow", "extra_ports"} {
			if f.isSet(attr) && len(f.items[attr]) > 0 {
				diags = append(diags, warningAt(f.subject(attr), attr+" has no effect",
					"The firewall is off (enabled = false), so every port of every node is open to anyone who reaches it and %s changes nothing. Turn the firewall on, or remove %s.", attr, attr))
			}
		}
		return diags
	}
	for i, a := range f.APIAllow {
		p, ok := sourcePrefix(a)
		switch {
		case !ok:
		case !t.Security.ACL && !isInternal(p):
			diags = append(diags, warningAt(f.itemSubject("api_allow", i), "APIs open without ACLs",
				"api_allow admits %s, %s, to the HTTP APIs while ACLs are off: anyone there can run jobs (raw_exec runs them as root) and change Consul. Turn on security { acl = true }, or narrow api_allow to your own addresses.", a, publicWhat(p)))
		case t.Security.ACL && !t.Security.TLS && t.Network.Prefix.IsValid() && !within(p, t.Network.Prefix):
			diags = append(diags, warningAt(f.itemSubject("api_allow", i), "ACL tokens over plain HTTP",
				"api_allow admits %s, outside the cluster's network %s, while TLS is off: the ACL tokens that clients send there cross the network unencrypted, for anyone on the way to read. Turn on security { tls = true }.", a, t.Network.Prefix))
		}
	}
	return diags
}

func publicWhat(p netip.Prefix) string {
	if p.IsSingleIP() {
		return "a public address"
	}
	return "which holds public addresses"
}

// internalRanges hold no public address: RFC 1918, shared address space
// (RFC 6598, carrier-grade NAT and VPNs), loopback and link-local.
var internalRanges = append([]netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
}, privateRanges...)

// isInternal reports whether p lies inside one of internalRanges.
func isInternal(p netip.Prefix) bool {
	for _, r := range internalRanges {
		if within(p, r) {
			return true
		}
	}
	return false
}

// within reports whether all of p lies inside r.
func within(p, r netip.Prefix) bool {
	return r.Bits() <= p.Bits() && r.Contains(p.Addr())
}

// sourcePrefix reads an api_allow entry (an address or a CIDR block).
func sourcePrefix(s string) (netip.Prefix, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.PrefixFrom(a, 32), true
	}
	p, err := netip.ParsePrefix(s)
	return p, err == nil && p.Addr().Is4()
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
