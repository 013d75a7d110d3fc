package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nomadbox/nomadbox/internal/pluginwire"
	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/provider"
)

// The test binary is also the plugin the subprocess tests launch: with
// modeEnv set it serves a scriptedProvider instead of running the tests.
const (
	modeEnv = "NOMADBOX_PROVIDER_TEST_MODE"
	// dirEnv is a directory the test and the plugin share to take turns.
	dirEnv = "NOMADBOX_PROVIDER_TEST_DIR"
)

const (
	// crashContext then crashLine are what the crashing plugin writes to
	// its stderr before it exits.
	crashContext = "fake plugin: talking to the hypervisor"
	crashLine    = "FATAL: hypervisor went away (test crash marker)"
	// rawHelloLine is what the plugin writes to its process's stderr (file
	// descriptor 2, where a panic or a logger made before Serve writes) on
	// Describe; helloLine is what it writes to os.Stderr, which go-plugin's
	// Serve has replaced by a pipe it forwards over gRPC.
	rawHelloLine = "fake plugin: describing myself on fd 2"
	helloLine    = "fake plugin: describing myself on os.Stderr"
)

// realStderr and realStdout are the plugin process's file descriptors 2
// and 1, saved before go-plugin replaces os.Stderr and os.Stdout.
var realStderr, realStdout = os.Stderr, os.Stdout

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		runPlugin(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runPlugin serves the provider for mode; it returns when nomadbox is done.
func runPlugin(mode string) {
	p := &scriptedProvider{mode: mode, dir: os.Getenv(dirEnv)}
	if mode == "v2" {
		// A plugin built for another protocol version: it never gets as
		// far as answering a call.
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  pluginwire.Handshake,
			VersionedPlugins: pluginwire.PluginSets(2, pb.UnimplementedProviderServer{}),
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	provider.Serve(p)
}

// scriptedProvider is the provider of the plugin subprocess.
type scriptedProvider struct {
	mode string
	dir  string
}

func (s *scriptedProvider) Describe(context.Context) (*provider.Description, error) {
	fmt.Fprintln(realStderr, rawHelloLine)
	fmt.Fprintln(os.Stderr, helloLine)
	return &provider.Description{Name: "fake", Version: "0.0.1", Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{CanHalt: true, ReportsAddresses: true}}, nil
}

func (s *scriptedProvider) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: []provider.Attribute{{Name: "region", Type: provider.TypeString, Default: "eu-west-1"}}}, nil
}

func (s *scriptedProvider) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	if c.Config["region"] == "mars-1" {
		return nil, errors.New("region mars-1 does not exist: use eu-west-1")
	}
	return nil, nil
}

func (s *scriptedProvider) List(_ context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	if s.mode == "hang-child" {
		// A child that holds the plugin's stdout and stderr, as a
		// hypervisor's CLI started by a plugin does.
		child := exec.Command("sleep", "600")
		child.Stdout, child.Stderr = realStdout, realStderr
		if err := child.Start(); err != nil {
			return nil, err
		}
	}
	if s.mode == "hang" || s.mode == "hang-child" {
		time.Sleep(time.Hour) // ignores its context, as a stuck plugin does
	}
	var out []provider.Machine
	for _, n := range c.Nodes {
		out = append(out, provider.Machine{Name: n.Name, State: provider.StateRunning, Address: n.Address,
			SSH: provider.SSH{Port: 22, User: "root", PrivateKeyPath: "/keys/" + n.Name}})
	}
	return out, nil
}

func (s *scriptedProvider) Preflight(context.Context, *provider.Cluster, provider.Progress) error {
	return nil
}

func (s *scriptedProvider) Up(_ context.Context, _ *provider.Cluster, names []string, progress provider.Progress) error {
	if s.mode == "crash" {
		progress("creating " + strings.Join(names, ","))
		// Take turns with the test so that nothing is lost to timing: wait
		// until nomadbox has the progress line, write to stderr, wait
		// until nomadbox has read that, crash.
		s.waitFor("crash")
		// Straight to file descriptor 2, as the runtime writes a panic.
		fmt.Fprintln(realStderr, crashContext)
		fmt.Fprintln(realStderr, crashLine)
		s.waitFor("exit")
		os.Exit(3)
	}
	progress("up " + strings.Join(names, ","))
	return nil
}

