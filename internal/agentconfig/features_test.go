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
