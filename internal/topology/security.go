package topology

import "github.com/hashicorp/hcl/v2"

// Security switches on the agents' protections. Keys, certificates and
// tokens are generated into .nomadbox/<cluster>/secrets/, never printed.
type Security struct {
	block
	GossipEncryption bool
	TLS              bool
	ACL              bool
}

func decodeSecurity(b *hcl.Block) (Security, hcl.Diagnostics) {
	var s Security
	s.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &s.block, "gossip_encryption", "tls", "acl")
	d.decode("gossip_encryption", &s.GossipEncryption)
	d.decode("tls", &s.TLS)
	d.decode("acl", &s.ACL)
	return s, d.diags
}
