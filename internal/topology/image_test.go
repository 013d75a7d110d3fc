package topology

import (
	"strings"
	"testing"
)

func TestImageReference(t *testing.T) {
	valid := []string{
		"nomadbox/node:bookworm", "localhost/nomadbox-canary:1", "debian", "debian:12.5-slim",
		"registry.example.com:5000/team/app_x__y.z-w:v1.0", "[::1]:5000/app:1",
		"busybox@sha256:" + strings.Repeat("a", 64), "app:tag@sha256:" + strings.Repeat("0", 64),
		DefaultDockerImage, CanaryImage,
	}
	for _, ref := range valid {
		if why := CheckImageReference(ref); why != "" {
			t.Errorf("%q refused: %s", ref, why)
		}
	}
	invalid := map[string]string{
		"UPPER case :: no":                 "spaces",
		"Nomadbox/Node:bookworm":           "upper-case",
		"nomadbox/node:":                   "form",
		"nomadbox//node":                   "form",
		"-node":                            "form",
		"node:" + strings.Repeat("t", 129): "form",
		"node@sha256:abc":                  "form",
		"":                                 "empty",
		strings.Repeat("a", 256):           "longer than 255",
	}
	for ref, why := range invalid {
		if got := CheckImageReference(ref); !strings.Contains(got, why) {
			t.Errorf("%q: got %q, want it to say %q", ref, got, why)
		}
	}
}