// waitFor waits until the test has created the file name in s.dir.
func (s *scriptedProvider) waitFor(name string) {
	for {
		if _, err := os.Stat(filepath.Join(s.dir, name)); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *scriptedProvider) Halt(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}
func (s *scriptedProvider) Destroy(context.Context, *provider.Cluster, []string, provider.Progress) error {
	return nil
}

// syncBuffer is a bytes.Buffer safe to write from go-plugin's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// launch starts the test binary as a plugin in mode.
func launch(t *testing.T, mode string, timeouts Timeouts, stderr *syncBuffer) *Plugin {
	t.Helper()
	p, err := Launch(context.Background(), launchOptions(t, mode, timeouts, stderr))
	if err != nil {
		t.Fatalf("Launch(%s): %v", mode, err)
	}
	t.Cleanup(p.Close)
	return p
}

func launchOptions(t *testing.T, mode string, timeouts Timeouts, stderr *syncBuffer) LaunchOptions {
	opts := LaunchOptions{
		Name:     "fake",
		Path:     os.Args[0],
		Env:      []string{modeEnv + "=" + mode, dirEnv + "=" + t.TempDir()},
		Timeouts: timeouts,
	}
	if stderr != nil {
		opts.Stderr = stderr
	}
	return opts
}

func touch(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
		t.Error(err)
	}
}

// waitUntil polls cond for up to d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("gave up waiting for %s", what)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exited says whether the plugin's process has ended.
func exited(p *Plugin) bool { return p.client.Exited() }

func TestLaunchOK(t *testing.T) {
	stderr := &syncBuffer{}
	p := launch(t, "ok", Timeouts{Start: 10 * time.Second, Short: 10 * time.Second, List: 10 * time.Second, Long: 10 * time.Second}, stderr)
	ctx := context.Background()

	d, err := p.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := &provider.Description{Name: "fake", Version: "0.0.1", Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{CanHalt: true, ReportsAddresses: true}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Describe = %+v, want %+v", d, want)
	}

	c := &provider.Cluster{Name: "demo", Nodes: []provider.Node{
		{Name: "server-1", Address: "10.0.0.10"}, {Name: "client-1", Address: "10.0.0.20"},
	}}
	ms, err := p.List(ctx, c)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	wantMs := []provider.Machine{
		{Name: "server-1", State: provider.StateRunning, Address: "10.0.0.10", SSH: provider.SSH{Port: 22, User: "root", PrivateKeyPath: "/keys/server-1"}},
		{Name: "client-1", State: provider.StateRunning, Address: "10.0.0.20", SSH: provider.SSH{Port: 22, User: "root", PrivateKeyPath: "/keys/client-1"}},
	}
	if !reflect.DeepEqual(ms, wantMs) {
		t.Errorf("List = %+v, want %+v", ms, wantMs)
	}

	var progress []string
	if err := p.Up(ctx, c, []string{"server-1", "client-1"}, func(l string) { progress = append(progress, l) }); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if want := []string{"up server-1,client-1"}; !reflect.DeepEqual(progress, want) {
		t.Errorf("Up progress = %q, want %q", progress, want)
	}

	// The plugin's own error names the provider and the call, and is not
	// taken for a crash or a hang.
	_, err = p.Validate(ctx, &provider.Cluster{Config: map[string]any{"region": "mars-1"}})
	wantErr := `provider "fake": Validate: region mars-1 does not exist: use eu-west-1`
	if err == nil || err.Error() != wantErr {
		t.Errorf("Validate's error = %v, want %q", err, wantErr)
	}
	if exited(p) {
		t.Fatal("the plugin exited after returning an error")
	}
	// It still answers after its error.
	if _, err := p.Schema(ctx); err != nil {
		t.Errorf("Schema after an error: %v", err)
	}

	p.Close()
	if !exited(p) {
		t.Error("the plugin's process still runs after Close")
	}
	// Close has waited for the plugin's stderr.
	if !strings.Contains(stderr.String(), rawHelloLine+"\n") {
		t.Errorf("LaunchOptions.Stderr got %q, want it to hold %q", stderr.String(), rawHelloLine)
	}
	if _, err := p.Describe(ctx); err == nil {
		t.Error("Describe after Close: no error")
	}
}

