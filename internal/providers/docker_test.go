package providers

import (
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadbox/nomadbox/internal/providers/builtin"
)

func TestParseContainers(t *testing.T) {
	out := "aaa running nomad-server1 /c/.nomadbox/c\n" +
		"bbb exited nomad-client1 /c/.nomadbox/c\n" +
		"ccc running nomad-client2 /other/.nomadbox/c\n" + // another directory's
		"ddd created\n" + // made by Vagrant: no labels
		"eee running\n\nbroken\n"
	got := parseContainers(out, "/c/.nomadbox/c", map[string]string{"nomad-client3": "ddd", "nomad-client4": "gone"})
	want := map[string]container{
		"nomad-server1": {Node: "nomad-server1", ID: "aaa", State: "running"},
		"nomad-client1": {Node: "nomad-client1", ID: "bbb", State: "stopped"},
		"nomad-client3": {Node: "nomad-client3", ID: "ddd", State: "stopped"},
	}
	if !maps.Equal(got, want) {
		t.Errorf("parseContainers = %v, want %v", got, want)
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
	got := vagrantMachineIDs(&builtin.Env{Dir: dir}, "docker")
	want := map[string]string{"nomad-server1": "abc123", "nomad-client1": "def456"}
	if !maps.Equal(got, want) {
		t.Errorf("vagrantMachineIDs = %v, want %v", got, want)
	}
}
