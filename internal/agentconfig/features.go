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

	// ConsulGRPCTLS: from Consul 1.14.0 on, TLS gRPC has a port of its
	// own, ports.grpc_tls, and ports.grpc speaks plaintext only
	// (github.com/hashicorp/consul/releases/tag/v1.14.0, BREAKING
	// CHANGES, GH-15339). Before it, the one ports.grpc listener serves
	// TLS as soon as the agent has a certificate (tls.defaults), see
	// GRPCServerUseTLS in tlsutil/config.go of Consul 1.13. From 1.14 on
	// an agent with a certificate and ports.grpc but no ports.grpc_tls
	// refuses to start, and only servers open grpc_tls by default
	// (agent/config/builder.go of Consul 1.14.1).
	ConsulGRPCTLS bool

	// ConsulEnvoyGRPCCAFile: `consul connect envoy`, which Nomad runs to
	// bootstrap a sidecar, takes -grpc-ca-file from Consul 1.14.1 on
	// (GH-15466, in the 1.14.1 release notes) and, from GH-15913 on,
	// speaks TLS over Nomad's unix socket to the agent only when given
	// it. Nomad passes its consul.grpc_ca_file as that flag; 1.14.0 and
	// earlier refuse the flag and check the gRPC listener against
	// -ca-file (Nomad's consul.ca_file) instead.
	ConsulEnvoyGRPCCAFile bool

	// ConsulConnectByDefault: connect.enabled defaults to true from
	// Consul 1.14.0 on (the same release notes, GH-15302). Before it,
	// it defaults to false and Connect's CA and intentions, which the
	// servers hold, stay off until it is set on the servers
	// (website/content/docs/agent/config/config-files.mdx of Consul
	// v1.13.9, "connect.enabled"; every check of the setting is in
	// agent/consul, the server's code).
	ConsulConnectByDefault bool

	// NomadClientIntroduction: Nomad 1.11.0 servers take a
	// server.client_introduction block and check each new client's
	// registration for an introduction token (Nomad's CHANGELOG.md,
	// 1.11.0, GH-26430; developer.hashicorp.com/nomad/docs/configuration/server,
	// "client_introduction"). Earlier releases refuse the block as an
	// unknown key.
	NomadClientIntroduction bool
}

// FeaturesOf returns the features of the releases v pins. A version
// that does not parse (validation refuses those) has none.
func FeaturesOf(v topology.Versions) Features {
	return Features{
		ConsulDNSToken:          atLeast(v.Consul, "1.17.0"),
		ConsulGRPCTLS:           atLeast(v.Consul, "1.14.0"),
		ConsulEnvoyGRPCCAFile:   atLeast(v.Consul, "1.14.1"),
		ConsulConnectByDefault:  atLeast(v.Consul, "1.14.0"),
		NomadClientIntroduction: atLeast(v.Nomad, "1.11.0"),
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
