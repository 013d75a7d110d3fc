package vagrant

import (
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadbox/nomadbox/internal/providers/builtin"
)

func TestVagrantMachineIDs(t *testing.T) {
	dir := t.TempDir()
	for name, id := range map[string]string{"nomad-server1": "abc123\n", "nomad-client1": "def456"} {
		p := filepath.Join(dir, ".vagrant", "machines", name, "docker")
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "id"), []byte(id), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, ".vagrant", "machines", "nomad-client2", "docker"), 0o755) // no id: never created
	got := MachineIDs(&builtin.Env{Dir: dir}, "docker")
	want := map[string]string{"nomad-server1": "abc123", "nomad-client1": "def456"}
	if !maps.Equal(got, want) {
		t.Errorf("MachineIDs = %v, want %v", got, want)
	}
}
