package docker

import (
	"maps"
	"testing"
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
