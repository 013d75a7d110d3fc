package nodeexec

import (
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// The classical key exchanges only where the login key is Vagrant's
// published one: the user's own machines keep OpenSSH's defaults.
func TestArgsKexAlgorithms(t *testing.T) {
	n := topology.Node{Name: "nomad-client1"}
	kex := "KexAlgorithms=" + KexAlgorithms
	for _, tc := range []struct {
		why   string
		topo  topology.Topology
		reach map[string]provider.SSH
		want  bool
	}{
		{"docker provider", topology.Topology{Provider: topology.Provider{Name: "docker"}}, nil, true},
		{"a VM provider", topology.Topology{Provider: topology.Provider{Name: "libvirt"}}, nil, true},
		{"ssh provider", topology.Topology{Provider: topology.Provider{Name: "ssh", Config: map[string]any{"user": "ops", "private_key": "/k", "port": 22}}}, nil, false},
		{"a plugin without Vagrant", topology.Topology{Provider: topology.Provider{Name: "acme", Plugin: true}}, nil, false},
		// A plugin whose machines Vagrant makes gets ClassicalKex from
		// its capability (the session sets it, as here).
		{"a Vagrant plugin's machine with its own key", topology.Topology{Provider: topology.Provider{Name: "acme", Plugin: true}},
			map[string]provider.SSH{n.Name: {PrivateKeyPath: "/own/key"}}, false},
	} {
		s := For(&tc.topo, nil, t.TempDir())
		s.Reach = tc.reach
		if tc.reach != nil {
			s.ClassicalKex = true
		}
		args := strings.Join(s.Args(n, false), " ")
		if got := strings.Contains(args, kex); got != tc.want {
			t.Errorf("%s: ssh %s; want KexAlgorithms %v", tc.why, args, tc.want)
		}
	}
}
