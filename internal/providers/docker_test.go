package providers

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestParseDockerPS(t *testing.T) {
	got := parseDockerPS("aaa running\nbbb exited\nccc created\n\nbroken\n")
	want := map[string]string{"aaa": "running", "bbb": "stopped", "ccc": "stopped"}
	if !maps.Equal(got, want) {
		t.Errorf("parseDockerPS = %v, want %v", got, want)
	}
}

func TestVagrantMachineIDs(t *testing.T) {
	dir := t.TempDir()
	for name, id := range map[string]string{"nomad-server1": "abc123\n", "nomad-client1": "def456"} {
		p := filepath.Join(dir, ".vagrant", "machines", name, "docker")
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "id"), []byte(id), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, ".vagrant", "machines", "nomad-client2", "docker"), 0o755) // no id: never created
	got := vagrantMachineIDs(&Env{Dir: dir}, "docker")
	want := map[string]string{"nomad-server1": "abc123", "nomad-client1": "def456"}
	if !maps.Equal(got, want) {
		t.Errorf("vagrantMachineIDs = %v, want %v", got, want)
	}
}
