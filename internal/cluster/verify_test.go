package cluster

import (
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// Emulated machines get longer for their canaries than KVM machines and
// containers, which keep verify's default.
func TestCanaryTimeoutFollowsTheMachines(t *testing.T) {
	for _, c := range []struct {
		provider, driver string
		emulated         bool
	}{
		{"libvirt", "qemu", true},
		{"libvirt", "kvm", false},
		{"docker", "", false},
		{"virtualbox", "", false},
	} {
		topo := &topology.Topology{Provider: topology.Provider{Name: c.provider, Config: map[string]any{"driver": c.driver}}}
		got, want := canaryTimeout(topo), verify.DefaultCanaryTimeout
		if c.emulated {
			want = 4 * verify.DefaultCanaryTimeout
		}
		if got != want {
			t.Errorf("%s %q: canary timeout %s, want %s", c.provider, c.driver, got, want)
		}
	}
}
