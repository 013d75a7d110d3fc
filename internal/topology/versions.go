package topology

import (
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// Versions pins the Consul and Nomad releases installed on every node.
type Versions struct {
	block
	Consul string
	Nomad  string
}

// releaseVersion matches release versions as HashiCorp publishes them:
// 1.22.7, 2.0.0-beta.1, 1.9.3+ent.
var releaseVersion = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?(\+[0-9A-Za-z.]+)?$`)

func decodeVersions(b *hcl.Block) (Versions, hcl.Diagnostics) {
	var v Versions
	v.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &v.block, "consul", "nomad")
	d.decode("consul", &v.Consul)
	d.decode("nomad", &v.Nomad)
	return v, d.diags
}

func (v *Versions) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range []struct{ name, value string }{{"consul", v.Consul}, {"nomad", v.Nomad}} {
		if !releaseVersion.MatchString(a.value) {
			diags = append(diags, errorAt(v.subject(a.name), "Invalid version",
				"%q is not a release version; write it as MAJOR.MINOR.PATCH without a leading \"v\", for example \"1.22.7\".", a.value))
		}
	}
	return diags
}