func TestLaunchPluginWritesToOSStderr(t *testing.T) {
	// "Anything a plugin writes to stderr goes into the cluster's log":
	// also what it writes to os.Stderr, which go-plugin's Serve replaces by
	// a pipe forwarded over gRPC to ClientConfig.SyncStderr.
	stderr := &syncBuffer{}
	p := launch(t, "ok", Timeouts{}, stderr)
	if _, err := p.Describe(context.Background()); err != nil {
		t.Fatalf("Describe: %v", err)
	}
	// The forwarded stream has no end to wait for: give it time.
	waitUntil(t, 5*time.Second, "the line written to os.Stderr to reach LaunchOptions.Stderr", func() bool {
		return strings.Contains(stderr.String(), helloLine+"\n")
	})
	// And it is among the lines an error would quote.
	if !slices.Contains(p.stderr.lines(), helloLine) {
		t.Errorf("the plugin's last stderr lines %q miss %q", p.stderr.lines(), helloLine)
	}
}

func TestLaunchNoStderrWriter(t *testing.T) {
	// Stderr is optional.
	p := launch(t, "ok", Timeouts{}, nil)
	if _, err := p.Describe(context.Background()); err != nil {
		t.Fatalf("Describe: %v", err)
	}
}

func TestLaunchDefaultTimeouts(t *testing.T) {
	p := launch(t, "ok", Timeouts{List: 7 * time.Second}, nil)
	want := DefaultTimeouts()
	want.List = 7 * time.Second
	if p.Timeouts != want {
		t.Errorf("Timeouts = %+v, want %+v (the unset ones default)", p.Timeouts, want)
	}
}

func TestLaunchProtocolMismatch(t *testing.T) {
	stderr := &syncBuffer{}
	p, err := Launch(context.Background(), launchOptions(t, "v2", Timeouts{Start: 10 * time.Second}, stderr))
	if err == nil {
		p.Close()
		t.Fatal("Launch of a plugin speaking protocol 2: no error")
	}
	for _, want := range []string{`"fake"`, os.Args[0], "version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Launch's error %q does not mention %q", err, want)
		}
	}
	const want = "another version of the provider protocol"
	if strings.Contains(err.Error(), want) {
		return
	}
	t.Errorf("Launch's error %q does not mention %q", err, want)
}

func TestLaunchNotAPlugin(t *testing.T) {
	// A program that does not speak go-plugin fails Launch, and the error
	// quotes what it wrote to stderr.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("sh is not on PATH")
	}
	_, err = Launch(context.Background(), LaunchOptions{
		Name: "broken", Path: sh,
		Args:     []string{"-c", "echo 'missing libvirt.so' >&2; exit 1"},
		Timeouts: Timeouts{Start: 10 * time.Second},
	})
	if err == nil {
		t.Fatal("Launch of a program that exits: no error")
	}
	for _, want := range []string{`provider plugin "broken"`, "did not start", "missing libvirt.so"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Launch's error %q does not mention %q", err, want)
		}
	}
}

