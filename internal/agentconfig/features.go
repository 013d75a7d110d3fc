package agentconfig

import (
	goversion "github.com/hashicorp/go-version"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Features are the settings whose presence depends on the Consul and
// Nomad releases a topology installs. Every version check of the agents'
// configuration lives here, each with the documentation that says when
// the behaviour changed.
type Features struct {
	// ConsulDNSToken: acl.tokens.dns exists from Consul 1.17.0 on
	// (developer.hashicorp.com/consul/docs/agent/config/config-files,
	// "acl.tokens.dns"); before it, DNS answers with the anonymous
	// token, which then needs the DNS policy.
	ConsulDNSToken bool
}

// FeaturesOf returns the features of the releases v pins. A version
// that does not parse (validation refuses those) has none.
func FeaturesOf(v topology.Versions) Features {
	return Features{
		ConsulDNSToken: atLeast(v.Consul, "1.17.0"),
	}
}

func atLeast(have, want string) bool {
	h, err := goversion.NewVersion(have)
	if err != nil {
		return false
	}
	w := goversion.Must(goversion.NewVersion(want))
	// A pre-release of the version that introduced a setting may lack
	// it: only a later release core counts then.
	if h.Prerelease() != "" {
		return h.Core().GreaterThan(w)
	}
	return h.Core().GreaterThanOrEqual(w)
}
