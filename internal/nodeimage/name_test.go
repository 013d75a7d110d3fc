package nodeimage

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	bins := []Binary{{Name: "nomad", SHA256: "n1"}, {Name: "consul", SHA256: "c1"}}
	a := Name("nomadbox/node:bookworm", bins)
	if !strings.HasPrefix(a, "nomadbox/node:bookworm-bin-") || len(a) != len("nomadbox/node:bookworm-bin-")+12 {
		t.Errorf("Name = %q", a)
	}
	// The order of the binaries does not matter; their checksums do.
	if b := Name("nomadbox/node:bookworm", []Binary{bins[1], bins[0]}); b != a {
		t.Errorf("order changed the name: %q vs %q", b, a)
	}
	if c := Name("nomadbox/node:bookworm", []Binary{{Name: "nomad", SHA256: "n2"}, bins[1]}); c == a {
		t.Error("another checksum gave the same name")
	}
	for ref, prefix := range map[string]string{
		"localhost:5000/node":    "localhost:5000/node:bin-",
		"localhost:5000/node:v1": "localhost:5000/node:v1-bin-",
		"nomadbox/node":          "nomadbox/node:bin-",
	} {
		if got := Name(ref, bins); !strings.HasPrefix(got, prefix) {
			t.Errorf("Name(%q) = %q, want prefix %q", ref, got, prefix)
		}
		if got := Repository(ref); got+strings.TrimPrefix(prefix, got) != prefix {
			t.Errorf("Repository(%q) = %q", ref, got)
		}
	}
}