func TestLaunchCrashDuringCall(t *testing.T) {
	stderr := &syncBuffer{}
	opts := launchOptions(t, "crash", Timeouts{Start: 10 * time.Second, Long: 10 * time.Second}, stderr)
	dir := strings.TrimPrefix(opts.Env[1], dirEnv+"=")
	p, err := Launch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	t.Cleanup(p.Close)

	var progress []string
	err = p.Up(context.Background(), &provider.Cluster{Name: "demo"}, []string{"server-1"}, func(l string) {
		progress = append(progress, l)
		// Now the plugin may write its last words; once they are read
		// it crashes. (Without this turn-taking the error could miss
		// them: Plugin.failure quotes stderr as soon as the call fails,
		// and go-plugin may not have read the last lines by then.)
		touch(t, dir, "crash")
		waitUntil(t, 10*time.Second, "the plugin's stderr line to be read", func() bool {
			return slices.Contains(p.stderr.lines(), crashLine)
		})
		touch(t, dir, "exit")
	})
	if err == nil {
		t.Fatal("Up of a plugin that crashes: no error")
	}
	for _, want := range []string{`provider plugin "fake"`, "stopped during Up", crashContext + "\n  " + crashLine} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Up's error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "in time") {
		t.Errorf("Up's error %q takes the crash for a hang", err)
	}
	if want := []string{"creating server-1"}; !reflect.DeepEqual(progress, want) {
		t.Errorf("progress = %q, want %q", progress, want)
	}
}

func TestLaunchHang(t *testing.T) {
	p := launch(t, "hang", Timeouts{Start: 10 * time.Second, List: 1 * time.Second}, nil)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := p.List(context.Background(), &provider.Cluster{Name: "demo"})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("List of a hung plugin has not returned after 10s; its timeout is 1s")
	}
	took := time.Since(start)
	if err == nil {
		t.Fatal("List of a plugin that hangs: no error")
	}
	if !strings.Contains(err.Error(), "did not answer List in time") {
		t.Errorf("List's error %q does not say it did not answer in time", err)
	}
	if strings.Contains(err.Error(), "stopped during") {
		t.Errorf("List's error %q takes the hang for a crash", err)
	}
	if took < time.Second || took > 5*time.Second {
		t.Errorf("List returned after %s, want about 1s", took)
	}
	if !exited(p) {
		// On a loaded machine this can also be the known bug that
		// TestLaunchDeadlineFromPlugin makes happen every time: the
		// plugin's gRPC server times the call out (and tells nomadbox
		// DeadlineExceeded) a moment before nomadbox's own context does.
		t.Error("the hung plugin was not stopped")
	}
}

// deadlineFirst is a Provider whose List fails as a hung plugin's does when
// its gRPC server, which learnt the deadline from nomadbox, times the call
// out a moment before nomadbox's own timer fires.
type deadlineFirst struct{ remote }

func (deadlineFirst) List(context.Context, *provider.Cluster) ([]provider.Machine, error) {
	return nil, status.Error(codes.DeadlineExceeded, "stream terminated by RST_STREAM with error code: CANCEL")
}

func TestLaunchDeadlineFromPlugin(t *testing.T) {
	p := launch(t, "ok", Timeouts{List: time.Minute}, nil)
	p.impl = deadlineFirst{p.impl}
	_, err := p.List(context.Background(), &provider.Cluster{Name: "demo"})
	if err == nil || !strings.Contains(err.Error(), "did not answer List in time and was stopped") {
		t.Fatalf("List's error = %v, want it to say it did not answer in time", err)
	}
	if exited(p) {
		return
	}
	t.Error(`the error says the plugin "was stopped" but it still runs`)
}

func TestLaunchCallerCancelIsNotAHang(t *testing.T) {
	// A call cancelled by nomadbox (Ctrl-C) is neither a hang nor a crash,
	// and the plugin keeps running.
	p := launch(t, "hang", Timeouts{Start: 10 * time.Second, List: time.Minute}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := p.List(ctx, &provider.Cluster{Name: "demo"})
	if err == nil {
		t.Fatal("cancelled List: no error")
	}
	if msg := err.Error(); strings.Contains(msg, "in time") || strings.Contains(msg, "stopped during") {
		t.Errorf("cancelled List's error %q blames the plugin", err)
	}
	if exited(p) {
		t.Error("the plugin was stopped because nomadbox cancelled a call")
	}
}

func TestPluginStartedByHand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, pluginwire.Handshake.MagicCookieKey+"=") && !strings.HasPrefix(kv, "PLUGIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, modeEnv+"=ok")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the plugin started by hand did not exit (it served?); output:\n%s", out)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() == 0 {
		t.Errorf("the plugin started by hand: err = %v, want a non-zero exit; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "This binary is a plugin") {
		t.Errorf("the plugin started by hand said %q, want go-plugin's message", out)
	}
}

