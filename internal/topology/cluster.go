package topology

import (
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// Cluster names the cluster; the name keys the render directory
// (.nomadbox/<name>) and the machines, so several clusters can coexist.
type Cluster struct {
	block
	Name       string
	NameRange  hcl.Range
	Datacenter string
	Region     string
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func decodeCluster(b *hcl.Block) (Cluster, hcl.Diagnostics) {
	c := Cluster{Name: b.Labels[0], NameRange: b.LabelRanges[0]}
	c.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &c.block, "datacenter", "region")
	d.decode("datacenter", &c.Datacenter)
	d.decode("region", &c.Region)
	return c, d.diags
}

func (c *Cluster) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !dnsLabel.MatchString(c.Name) {
		diags = append(diags, errorAt(&c.NameRange,
			"Invalid cluster name",
			"The cluster name %q must be a DNS label: lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit. It names machines and the .nomadbox/<name> directory.", c.Name))
	}
	for _, a := range []struct{ name, value string }{{"datacenter", c.Datacenter}, {"region", c.Region}} {
		if c.isSet(a.name) && !dnsLabel.MatchString(a.value) {
			diags = append(diags, errorAt(c.subject(a.name),
				"Invalid "+a.name,
				"%q is not a valid %s name: use lower-case letters, digits and '-' (for example \"dc1\" or \"global\").", a.value, a.name))
		}
	}
	return diags
}
