// Package pluginhost is nomadbox's end of a provider plugin: it starts
// the plugin's executable over hashicorp/go-plugin, checks it speaks the
// contract's protocol version, and hands back a provider.Provider whose
// calls time out and whose failures say whether the plugin crashed or
// hung. Plugin authors use the public provider package's Serve instead.
package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/pluginwire"
	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
	"github.com/nomadbox/nomadbox/provider"
)

// Timeouts bound every call nomadbox makes to a plugin.
type Timeouts struct {
	// Start: until the plugin has answered the handshake.
	Start time.Duration
	// Short: Describe, Schema, Validate, VagrantFragment.
	Short time.Duration
	// List: List (a Vagrant provider may start Vagrant to answer).
	List time.Duration
	// Long: Preflight, Up, Halt, Destroy (an image build or a VM boot).
	Long time.Duration
}

// TimeoutScaleEnv, set to a positive number, multiplies every default
// timeout: tests set it (0.1, say) to see a hung plugin stopped in
// seconds rather than minutes.
const TimeoutScaleEnv = "NOMADBOX_PLUGIN_TIMEOUT_SCALE"

// DefaultTimeouts are the timeouts Launch uses for the ones not set,
// scaled by $NOMADBOX_PLUGIN_TIMEOUT_SCALE.
func DefaultTimeouts() Timeouts {
	t := Timeouts{Start: 30 * time.Second, Short: 30 * time.Second, List: 3 * time.Minute, Long: 90 * time.Minute}
	if f, err := strconv.ParseFloat(os.Getenv(TimeoutScaleEnv), 64); err == nil && f > 0 {
		for _, d := range []*time.Duration{&t.Start, &t.Short, &t.List, &t.Long} {
			*d = time.Duration(float64(*d) * f)
		}
	}
	return t
}

// gracefulExit is how long Close lets a plugin end by itself (go-plugin
// asks it to, then waits 2 s) before its process group is signalled.
const gracefulExit = 3 * time.Second

// LaunchOptions say which plugin to start and where its stderr goes.
type LaunchOptions struct {
	// Name is the provider's name, for messages.
	Name string
	// Path is the plugin's executable; Args its arguments.
	Path string
	Args []string
	// Env is added to this process's environment for the plugin.
	Env []string
	// Stderr receives every line the plugin writes to stderr (nomadbox
	// passes the cluster's log). It is written from two goroutines (the
	// process's stderr, and what go-plugin forwards of os.Stderr once the
	// plugin serves), so it must be safe for concurrent writes.
	Stderr   io.Writer
	Timeouts Timeouts
}

// Plugin is a started provider plugin. It is a provider.Provider whose calls
// time out and whose failures name the plugin, say whether it crashed or
// hung, and quote the last lines it wrote to stderr. Close it when done.
type Plugin struct {
	Name, Path string
	Timeouts   Timeouts
	client     *plugin.Client
	impl       remote
	stderr     *lastLines
	// cmd is the plugin's process, in a process group of its own with
	// everything it starts; stopGroup signals that group (execx.Contain).
	cmd       *exec.Cmd
	stopGroup context.CancelFunc
	endOnce   sync.Once
}

// remote is what a plugin answers over the wire: every call, Vagrant
// fragments included (a plugin without Vagrant machines answers "").
type remote interface {
	provider.Provider
	provider.VagrantMachines
}

// VagrantFragment is p's Ruby for node when p makes its machines with
// Vagrant (a Plugin always answers), "" for a provider that does not.
func VagrantFragment(ctx context.Context, p provider.Provider, c *provider.Cluster, node string) (string, error) {
	vm, ok := p.(provider.VagrantMachines)
	if !ok {
		return "", nil
	}
	return vm.VagrantFragment(ctx, c, node)
}

// stderrLines is how many of a plugin's last stderr lines an error quotes.
const stderrLines = 10

