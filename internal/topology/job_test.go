package topology

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// checkJobIn writes a topology with one job block naming file into dir
// and returns what CheckHost says about it, failing if that takes long.
func checkJobIn(t *testing.T, dir, label, file string) hcl.Diagnostics {
	t.Helper()
	src := minimalTopology + "job \"" + label + "\" {\n  file = \"" + file + "\"\n}\n"
	topo, diags := NewParser().Parse([]byte(src), filepath.Join(dir, "topology.hcl"))
	if diags.HasErrors() {
		t.Fatalf("topology:%s", describe(diags))
	}
	done := make(chan hcl.Diagnostics, 1)
	go func() { done <- topo.CheckHost() }()
	select {
	case d := <-done:
		return d
	case <-time.After(5 * time.Second):
		t.Fatalf("CheckHost still running after 5s for %s", file)
		return nil
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestJobFileNeverEchoed guards that a file which is not a job file is
// refused by its name before it is read, so none of its bytes can end up
// in a message (a parse error of /etc/shadow would quote its lines).
func TestJobFileNeverEchoed(t *testing.T) {
	dir := t.TempDir()
	const secret = "root:$6$SECRETHASH:19000:0:99999:7:::\n"
	writeFile(t, filepath.Join(dir, "shadow"), secret)
	writeFile(t, filepath.Join(dir, "notes.txt"), secret)
	if err := os.Symlink(filepath.Join(dir, "shadow"), filepath.Join(dir, "shadow.nomad.hcl")); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"shadow", "notes.txt", "shadow.nomad.hcl"} {
		diags := checkJobIn(t, dir, "web", file)
		wantOneError(t, diags, "Not a job file", "is not a Nomad job file")
		if strings.Contains(describe(diags), "SECRETHASH") {
			t.Fatalf("%s: a message quotes the file:%s", file, describe(diags))
		}
	}
}

func TestJobFileRefusals(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.nomad.hcl"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.nomad.hcl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.nomad")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "big.nomad.hcl"), "job \"web\" {}\n"+strings.Repeat("#", MaxInputSize))
	writeFile(t, filepath.Join(dir, ".hcl"), "job \"web\" {}\n")
	for _, c := range []struct{ file, summary, detail string }{
		{"fifo.nomad.hcl", "Not a regular file", "named pipe (FIFO)"},
		{"dir.nomad.hcl", "Not a regular file", "a directory"},
		{"zero.nomad", "Not a job file", "resolves to /dev/zero"},
		{"big.nomad.hcl", "File too large", "larger than 1048576 bytes"},
		{".hcl", "Not a job file", "*.nomad.hcl"},
		{"gone.nomad.hcl", "File not found", `"gone.nomad.hcl" does not exist`},
	} {
		t.Run(c.file, func(t *testing.T) {
			wantOneError(t, checkJobIn(t, dir, "web", c.file), c.summary, c.detail)
		})
	}
}

// TestJobFileSyntaxError checks a job file that does not parse is
// reported where the error is, in the job file.
func TestJobFileSyntaxError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "web.nomad.hcl"), "job \"web\" {\n  group \"g\" {\n}\n")
	diags := checkJobIn(t, dir, "web", "web.nomad.hcl")
	if !diags.HasErrors() {
		t.Fatal("a job file with an unclosed block was accepted")
	}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename != filepath.Join(dir, "web.nomad.hcl") {
			t.Fatalf("want diagnostics in the job file, got:%s", describe(diags))
		}
	}
}

// TestJobFileThroughSymlink: a symlink to a job file is fine, and the
// example jobs nomadbox ships all pass.
func TestJobFileThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real, err := filepath.Abs("../../jobs/fabio.nomad.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "fabio-link.nomad.hcl")); err != nil {
		t.Fatal(err)
	}
	if diags := checkJobIn(t, dir, "fabio", "fabio-link.nomad.hcl"); len(diags) > 0 {
		t.Fatalf("symlinked job file:%s", describe(diags))
	}
	examples, _ := filepath.Glob("../../jobs/*.nomad.hcl")
	if len(examples) == 0 {
		t.Fatal("no example jobs found")
	}
	for _, ex := range examples {
		abs, _ := filepath.Abs(ex)
		label := strings.TrimSuffix(filepath.Base(ex), ".nomad.hcl")
		if diags := checkJobIn(t, dir, label, abs); len(diags) > 0 {
			t.Errorf("%s:%s", ex, describe(diags))
		}
	}
}

func TestPrivateKeyMustBeRegular(t *testing.T) {
	src := `cluster "x" {}
provider "ssh" {
  private_key = "/dev/zero"
  hosts = { "nomad-server1" = "10.0.0.5", "nomad-client1" = "10.0.0.6" }
}
server "nomad-server" {}
client "nomad-client" {}
`
	topo, diags := sshParser().Parse([]byte(src), "topology.hcl")
	if diags.HasErrors() {
		t.Fatalf("topology:%s", describe(diags))
	}
	wantOneError(t, topo.CheckHost(), "Not a regular file", "character device")
}
