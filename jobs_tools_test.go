//go:build toolcheck

package nomadbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestRealToolsJobs runs every example job through the real `nomad job
// validate` (offline: without an agent Nomad validates everything but the
// driver configuration).
func TestRealToolsJobs(t *testing.T) {
	nomad := testtools.Nomad(t)
	jobs, _ := filepath.Glob("jobs/*.nomad.hcl")
	if len(jobs) == 0 {
		t.Fatal("no jobs/*.nomad.hcl")
	}
	for _, j := range jobs {
		out := testtools.Run(t, ".", nil, nomad, "job", "validate", j)
		if !strings.Contains(out, "Job validation successful") {
			t.Errorf("%s: %s", j, out)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.nomad.hcl")
	os.WriteFile(bad, []byte(`job "x" { group "g" { task "t" { driver = "raw_exec" config { command = "true" } resources { memory = -5 } } } }`), 0o644)
	if out, err := testtools.Output(".", nil, nomad, "job", "validate", bad); err == nil {
		t.Errorf("nomad job validate accepted an invalid job:\n%s", out)
	}
}
