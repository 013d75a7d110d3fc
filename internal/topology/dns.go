package topology

import "github.com/hashicorp/hcl/v2"

// DNS chooses how nodes resolve <service>.service.consul.
type DNS struct {
	block
	// Forwarder is dnsmasq (forward .consul to Consul, the rest to the
	// node's original resolver), systemd-resolved (a routing domain for
	// .consul) or none.
	Forwarder string
}

var dnsForwarders = []string{"dnsmasq", "systemd-resolved", "none"}

func decodeDNS(b *hcl.Block) (DNS, hcl.Diagnostics) {
	var d DNS
	d.DeclRange = b.DefRange
	dec := newAttrDecoder(b.Body, &d.block, "forwarder")
	dec.decode("forwarder", &d.Forwarder)
	return d, dec.diags
}

func (d *DNS) validate() hcl.Diagnostics {
	if !oneOf(d.Forwarder, dnsForwarders) {
		return hcl.Diagnostics{errorAt(d.subject("forwarder"), "Unknown DNS forwarder",
			"forwarder must be one of %s, not %q.", quoteList(dnsForwarders), d.Forwarder)}
	}
	return nil
}
