package binversion

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for out, want := range map[string]Info{
		"Consul v1.13.9\nRevision 1234\nBuild Date 2023-06-01T00:00:00Z\n": {"consul", "1.13.9"},
		"Nomad v1.6.1\nBuildDate 2023-07-21T13:49:42Z\nRevision 515895c\n": {"nomad", "1.6.1"},
		"Nomad v1.7.0-dev\n":   {"nomad", "1.7.0-dev"},
		"Consul v1.22.7+ent\n": {"consul", "1.22.7"},
		"Nomad v2.0.5\n":       {"nomad", "2.0.5"},
	} {
		got, err := Parse([]byte(out))
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", out, got, err, want)
		}
	}
	for _, out := range []string{"", "hello\n", "Vault v1.15.0\n", "Consul 1.13.9\n", "consul v1.13.9\n", "Nomad v1.6\n"} {
		if got, err := Parse([]byte(out)); err == nil {
			t.Errorf("Parse(%q) = %+v; want an error", out, got)
		}
	}
}

// fakeELF writes an executable that starts like an ELF file; the fake
// runner answers for it, so nothing is executed.
func fakeELF(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, append([]byte{0x7f, 'E', 'L', 'F'}, "rest of the binary"...), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProbeRefusesWhatIsNotAnExecutable(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "consul.txt")
	os.WriteFile(text, []byte("Consul v1.13.9\n"), 0o755)
	script := filepath.Join(dir, "nomad.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho Nomad v1.6.1\n"), 0o755)
	noexec := filepath.Join(dir, "noexec")
	os.WriteFile(noexec, append([]byte{0x7f, 'E', 'L', 'F'}, 0), 0o644)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte{0x7f}, 0o755)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o755); err != nil {
		t.Fatal(err)
	}
	ran := false
	p := &Prober{Run: func(context.Context, string) ([]byte, error) { ran = true; return []byte("Consul v1.13.9\n"), nil }}
	for path, want := range map[string]string{
		text:                          "not an ELF executable",
		script:                        "not an ELF executable",
		short:                         "not an ELF executable",
		noexec:                        "chmod +x",
		dir:                           "not a regular file (it is a directory)",
		fifo:                          "not a regular file (it is a named pipe)",
		filepath.Join(dir, "missing"): "cannot read",
	} {
		_, err := p.Probe(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Probe(%s) = %v; want an error saying %q", filepath.Base(path), err, want)
		}
	}
	if ran {
		t.Error("a file that failed the checks was run")
	}
}

func TestProbeCachesByPathSizeAndTime(t *testing.T) {
	dir := t.TempDir()
	bin := fakeELF(t, dir, "consul")
	runs := 0
	answer := "Consul v1.13.9\n"
	p := &Prober{Run: func(_ context.Context, path string) ([]byte, error) {
		runs++
		return []byte(answer), nil
	}}
	for i := 0; i < 3; i++ {
		if info, err := p.Probe(bin); err != nil || info != (Info{"consul", "1.13.9"}) {
			t.Fatalf("Probe = %+v, %v", info, err)
		}
	}
	if runs != 1 {
		t.Errorf("the binary ran %d times for 3 probes; want 1", runs)
	}
	// A replaced binary is asked again.
	answer = "Consul v1.22.7\n"
	later := time.Now().Add(time.Minute)
	os.Chtimes(bin, later, later)
	if info, _ := p.Probe(bin); info.Version != "1.22.7" || runs != 2 {
		t.Errorf("after the binary changed: %+v after %d runs; want 1.22.7 after 2", info, runs)
	}
}

// The answers outlive the process through the cache file, and a binary
// rewritten in place is asked again.
func TestProbeCacheFile(t *testing.T) {
	dir := t.TempDir()
	bin := fakeELF(t, dir, "nomad")
	other := fakeELF(t, dir, "gone")
	cache := filepath.Join(dir, "cache", "binversion.json")
	runs := 0
	run := func(context.Context, string) ([]byte, error) { runs++; return []byte("Nomad v1.6.1\n"), nil }
	first := &Prober{Run: run, CacheFile: cache}
	first.Probe(other)
	os.Remove(other)
	if _, err := first.Probe(bin); err != nil || runs != 2 {
		t.Fatalf("first probes: %v after %d runs", err, runs)
	}
	second := &Prober{Run: run, CacheFile: cache}
	if info, err := second.Probe(bin); err != nil || info.Version != "1.6.1" || runs != 2 {
		t.Errorf("a new process ran the binary again: %+v, %v, %d runs", info, err, runs)
	}
	b, _ := os.ReadFile(cache)
	if strings.Contains(string(b), "gone") {
		t.Errorf("the entry of a removed binary stayed:\n%s", b)
	}
	// Same size, same mtime, new content: the change time differs.
	st, _ := os.Stat(bin)
	os.WriteFile(bin, append([]byte{0x7f, 'E', 'L', 'F'}, "other binary here!"...), 0o755)
	os.Chtimes(bin, st.ModTime(), st.ModTime())
	third := &Prober{Run: run, CacheFile: cache}
	if third.Probe(bin); runs != 3 {
		t.Errorf("a binary rewritten in place was not asked again (%d runs)", runs)
	}
}

func TestProbeReportsFailureAndSilence(t *testing.T) {
	bin := fakeELF(t, t.TempDir(), "nomad")
	p := &Prober{Timeout: 200 * time.Millisecond, Run: func(ctx context.Context, _ string) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	start := time.Now()
	_, err := p.Probe(bin)
	if err == nil || !strings.Contains(err.Error(), "did not answer within") {
		t.Errorf("a binary that never answers: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Probe took %s; its timeout is 200ms", d)
	}
	p = &Prober{Run: func(context.Context, string) ([]byte, error) {
		return []byte("Usage: vault <command>\n"), nil
	}}
	if _, err := p.Probe(bin); err == nil || !strings.Contains(err.Error(), `did not name a Consul or Nomad release (it printed "Usage: vault <command>")`) {
		t.Errorf("another program: %v", err)
	}
}

// RunVersion must return at its deadline even when the program leaves a
// child that holds the output pipe open, and must end that child.
func TestRunVersionEndsTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "hang")
	pidFile := filepath.Join(dir, "child.pid")
	os.WriteFile(script, []byte("#!/bin/sh\nsleep 60 &\necho $! > "+pidFile+"\nwait\n"), 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	RunVersion(ctx, script)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("RunVersion returned after %s; want shortly after its 300ms deadline", d)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the child %d outlived RunVersion's deadline", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOutputIsBounded(t *testing.T) {
	var b limitedBuffer
	chunk := strings.Repeat("x", 1000)
	for i := 0; i < 1000; i++ {
		if n, err := b.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if b.Len() != maxOutput {
		t.Errorf("kept %d bytes; want %d", b.Len(), maxOutput)
	}
}
