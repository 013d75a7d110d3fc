package providers

import (
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// TestRegistryMatchesTopology: every provider the topology accepts as
// built in has a package behind it, under its own name, and there is no
// other; a name the two disagree on would parse and then have no provider.
func TestRegistryMatchesTopology(t *testing.T) {
	names := topology.BuiltinProviders()
	if len(specs()) != len(names) {
		t.Errorf("%d built-ins registered, the topology knows %d (%v)", len(specs()), len(names), names)
	}
	for _, name := range names {
		s, ok := specs()[name]
		if !ok || s.Name != name || s.New == nil {
			t.Errorf("built-in %q: registered %v, spec named %q, constructor set %v", name, ok, s.Name, s.New != nil)
		}
	}
}