func TestLastLines(t *testing.T) {
	write := func(l *lastLines, parts ...string) {
		for _, p := range parts {
			n, err := l.Write([]byte(p))
			if n != len(p) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", p, n, err)
			}
		}
	}
	cases := []struct {
		name  string
		max   int
		parts []string
		want  []string
	}{
		{"nothing", 3, nil, nil},
		{"fewer than max", 3, []string{"a\nb\n"}, []string{"a", "b"}},
		{"only the last max", 3, []string{"1\n2\n3\n4\n5\n"}, []string{"3", "4", "5"}},
		{"across writes", 2, []string{"1\n", "2\n", "3\n", "4\n"}, []string{"3", "4"}},
		{"partial writes", 5, []string{"hel", "lo\nwor", "ld", "\n"}, []string{"hello", "world"}},
		{"byte at a time", 5, strings.Split("one\ntwo\n", ""), []string{"one", "two"}},
		{"CRLF", 5, []string{"dos\r\nline\r", "\n"}, []string{"dos", "line"}},
		{"blank lines skipped", 5, []string{"a\n\n\r\nb\n"}, []string{"a", "b"}},
		{"unfinished last line", 5, []string{"a\nhalf a li", "ne"}, []string{"a", "half a line"}},
		{"max 1", 1, []string{"x\ny\nz\n"}, []string{"z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &lastLines{max: c.max}
			write(l, c.parts...)
			if got := l.lines(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("lines() = %q, want %q", got, c.want)
			}
		})
	}

	t.Run("lines is a copy", func(t *testing.T) {
		l := &lastLines{max: 3}
		write(l, "a\nb\n")
		got := l.lines()
		got[0] = "changed"
		if again := l.lines(); again[0] != "a" {
			t.Errorf("changing what lines() returned changed the kept lines: %q", again)
		}
	})

	t.Run("concurrent writes", func(t *testing.T) {
		l := &lastLines{max: 1000}
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					_, _ = l.Write([]byte("line\n"))
					_ = l.lines()
				}
			}()
		}
		wg.Wait()
		if n := len(l.lines()); n != 500 {
			t.Errorf("%d lines kept, want 500", n)
		}
	})
}

func TestWithStderr(t *testing.T) {
	p := &Plugin{Name: "fake", stderr: &lastLines{max: stderrLines}}
	quiet := errors.New("boom")
	if err := p.withStderr(quiet); err.Error() != "boom (it wrote nothing to stderr)" || !errors.Is(err, quiet) {
		t.Errorf("with no stderr: %q (wraps the error: %v)", err, errors.Is(err, quiet))
	}
	for i := range 15 {
		fmt.Fprintf(p.stderr, "line %d\n", i)
	}
	base := errors.New("boom")
	err := p.withStderr(base)
	if !errors.Is(err, base) {
		t.Error("withStderr does not wrap the error")
	}
	msg := err.Error()
	if strings.Contains(msg, "line 4\n") || !strings.Contains(msg, "line 5\n") || !strings.HasSuffix(msg, "  line 14") {
		t.Errorf("withStderr quotes other than the last %d lines: %q", stderrLines, msg)
	}
}

// markerEnv marks every process a test starts (the plugin and its
// children inherit it), so the test can look for what is left.
const markerEnv = "NOMADBOX_PROVIDER_TEST_MARKER"

// leftovers lists what is left of the processes the test started.
func leftovers(marker string) []string { return testtools.Leftovers(markerEnv, marker) }

