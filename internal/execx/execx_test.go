package execx

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestQuote(t *testing.T) {
	got := Quote([]string{"vagrant", "up", "--provider=docker", "it's", "a b", ""})
	want := `vagrant up --provider=docker 'it'\''s' 'a b' ''`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestStreamsLinesSplitOnCarriageReturn(t *testing.T) {
	var log bytes.Buffer
	var lines []string
	var mu sync.Mutex // OnLine is called from the stdout and the stderr reader
	r := &Runner{Log: &log, OnLine: func(_ *Cmd, l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }}
	err := r.Run(context.Background(), Command("sh", "-c", `printf '10%%\r50%%\r100%%\ndone\n'; echo oops >&2`))
	if err != nil {
		t.Fatal(err)
	}
	// stderr may interleave anywhere; stdout lines keep their order.
	var stdout []string
	sawErr := false
	for _, l := range lines {
		if l == "oops" {
			sawErr = true
			continue
		}
		stdout = append(stdout, l)
	}
	if strings.Join(stdout, "|") != "10%|50%|100%|done" || !sawErr {
		t.Errorf("lines %q", lines)
	}
	if !strings.HasPrefix(log.String(), "$ sh -c ") {
		t.Errorf("the command line was not logged first:\n%s", log.String())
	}
}

func TestErrorCarriesCommandExitCodeAndTail(t *testing.T) {
	r := &Runner{TailLines: 2, Secrets: []string{"s3cret"}}
	err := r.Run(context.Background(), Command("sh", "-c", `echo one; echo two s3cret; echo three; exit 3`))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v", err, err)
	}
	if e.ExitCode != 3 || len(e.Tail) != 2 || e.Tail[1] != "three" || e.Tail[0] != "two ***" {
		t.Errorf("got %+v", e)
	}
	if strings.Contains(e.Error(), "s3cret") {
		t.Error("secret leaked into the error")
	}
	if !strings.Contains(e.Error(), "sh -c") || !strings.Contains(e.Error(), "status 3") {
		t.Errorf("error lacks the command or status: %s", e)
	}
}

func TestMissingProgramNamesPackage(t *testing.T) {
	old := packages["nomadbox-no-such-tool"]
	packages["nomadbox-no-such-tool"] = "some-package"
	defer func() { packages["nomadbox-no-such-tool"] = old }()
	err := (&Runner{}).Run(context.Background(), Command("nomadbox-no-such-tool"))
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "apt-get install some-package") {
		t.Fatalf("got %v", err)
	}
}

func TestOutputCapturesStdoutOnly(t *testing.T) {
	out, err := (&Runner{}).Output(context.Background(), Command("sh", "-c", "echo out; echo err >&2"))
	if err != nil || string(out) != "out\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestRawStdoutIsNeitherLoggedNorSplit(t *testing.T) {
	var log, raw strings.Builder
	var lines []string
	r := &Runner{Log: &log, OnLine: func(_ *Cmd, l string) { lines = append(lines, l) }}
	c := Command("sh", "-c", `printf 'a\rb\000c'; echo err >&2`)
	c.Stdout = &raw
	if err := r.Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if raw.String() != "a\rb\x00c" {
		t.Errorf("raw stdout %q", raw.String())
	}
	if strings.Contains(log.String(), "\x00") || len(lines) != 1 || lines[0] != "err" {
		t.Errorf("stdout reached the log or OnLine: log %q, lines %q", log.String(), lines)
	}
}

// groupGone says whether no process is left in process group pgid. It
// allows a moment: killed members that were reparented are zombies
// until init reaps them, and kill(2) still finds a zombie.
func groupGone(pgid int) bool {
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) {
			return true
		}
	}
	return false
}

// runAndCancel runs script until its first output line, which is the
// pid of its shell (printed once its children run), then cancels ctx; it returns Run's error, how long Run
// took after the cancel, and the pid.
func runAndCancel(t *testing.T, script string) (error, time.Duration, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pids := make(chan int, 1)
	r := &Runner{OnLine: func(_ *Cmd, l string) {
		if pid, err := strconv.Atoi(l); err == nil {
			pids <- pid
		}
	}}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, Command("sh", "-c", script)) }()
	var pid int
	select {
	case pid = <-pids:
	case err := <-done:
		t.Fatalf("the command ended before it started its children: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the command printed no pid")
	}
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		return err, time.Since(start), pid
	case <-time.After(Grace + 20*time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		t.Fatalf("Run has not returned %s after the cancel: it waits on a pipe a grandchild holds", Grace+20*time.Second)
	}
	return nil, 0, 0
}

func TestCancelEndsTheWholeProcessGroup(t *testing.T) {
	// The grandchildren (the sleeps) hold stdout, as ansible-playbook's
	// forked workers do: killing the shell alone leaves Run reading that
	// pipe for ten minutes.
	err, took, pid := runAndCancel(t, `sleep 600 & sleep 600 & echo $$; wait`)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run's error = %v, want it to wrap context.Canceled", err)
	}
	if took > 3*time.Second {
		t.Errorf("Run returned %s after the cancel, want at once (SIGTERM ends sleep)", took)
	}
	if !groupGone(pid) {
		syscall.Kill(-pid, syscall.SIGKILL)
		t.Errorf("processes of group %d are left after Run returned", pid)
	}
}

func TestCancelKillsWhatIgnoresSIGTERM(t *testing.T) {
	// Ignored SIGTERM is inherited: the shell and both sleeps outlive the
	// first signal and need the SIGKILL Grace later.
	err, took, pid := runAndCancel(t, `trap '' TERM; sleep 600 & sleep 600 & echo $$; wait`)
	if err == nil {
		t.Error("a cancelled command returned no error")
	}
	if took < Grace-time.Second || took > Grace+3*time.Second {
		t.Errorf("Run returned %s after the cancel, want about %s (SIGTERM ignored, then SIGKILL)", took, Grace)
	}
	if !groupGone(pid) {
		syscall.Kill(-pid, syscall.SIGKILL)
		t.Errorf("processes of group %d are left after Run returned", pid)
	}
}

func TestExitWithGrandchildHoldingOutput(t *testing.T) {
	// A command that succeeds but leaves a process holding its output
	// succeeds, after WaitDelay, instead of waiting for that process.
	start := time.Now()
	out, err := (&Runner{}).Output(context.Background(), Command("sh", "-c", `echo $$; sleep 30 & exit 0`))
	if err != nil {
		t.Errorf("Output: %v", err)
	}
	if took := time.Since(start); took > Grace+4*time.Second {
		t.Errorf("Output returned after %s: it waited for the grandchild", took)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

func TestCleanupContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stop, stopCleanup := context.WithCancel(context.Background())
	ctx = WithStop(ctx, stop)
	cancel()
	c, done := CleanupContext(ctx, time.Minute)
	defer done()
	if c.Err() != nil {
		t.Fatal("the cleanup context ended with the cancelled run's")
	}
	if _, ok := c.Deadline(); !ok {
		t.Error("the cleanup context has no deadline")
	}
	stopCleanup()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the second stop did not end the cleanup context")
	}
	// Without a stop it is bounded all the same.
	c2, done2 := CleanupContext(context.Background(), 10*time.Millisecond)
	defer done2()
	select {
	case <-c2.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the cleanup context outlived its bound")
	}
}
