package topology

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Firewall turns on a default-deny inbound firewall on every node that
// opens exactly the ports the cluster needs, plus ExtraPorts.
type Firewall struct {
	block
	Enabled bool
	// ExtraPorts are "PORT/PROTO" or "FIRST-LAST/PROTO" entries, PROTO
	// being tcp or udp.
	ExtraPorts []string
}

func decodeFirewall(b *hcl.Block) (Firewall, hcl.Diagnostics) {
	var f Firewall
	f.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &f.block, "enabled", "extra_ports")
	d.decode("enabled", &f.Enabled)
	d.decode("extra_ports", &f.ExtraPorts)
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
	return diags
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