// stuckScript writes a plugin that never answers go-plugin's handshake:
// a shell wrapper whose child holds the pipes.
func stuckScript(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nomadbox-provider-stuck")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nsleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// launchBounded runs Launch in the background and fails the test if it
// has not returned within limit.
func launchBounded(t *testing.T, ctx context.Context, opts LaunchOptions, limit time.Duration) (*Plugin, error, time.Duration) {
	t.Helper()
	type result struct {
		p   *Plugin
		err error
	}
	start := time.Now()
	done := make(chan result, 1)
	go func() {
		p, err := Launch(ctx, opts)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.p, r.err, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("Launch has not returned after %s", limit)
	}
	return nil, nil, 0
}

func TestLaunchNeverHandshakes(t *testing.T) {
	marker := t.Name() + fmt.Sprint(time.Now().UnixNano())
	path := stuckScript(t)
	opts := LaunchOptions{Name: "stuck", Path: path, Env: []string{markerEnv + "=" + marker}, Timeouts: Timeouts{Start: 2 * time.Second}}
	p, err, took := launchBounded(t, context.Background(), opts, 20*time.Second)
	if err == nil {
		p.Close()
		t.Fatal("Launch of a plugin that never handshakes: no error")
	}
	for _, want := range []string{`provider plugin "stuck"`, path, "did not start", "handshake within 2s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Launch's error %q does not mention %q", err, want)
		}
	}
	if took > 2*time.Second+3*time.Second {
		t.Errorf("Launch returned after %s; the start timeout is 2s", took)
	}
	if left := leftovers(marker); len(left) > 0 {
		t.Errorf("processes of the plugin are left: %q", left)
	}
}

func TestLaunchCancelledWhileStarting(t *testing.T) {
	// Ctrl-C while a plugin starts returns at once, not at its timeout.
	marker := t.Name() + fmt.Sprint(time.Now().UnixNano())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	opts := LaunchOptions{Name: "stuck", Path: stuckScript(t), Env: []string{markerEnv + "=" + marker}, Timeouts: Timeouts{Start: time.Minute}}
	p, err, took := launchBounded(t, ctx, opts, 20*time.Second)
	if err == nil {
		p.Close()
		t.Fatal("cancelled Launch: no error")
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `"stuck"`) {
		t.Errorf("cancelled Launch's error = %v, want context.Canceled naming the plugin", err)
	}
	if took > 3*time.Second {
		t.Errorf("cancelled Launch returned after %s, want at once", took)
	}
	if left := leftovers(marker); len(left) > 0 {
		t.Errorf("processes of the plugin are left: %q", left)
	}
}

func TestLaunchHangWithChildHoldingPipes(t *testing.T) {
	// The plugin hangs in a call while a child of its own holds its
	// stdout and stderr: go-plugin's Kill alone waits for those pipes.
	marker := t.Name() + fmt.Sprint(time.Now().UnixNano())
	opts := launchOptions(t, "hang-child", Timeouts{Start: 10 * time.Second, List: time.Second}, nil)
	opts.Env = append(opts.Env, markerEnv+"="+marker)
	p, err := Launch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := p.List(context.Background(), &provider.Cluster{Name: "demo"})
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("List of a hung plugin whose child holds its pipes has not returned after 20s; its timeout is 1s")
	}
	if took := time.Since(start); took > time.Second+4*time.Second {
		t.Errorf("List returned after %s, want about 1s", took)
	}
	if err == nil || !strings.Contains(err.Error(), `provider plugin "fake"`) || !strings.Contains(err.Error(), "did not answer List in time") {
		t.Errorf("List's error = %v, want it to name the plugin and say it did not answer in time", err)
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close of the stopped plugin has not returned after 10s")
	}
	if left := leftovers(marker); len(left) > 0 {
		t.Errorf("processes of the plugin are left: %q", left)
	}
}

func TestProtocolVersionsAgree(t *testing.T) {
	// The handshake speaks the version plugin authors put in Description.
	if provider.ProtocolVersion != pluginwire.ProtocolVersion || pluginwire.Handshake.ProtocolVersion != provider.ProtocolVersion {
		t.Errorf("provider.ProtocolVersion %d, pluginwire.ProtocolVersion %d, handshake %d: they must be one",
			provider.ProtocolVersion, pluginwire.ProtocolVersion, pluginwire.Handshake.ProtocolVersion)
	}
}
