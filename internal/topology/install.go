package topology

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Install says where node software comes from.
type Install struct {
	block
	// Method is releases (zip from the release site, checked against
	// SHA256SUMS), apt (HashiCorp's apt repository) or local (binaries
	// copied from this machine, for air-gapped hosts).
	Method       string
	ConsulBinary string
	NomadBinary  string
	// ConsulSHA256 and NomadSHA256 are the checksums of the local
	// binaries. They are not part of the file: the caller that renders
	// fills them in (cluster.Render), so that nodes which already hold
	// the same binary get nothing copied; empty means unknown.
	ConsulSHA256 string
	NomadSHA256  string
	// Docker is docker-ce (Docker's apt repository) or docker.io (the
	// distribution's package, for hosts that cannot reach Docker's).
	Docker string
}

var installMethods = []string{"releases", "apt", "local"}
var dockerPackages = []string{"docker-ce", "docker.io"}

func decodeInstall(b *hcl.Block) (Install, hcl.Diagnostics) {
	var in Install
	in.DeclRange = b.DefRange
	d := newAttrDecoder(b.Body, &in.block, "method", "consul_binary", "nomad_binary", "docker")
	d.decode("method", &in.Method)
	d.decode("consul_binary", &in.ConsulBinary)
	d.decode("nomad_binary", &in.NomadBinary)
	d.decode("docker", &in.Docker)
	return in, d.diags
}

func (in *Install) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !oneOf(in.Method, installMethods) {
		diags = append(diags, errorAt(in.subject("method"), "Unknown install method",
			"method must be one of %s, not %q.", quoteList(installMethods), in.Method))
	}
	if !oneOf(in.Docker, dockerPackages) {
		diags = append(diags, errorAt(in.subject("docker"), "Unknown Docker package",
			"docker must be one of %s, not %q.", quoteList(dockerPackages), in.Docker))
	}
	for _, b := range []struct{ name, value string }{{"consul_binary", in.ConsulBinary}, {"nomad_binary", in.NomadBinary}} {
		switch {
		case in.Method == "local" && strings.TrimSpace(b.value) == "" && !in.hadTypeError(b.name):
			diags = append(diags, errorAt(in.subject("method"), "Missing "+b.name,
				"With method = \"local\" the binaries are copied from this machine: set %s to the path of a Linux binary, for example %s = \"bin/%s\".",
				b.name, b.name, strings.TrimSuffix(b.name, "_binary")))
		case in.Method != "local" && in.isSet(b.name):
			diags = append(diags, warningAt(in.subject(b.name), b.name+" is ignored",
				"%s is only used with method = \"local\"; with %q it has no effect.", b.name, in.Method))
		}
	}
	return diags
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = `"` + v + `"`
	}
	return strings.Join(q, ", ")
}