// Launch starts the plugin and checks it speaks provider.ProtocolVersion. It
// returns within Timeouts.Start (and a few seconds to end the plugin), or
// at once when ctx is cancelled. The plugin and everything it starts run
// in a process group of their own, which Close, a failed start and a
// call past its timeout end as a whole: go-plugin alone kills only the
// plugin's process and then waits for its output pipes, which a child
// the plugin started may hold open for ever.
func Launch(ctx context.Context, opts LaunchOptions) (*Plugin, error) {
	t := DefaultTimeouts()
	for _, d := range []struct {
		dst *time.Duration
		v   time.Duration
	}{
		{&t.Start, opts.Timeouts.Start}, {&t.Short, opts.Timeouts.Short}, {&t.List, opts.Timeouts.List}, {&t.Long, opts.Timeouts.Long},
	} {
		if d.v > 0 {
			*d.dst = d.v
		}
	}
	tail := &lastLines{max: stderrLines}
	var stderr io.Writer = tail
	if opts.Stderr != nil {
		stderr = io.MultiWriter(opts.Stderr, tail)
	}
	// Two sources write stderr (below); each hands on whole lines only,
	// one at a time, so lines of the two never run into each other.
	shared := &sync.Mutex{}
	rawStderr := &lineWriter{w: stderr, mu: shared}
	syncStderr := &lineWriter{w: stderr, mu: shared}
	groupCtx, stopGroup := context.WithCancel(context.Background())
	cmd := exec.CommandContext(groupCtx, opts.Path, opts.Args...)
	execx.Contain(cmd)
	cmd.Env = append(os.Environ(), opts.Env...)
	p := &Plugin{Name: opts.Name, Path: opts.Path, Timeouts: t, stderr: tail, cmd: cmd, stopGroup: stopGroup}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginwire.Handshake,
		VersionedPlugins: pluginwire.PluginSets(provider.ProtocolVersion, nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     t.Start,
		// A served plugin's os.Stdout and os.Stderr are pipes that go-plugin
		// forwards as Sync*; Stderr gets what the process wrote before
		// (or instead of) serving, a panic for one. All of it is stderr to
		// nomadbox.
		Stderr:     rawStderr,
		SyncStderr: syncStderr,
		SyncStdout: syncStderr,
		// The raw lines go to Stderr; go-plugin's own log would repeat them.
		Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off}),
	})
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// start waits for the handshake and dispenses the provider; a failure or
// a cancel ends the plugin's process group.
func (p *Plugin) start(ctx context.Context) error {
	type started struct {
		rpc plugin.ClientProtocol
		err error
	}
	ch := make(chan started, 1)
	go func() {
		rpc, err := p.client.Client()
		ch <- started{rpc, err}
	}()
	var s started
	select {
	case s = <-ch:
	case <-ctx.Done():
		// Once the group is gone the handshake fails at once: wait for
		// that, so that nothing of go-plugin's start runs on.
		p.stopGroup()
		<-ch
		p.end(false)
		return fmt.Errorf("provider plugin %q (%s): start cancelled: %w", p.Name, p.Path, context.Cause(ctx))
	}
	if s.err != nil {
		p.end(false)
		return p.startError(s.err)
	}
	raw, err := s.rpc.Dispense(pluginwire.PluginName)
	if err != nil {
		p.end(false)
		return p.failure("start", err)
	}
	p.impl = NewClient(raw.(pb.ProviderClient))
	return nil
}

func (p *Plugin) startError(err error) error {
	msg := err.Error()
	// go-plugin v1.8 says "incompatible API version with plugin"; older
	// releases capitalized it.
	if strings.Contains(strings.ToLower(msg), "incompatible api version") {
		return fmt.Errorf("provider plugin %q (%s) speaks another version of the provider protocol than this nomadbox (%d): install a release of the plugin built for protocol %d\n%s", p.Name, p.Path, provider.ProtocolVersion, provider.ProtocolVersion, msg)
	}
	if strings.Contains(msg, "timeout while waiting for plugin to start") {
		return p.withStderr(fmt.Errorf("provider plugin %q (%s) did not start: it did not answer the plugin handshake within %s and was stopped", p.Name, p.Path, p.Timeouts.Start))
	}
	return p.withStderr(fmt.Errorf("provider plugin %q (%s) did not start: %w", p.Name, p.Path, err))
}

// Close stops the plugin and everything it started.
func (p *Plugin) Close() { p.end(true) }

// end stops the plugin and its process group, once. Gracefully, go-plugin
// first asks the plugin to exit and waits for it; a plugin that hung or
// never started gets SIGTERM to its whole group at once (SIGKILL after
// execx.Grace). Either way go-plugin's Kill returns only once the plugin's
// pipes close, that is once nothing of the group holds them.
func (p *Plugin) end(graceful bool) {
	p.endOnce.Do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.client.Kill()
		}()
		if !graceful {
			p.stopGroup()
		}
		select {
		case <-done:
		case <-time.After(gracefulExit):
			p.stopGroup()
			<-done
		}
		// Members that no longer held a pipe may outlive their leader.
		execx.KillGroup(p.cmd)
		p.stopGroup()
	})
}

