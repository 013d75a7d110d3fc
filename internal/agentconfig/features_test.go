package agentconfig

import (
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

func TestFeaturesOf(t *testing.T) {
	for _, tc := range []struct {
		consul string
		dns    bool
	}{
		{"1.13.9", false},
		{"1.16.6", false},
		{"1.17.0-rc1", false},
		{"1.17.0", true},
		{"1.22.7", true},
		{"1.22.7+ent", true},
		{"not-a-version", false},
	} {
		got := FeaturesOf(topology.Versions{Consul: tc.consul, Nomad: "1.6.1"})
		if got.ConsulDNSToken != tc.dns {
			t.Errorf("Consul %s: ConsulDNSToken = %v, want %v", tc.consul, got.ConsulDNSToken, tc.dns)
		}
	}
}

// Consul 1.14.0 split TLS gRPC onto its own port and turned Connect on
// by default, in the same release.
func TestFeaturesOfConsul114(t *testing.T) {
	for _, tc := range []struct {
		consul string
		want   bool
	}{
		{"1.13.9", false},
		{"1.14.0-rc1", false},
		{"1.14.0", true},
		{"1.14.1", true},
		{"1.22.7", true},
		{"1.14.0+ent", true},
		{"1.13.9+ent", false},
		{"not-a-version", false},
	} {
		got := FeaturesOf(topology.Versions{Consul: tc.consul, Nomad: "1.6.1"})
		if got.ConsulGRPCTLS != tc.want {
			t.Errorf("Consul %s: ConsulGRPCTLS = %v, want %v", tc.consul, got.ConsulGRPCTLS, tc.want)
		}
		if got.ConsulConnectByDefault != tc.want {
			t.Errorf("Consul %s: ConsulConnectByDefault = %v, want %v", tc.consul, got.ConsulConnectByDefault, tc.want)
		}
	}
}

func TestFeaturesOfConsulEnvoyGRPCCAFile(t *testing.T) {
	for _, tc := range []struct {
		consul string
		want   bool
	}{
		{"1.13.9", false},
		{"1.14.0", false},
		{"1.14.1-rc1", false},
		{"1.14.1", true},
		{"1.22.7", true},
		{"1.14.1+ent", true},
		{"not-a-version", false},
	} {
		got := FeaturesOf(topology.Versions{Consul: tc.consul, Nomad: "1.6.1"})
		if got.ConsulEnvoyGRPCCAFile != tc.want {
			t.Errorf("Consul %s: ConsulEnvoyGRPCCAFile = %v, want %v", tc.consul, got.ConsulEnvoyGRPCCAFile, tc.want)
		}
	}
}

func TestFeaturesOfNomadClientIntroduction(t *testing.T) {
	for _, tc := range []struct {
		nomad string
		want  bool
	}{
		{"1.6.1", false},
		{"1.10.5", false},
		{"1.11.0-beta.1", false},
		{"1.11.0", true},
		{"2.0.5", true},
		{"1.11.0+ent", true},
		{"1.10.5+ent", false},
		{"not-a-version", false},
	} {
		got := FeaturesOf(topology.Versions{Consul: "1.22.7", Nomad: tc.nomad})
		if got.NomadClientIntroduction != tc.want {
			t.Errorf("Nomad %s: NomadClientIntroduction = %v, want %v", tc.nomad, got.NomadClientIntroduction, tc.want)
		}
	}
}
