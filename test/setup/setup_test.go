//go:build e2e

// Package setup proves that scripts/deps.sh sets up a bare Debian system:
// a machine that already has the tools cannot show a missing install
// step, a container from the project's own Debian base image can.
package setup

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

const container = "nomadbox-setup-test"

// TestCleanSystem starts a container from the debootstrap base image
// (nothing but Debian's minbase and what the node image's root needs),
// runs scripts/deps.sh in it without starting a Docker daemon, and checks
// that every tool in testtools.Needs is then present. The same check run
// before deps.sh must find tools missing, or it could not fail.
func TestCleanSystem(t *testing.T) {
	testtools.Require(t, "docker")
	if out, err := testtools.Output("", nil, "docker", "info"); err != nil {
		t.Fatalf("the Docker daemon is not running: start it (`go tool task deps`)\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	image, err := nodeimage.EnsureBase(ctx, nodeimage.BuildOptions{Progress: func(s string) { t.Log(s) }})
	if err != nil {
		t.Fatalf("the base image: %v", err)
	}

	scripts, err := filepath.Abs("../../scripts")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	check := testtools.CheckScript()
	script := "echo '=== before'\n" + check +
		"echo '=== deps'\nbash /nomadbox/scripts/deps.sh --no-daemon 2>&1; echo \"=== deps exit $?\"\n" +
		"echo '=== after'\n" + check +
		"echo '=== recheck'\nbash /nomadbox/scripts/deps.sh --check --no-daemon 2>&1; echo \"=== recheck exit $?\"\n" +
		"echo '=== versions'\n" + versionsScript()
	if err := os.WriteFile(filepath.Join(work, "run.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}

	exec.Command("docker", "rm", "-f", container).Run() // a killed run's leftover
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", container).Run() })
	start := time.Now()
	cmd := exec.CommandContext(ctx, "docker", "run", "--rm", "--name", container,
		"-v", scripts+":/nomadbox/scripts:ro", "-v", work+":/work:ro",
		image, "bash", "/work/run.sh")
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	t.Logf("deps.sh in a bare %s container: %.0fs", image, time.Since(start).Seconds())
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}

	before, after := section(out, "=== before", "=== deps"), section(out, "=== after", "=== recheck")
	_, missingBefore := testtools.ParseCheck(before)
	if len(missingBefore) == 0 {
		t.Errorf("the bare image already has every tool, so this test proves nothing:\n%s", before)
	}
	if !strings.Contains(strings.Join(missingBefore, "\n"), "vagrant-plugin vagrant-libvirt") {
		t.Errorf("the check did not find vagrant-libvirt missing before deps.sh: %v", missingBefore)
	}
	for _, prog := range libvirtTools {
		if !strings.Contains(strings.Join(missingBefore, "\n"), "command "+prog+" ") {
			t.Errorf("the check did not find %s missing before deps.sh: %v", prog, missingBefore)
		}
	}
	for _, prog := range libvirtTools {
		if !strings.Contains(out, "=== "+prog+" runs") {
			t.Errorf("%s --version did not run after deps.sh (a library missing?):\n%s", prog, section(out, "=== versions", "\x00"))
		}
	}
	present, missing := testtools.ParseCheck(after)
	if len(missing) > 0 {
		t.Errorf("after scripts/deps.sh on a clean system these are missing:\n  %s\n--- deps.sh output\n%s",
			strings.Join(missing, "\n  "), tail(section(out, "=== deps", "=== after"), 40))
	}
	if len(present) != len(testtools.Needs) {
		t.Errorf("%d of %d needs checked present after deps.sh:\n%s", len(present), len(testtools.Needs), after)
	}
	if !strings.Contains(out, "=== deps exit 0") {
		t.Errorf("deps.sh --no-daemon failed on a clean system:\n%s", tail(section(out, "=== deps", "=== after"), 40))
	}
	if !strings.Contains(out, "=== recheck exit 0") {
		t.Errorf("deps.sh --check failed right after deps.sh:\n%s", section(out, "=== recheck", "\x00"))
	}
}

// libvirtTools are the libvirt tier's programs: deps.sh must install
// them, and each must run (not only be on PATH).
var libvirtTools = []string{"virsh", "qemu-img", "qemu-system-x86_64"}

// versionsScript runs each of libvirtTools with --version and prints
// "=== PROG runs" for each that exits 0.
func versionsScript() string {
	var b strings.Builder
	for _, prog := range libvirtTools {
		b.WriteString(prog + " --version >/dev/null 2>&1 && echo '=== " + prog + " runs'\n")
	}
	return b.String()
}

// section returns the text between the lines starting with from and to.
func section(out, from, to string) string {
	_, rest, ok := strings.Cut(out, from)
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, to)
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
