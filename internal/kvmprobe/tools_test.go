//go:build toolcheck

package kvmprobe

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestRealToolsInitrdIsNewcCpio checks the probe's initrd with GNU cpio: a kernel
// refuses a malformed archive without a word, so the probe would report
// a hang on a host where KVM works.
func TestRealToolsInitrdIsNewcCpio(t *testing.T) {
	testtools.Require(t, "cpio")
	var b bytes.Buffer
	err := WriteCpio(&b, []CpioEntry{
		{Name: "bin", Mode: 0o40755},
		{Name: "bin/busybox", Mode: 0o100755, Data: []byte("12345")},
		{Name: "bin/sh", Mode: 0o120777, Data: []byte("busybox")},
		{Name: "init", Mode: 0o100755, Data: []byte(initScript)},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-i", "-d", "--quiet", "-H", "newc")
	cmd.Dir, cmd.Stdin = dir, &b
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}
	init, err := os.ReadFile(filepath.Join(dir, "init"))
	if err != nil || string(init) != initScript {
		t.Fatalf("init: %q %v", init, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "init")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("init mode: %v %v", fi, err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || target != "busybox" {
		t.Fatalf("bin/sh -> %q %v", target, err)
	}
	if bb, _ := os.ReadFile(filepath.Join(dir, "bin/busybox")); string(bb) != "12345" {
		t.Fatalf("bin/busybox = %q", bb)
	}
}
