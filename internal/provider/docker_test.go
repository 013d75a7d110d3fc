package provider

import (
	"maps"
	"testing"
)

func TestParseDockerPS(t *testing.T) {
	got := parseDockerPS("aaa running\nbbb exited\nccc created\n\nbroken\n")
	want := map[string]string{"aaa": "running", "bbb": "stopped", "ccc": "stopped"}
	if !maps.Equal(got, want) {
		t.Errorf("parseDockerPS = %v, want %v", got, want)
	}
}
