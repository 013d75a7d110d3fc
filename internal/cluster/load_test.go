package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every problem at once: a job file that is not one is reported beside
// the topology's own errors, not only once those are fixed, and a job
// whose label is invalid is reported once, for its label (not again as a
// label that differs from the job's ID).
func TestLoadReportsJobFilesBesideTopologyErrors(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "jobs", "web.nomad.hcl"), []byte("job \"web\" {\n}\n"), 0o644)
	src := `cluster "c" {}
provider "docker" {}
network {
  cidr = "127.0.0.0/8"
}
server "nomad-server" {}
client "nomad-client" {}
job "shadow" {
  file = "/etc/shadow"
}
job "../x" {
  file = "jobs/web.nomad.hcl"
}
`
	path := filepath.Join(dir, "topology.hcl")
	os.WriteFile(path, []byte(src), 0o644)
	_, err := Load(context.Background(), path)
	var diags *Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("Load: %v, want diagnostics", err)
	}
	var got []string
	for _, d := range diags.Diags {
		got = append(got, d.Summary)
	}
	want := []string{"CIDR not private", "Invalid job name", "Not a job file"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("diagnostics %q, want %q", got, want)
	}
}