// failure explains a failed call: the plugin hung (no answer within its
// timeout), exited, or returned an error of its own.
func (p *Plugin) failure(call string, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded:
		return p.withStderr(fmt.Errorf("provider plugin %q (%s) did not answer %s in time and was stopped", p.Name, p.Path, call))
	case p.client.Exited() || status.Code(err) == codes.Unavailable:
		// go-plugin marks the client exited only once it has read all of
		// the plugin's stderr: wait for that, so the last lines are quoted.
		for deadline := time.Now().Add(2 * time.Second); !p.client.Exited() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		return p.withStderr(fmt.Errorf("provider plugin %q (%s) stopped during %s: %s", p.Name, p.Path, call, status.Convert(err).Message()))
	case status.Code(err) == codes.Canceled:
		return err
	}
	// The plugin's own error: its message is what the author wrote.
	return fmt.Errorf("provider %q: %s: %s", p.Name, call, status.Convert(err).Message())
}

func (p *Plugin) withStderr(err error) error {
	lines := p.stderr.lines()
	if len(lines) == 0 {
		return fmt.Errorf("%w (it wrote nothing to stderr)", err)
	}
	return fmt.Errorf("%w; its last lines on stderr:\n  %s", err, strings.Join(lines, "\n  "))
}

// call runs one call with its timeout. A call that times out kills the
// plugin: a hung plugin answers nothing after.
func (p *Plugin) call(ctx context.Context, name string, timeout time.Duration, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := f(ctx)
	if err == nil {
		return nil
	}
	// The plugin's side knows the deadline too and may end the call
	// first: either way the call timed out and the plugin goes.
	if ctx.Err() == context.DeadlineExceeded || status.Code(err) == codes.DeadlineExceeded {
		p.end(false)
		err = context.DeadlineExceeded
	}
	return p.failure(name, err)
}

func (p *Plugin) Describe(ctx context.Context) (d *provider.Description, err error) {
	err = p.call(ctx, "Describe", p.Timeouts.Short, func(ctx context.Context) (e error) { d, e = p.impl.Describe(ctx); return })
	return d, err
}

func (p *Plugin) Schema(ctx context.Context) (s *provider.Schema, err error) {
	err = p.call(ctx, "Schema", p.Timeouts.Short, func(ctx context.Context) (e error) { s, e = p.impl.Schema(ctx); return })
	return s, err
}

func (p *Plugin) Validate(ctx context.Context, c *provider.Cluster) (d []provider.Diagnostic, err error) {
	err = p.call(ctx, "Validate", p.Timeouts.Short, func(ctx context.Context) (e error) { d, e = p.impl.Validate(ctx, c); return })
	return d, err
}

func (p *Plugin) VagrantFragment(ctx context.Context, c *provider.Cluster, node string) (r string, err error) {
	err = p.call(ctx, "VagrantFragment", p.Timeouts.Short, func(ctx context.Context) (e error) { r, e = p.impl.VagrantFragment(ctx, c, node); return })
	return r, err
}

func (p *Plugin) List(ctx context.Context, c *provider.Cluster) (ms []provider.Machine, err error) {
	err = p.call(ctx, "List", p.Timeouts.List, func(ctx context.Context) (e error) { ms, e = p.impl.List(ctx, c); return })
	return ms, err
}

func (p *Plugin) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	return p.call(ctx, "Preflight", p.Timeouts.Long, func(ctx context.Context) error { return p.impl.Preflight(ctx, c, progress) })
}

func (p *Plugin) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return p.call(ctx, "Up", p.Timeouts.Long, func(ctx context.Context) error { return p.impl.Up(ctx, c, names, progress) })
}

func (p *Plugin) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return p.call(ctx, "Halt", p.Timeouts.Long, func(ctx context.Context) error { return p.impl.Halt(ctx, c, names, progress) })
}

func (p *Plugin) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return p.call(ctx, "Destroy", p.Timeouts.Long, func(ctx context.Context) error { return p.impl.Destroy(ctx, c, names, progress) })
}

// lineWriter passes whole lines to w, holding mu for each.
type lineWriter struct {
	w       io.Writer
	mu      *sync.Mutex
	partial []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.mu.Lock()
		_, err := l.w.Write(l.partial[:i+1])
		l.mu.Unlock()
		l.partial = l.partial[i+1:]
		if err != nil {
			return len(b), err
		}
	}
}

// lastLines keeps the last max lines written to it.
type lastLines struct {
	mu      sync.Mutex
	max     int
	partial []byte
	kept    []string
}

func (l *lastLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(l.partial[:i]), "\r"); line != "" {
			l.kept = append(l.kept, line)
		}
		l.partial = l.partial[i+1:]
	}
	if len(l.kept) > l.max {
		l.kept = l.kept[len(l.kept)-l.max:]
	}
	return len(b), nil
}

func (l *lastLines) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.kept...)
	if len(l.partial) > 0 {
		out = append(out, string(l.partial))
	}
	if len(out) > l.max {
		out = out[len(out)-l.max:]
	}
	return out
}
