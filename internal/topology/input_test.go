package topology

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

const minimalTopology = `cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
`

// parseFileWithin runs ParseFile and fails the test if it does not
// return within d: the guard against reads that block or never end.
func parseFileWithin(t *testing.T, path string, d time.Duration) hcl.Diagnostics {
	t.Helper()
	done := make(chan hcl.Diagnostics, 1)
	go func() {
		_, diags := NewParser().ParseFile(path)
		done <- diags
	}()
	select {
	case diags := <-done:
		return diags
	case <-time.After(d):
		t.Fatalf("ParseFile(%q) still running after %s", path, d)
		return nil
	}
}

// wantOneError checks diags hold a single error whose summary and detail
// contain the given texts.
func wantOneError(t *testing.T, diags hcl.Diagnostics, summary, detail string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != hcl.DiagError {
		t.Fatalf("want one error, got:%s", describe(diags))
	}
	if d := diags[0]; !strings.Contains(d.Summary, summary) || !strings.Contains(d.Detail, detail) {
		t.Fatalf("want %q / %q, got:%s", summary, detail, describe(diags))
	}
}

func TestTopologyFileRefusals(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.hcl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.hcl")
	if err := os.WriteFile(big, []byte(strings.Repeat("#", MaxInputSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, path, summary, detail string
	}{
		{"empty path", "", "No topology file given", "-f was given an empty path"},
		{"missing", filepath.Join(dir, "nope.hcl"), "Cannot read topology file", "nomadbox init"},
		{"directory", dir, "Cannot read topology file", "is a directory"},
		{"fifo", fifo, "Cannot read topology file", "named pipe (FIFO)"},
		{"symlink to fifo", link("fifo-link.hcl", fifo), "Cannot read topology file", "named pipe (FIFO)"},
		{"dev zero", "/dev/zero", "Cannot read topology file", "character device"},
		{"symlink to dev zero", link("zero.hcl", "/dev/zero"), "Cannot read topology file", "character device"},
		{"too large", big, "Cannot read topology file", "larger than 1048576 bytes (1 MiB)"},
		{"symlink to too large", link("big-link.hcl", big), "Cannot read topology file", "larger than 1048576 bytes"},
		{"dangling symlink", link("dangling.hcl", filepath.Join(dir, "gone")), "Cannot read topology file", "There is no"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantOneError(t, parseFileWithin(t, c.path, 5*time.Second), c.summary, c.detail)
		})
	}
}

func TestTopologyFileThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.hcl")
	if err := os.WriteFile(real, []byte(minimalTopology), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "topology.hcl")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if diags := parseFileWithin(t, link, 5*time.Second); diags.HasErrors() {
		t.Fatalf("a symlink to a topology must be read:%s", describe(diags))
	}
}

// endless is a reader that never ends, like /dev/zero, until it has
// given 4 MiB: a read without bound then fails instead of eating memory.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n += len(p); e.n > 4*MaxInputSize {
		return 0, errors.New("read far past the limit")
	}
	return len(p), nil
}

// TestReadInputLimit checks the limit is exact: MaxInputSize bytes are
// read, and a file that says nothing of its size (a /proc file, one that
// grows) is cut off one byte later instead of read forever.
func TestReadInputLimit(t *testing.T) {
	if _, err := readBounded(&endless{}, "endless", "file"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("an endless file: %v", err)
	}
	dir := t.TempDir()
	at := filepath.Join(dir, "at.hcl")
	if err := os.WriteFile(at, make([]byte, MaxInputSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if src, err := readInput(at, "file"); err != nil || len(src) != MaxInputSize {
		t.Fatalf("a file of exactly %d bytes: %d bytes, %v", MaxInputSize, len(src), err)
	}
}
