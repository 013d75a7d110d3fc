package topology

import (
	"fmt"
	"regexp"

	goversion "github.com/hashicorp/go-version"
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

// The supported releases. Each lower bound is the oldest release that
// knows every key internal/agentconfig writes into the agents'
// configuration (the keys that depend on the version are gated there,
// in features.go); agentconfig's TestRenderedKeysKnownToPinnedRelease
// fails when the renderer starts writing a key these bounds do not
// cover, or when a bound is older than the render needs. The upper
// bounds are the last release series the keys were checked against: a
// later major release may drop or rename keys, which is a warning, not
// an error, since the render may still be right.
const (
	// MinConsulVersion: every server's consul.hcl has a ui_config block,
	// which Consul has from 1.9.0 on (Consul's CHANGELOG.md, 1.9.0,
	// GH-8694; developer.hashicorp.com/consul/docs/agent/config/config-files,
	// "ui_config"); before it the agent refuses the key.
	MinConsulVersion = "1.9.0"
	// MinConsulTLSVersion: with security.tls = true consul.hcl has a tls
	// block (tls.defaults, tls.internal_rpc), which Consul has from
	// 1.12.0 on (Consul's CHANGELOG.md, 1.12.0, GH-12504).
	MinConsulTLSVersion = "1.12.0"
	// MinNomadVersion: every client's nomad.hcl picks its network
	// interface with a go-sockaddr template (client.network_interface),
	// which Nomad evaluates from 1.1.0 on (Nomad's CHANGELOG, 1.1.0:
	// "Enable sockaddr templating for network-interface", GH-10404);
	// before it the template is taken for an interface name, which does
	// not exist.
	MinNomadVersion = "1.1.0"
	// MinNomadGRPCCAVersion: with security.tls and Consul 1.14.1 or later
	// nomad.hcl has consul.grpc_ca_file (agentconfig.Features,
	// ConsulEnvoyGRPCCAFile), which Nomad has from 1.5.0 on (Nomad's
	// CHANGELOG, 1.5.0: "consul: add client configuration for
	// grpc_ca_file", GH-15701; also backported to 1.4.5 and 1.3.10,
	// which this bound leaves out to keep it one number).
	MinNomadGRPCCAVersion = "1.5.0"
	// LastConsulMajor and LastNomadMajor are the newest release series
	// (Consul 1.22, Nomad 2.0) whose configuration keys the renderer
	// was checked against.
	LastConsulMajor = 1
	LastNomadMajor  = 2
)

// floor is one lower bound on a family's release: the oldest release
// that knows a key the render writes, for the topologies it applies to.
type floor struct {
	attr string // "consul" or "nomad"
	min  string
	// applies says whether the render of t writes the key; nil: always.
	applies func(t *Topology) bool
	// key names what the render writes, for the message.
	key string
}

var floors = []floor{
	{attr: "consul", min: MinConsulVersion, key: "ui_config (in every server's consul.hcl)"},
	{attr: "consul", min: MinConsulTLSVersion, key: "the tls block that security.tls = true writes into consul.hcl",
		applies: func(t *Topology) bool { return t.Security.TLS }},
	{attr: "nomad", min: MinNomadVersion, key: "a go-sockaddr template in client.network_interface (in every client's nomad.hcl)"},
	{attr: "nomad", min: MinNomadGRPCCAVersion, key: "consul.grpc_ca_file, which security.tls = true with Consul 1.14.1 or later writes into nomad.hcl",
		applies: func(t *Topology) bool { return t.Security.TLS && atLeast(t.Versions.Consul, "1.14.1") }},
}

// atLeast reports whether version is min or later; a version that does
// not parse is not.
func atLeast(version, min string) bool {
	v, err := goversion.NewVersion(version)
	return err == nil && v.GreaterThanOrEqual(goversion.Must(goversion.NewVersion(min)))
}

// family names the release family of a versions attribute.
func family(attr string) (name string, lastMajor int) {
	if attr == "consul" {
		return "Consul", LastConsulMajor
	}
	return "Nomad", LastNomadMajor
}

func decodeVersions(b *hcl.Block) (Versions, hcl.Diagnostics) {
	var v Versions
	v.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &v.block, "consul", "nomad")
	d.decode("consul", &v.Consul)
	d.decode("nomad", &v.Nomad)
	return v, d.diags
}

// validateVersions checks that each pinned release is written as a
// release and lies in the range the render supports for this topology.
func validateVersions(t *Topology) hcl.Diagnostics {
	var diags hcl.Diagnostics
	v := &t.Versions
	for _, a := range []struct{ name, value string }{{"consul", v.Consul}, {"nomad", v.Nomad}} {
		if v.hadTypeError(a.name) {
			continue
		}
		if !releaseVersion.MatchString(a.value) {
			diags = append(diags, errorAt(v.subject(a.name), "Invalid version",
				"%q is not a release version; write it as MAJOR.MINOR.PATCH without a leading \"v\", for example \"1.22.7\".", a.value))
			continue
		}
		diags = append(diags, checkRange(t, a.name, a.value, v.subject(a.name), "versions."+a.name)...)
	}
	return diags
}

// checkRange reports a release of family attr (from source, which names
// where it came from: "versions.consul", or a local binary) that is
// older than a floor that applies to t, or of a major series newer than
// the renderer was checked against.
func checkRange(t *Topology, attr, version string, subject *hcl.Range, source string) hcl.Diagnostics {
	have, err := goversion.NewVersion(version)
	if err != nil {
		return nil // reported as an invalid version
	}
	name, lastMajor := family(attr)
	for _, f := range floors {
		if f.attr != attr || (f.applies != nil && !f.applies(t)) {
			continue
		}
		if have.LessThan(goversion.Must(goversion.NewVersion(f.min))) {
			return hcl.Diagnostics{errorAt(subject, "Unsupported "+name+" version",
				"%s is %s %s, older than this topology supports: nomadbox writes %s, which %s knows from %s on. %s Use %s %s or later, for example %q.",
				source, name, version, f.key, name, f.min, supportedRange(attr), name, f.min, latest(attr))}
		}
	}
	if have.Segments()[0] > lastMajor {
		return hcl.Diagnostics{warningAt(subject, "Unchecked "+name+" release series",
			"%s is %s %s; nomadbox writes configuration checked against %s %d.x, and a new major release may have removed or renamed keys. If the agents refuse their configuration, pin a %d.x release. %s",
			source, name, version, name, lastMajor, lastMajor, supportedRange(attr))}
	}
	return nil
}

// supportedRange says the documented range of family attr and where it
// is documented.
func supportedRange(attr string) string {
	if attr == "consul" {
		return fmt.Sprintf("nomadbox supports Consul %s to %d.x (%s to %d.x with security.tls = true), as internal/topology/versions.go documents (MinConsulVersion).",
			MinConsulVersion, LastConsulMajor, MinConsulTLSVersion, LastConsulMajor)
	}
	return fmt.Sprintf("nomadbox supports Nomad %s to %d.x (%s to %d.x with security.tls = true and Consul 1.14.1 or later), as internal/topology/versions.go documents (MinNomadVersion).",
		MinNomadVersion, LastNomadMajor, MinNomadGRPCCAVersion, LastNomadMajor)
}

func latest(attr string) string {
	if attr == "consul" {
		return DefaultConsulVersion
	}
	return DefaultNomadVersion
}
