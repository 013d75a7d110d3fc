package cluster

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/progress"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// LogFile is the name of the log every command appends to, inside the
// render directory: the full output of vagrant, ansible and docker.
const LogFile = "nomadbox.log"

// SessionOptions are what every command that touches machines shares.
type SessionOptions struct {
	OutDir  string    // render directory (default RenderDir)
	Out     io.Writer // progress and results
	TTY     bool      // Out is a terminal: redraw the status line
	Verbose bool      // also stream every line of vagrant/ansible output to Out
	Command string    // for the log header, e.g. "up"
	// DryRun writes nothing: no render directory is made and the log
	// goes nowhere (LogPath is then "").
	DryRun bool
}

// Session is one command's work on one cluster: its topology, render
// directory, provider, exec layer, progress display and log file, and
// the few questions every command asks of them (which machines exist,
// how to reach a node). What a command does is a function that takes the
// session (Up, Provision, Verify, Status, Destroy, Logs, ...), with the
// small types its idea needs beside it: upRun, provisioner, planner,
// verifier, remover.
type Session struct {
	// Topology is the loaded topology as the session's steps use it: a
	// copy with absolute paths and the addresses the provider reported
	// (see view). The loaded topology itself is never changed.
	Topology *topology.Topology
	Dir      string
	Provider *providers.Handle
	Runner   *execx.Runner
	Progress *progress.Progress
	LogPath  string
	// Roll is how provisioning restarts agents that already run.
	Roll   Roll
	log    io.WriteCloser
	dryRun bool

	// loaded is the topology as Load returned it, with the plugin's
	// answers; resolved is its copy with absolute paths; addresses are
	// the ones a provider that chooses them reported.
	loaded    *Loaded
	resolved  *topology.Topology
	addresses map[string]netip.Addr
}

// Roll is how running agents restart when their configuration or binary
// changes: servers one at a time, then clients MaxParallel at a time (0:
// a third of the clients, at least one), each waiting at most Gate (0: 5
// minutes) to be back with a Raft leader before the roll goes on.
type Roll struct {
	MaxParallel int
	Gate        time.Duration
}

// clients is how many of t's clients restart at a time.
func (r Roll) clients(t *topology.Topology) int {
	if r.MaxParallel > 0 {
		return r.MaxParallel
	}
	clients := 0
	for _, g := range t.Clients {
		clients += g.Count
	}
	return max(clients/3, 1)
}

// vars are the roll's settings for t as ansible-playbook arguments.
func (r Roll) vars(t *topology.Topology) []string {
	gate := r.Gate
	if gate <= 0 {
		gate = 5 * time.Minute
	}
	return []string{
		"-e", fmt.Sprintf("nomadbox_max_parallel=%d", r.clients(t)),
		"-e", fmt.Sprintf("nomadbox_gate_timeout=%d", int(gate.Seconds())),
	}
}

// Open starts a session on a loaded topology. Close it when done.
func Open(ctx context.Context, l *Loaded, opts SessionOptions) (*Session, error) {
	t := l.Topology
	resolved, err := t.Resolved()
	if err != nil {
		return nil, err
	}
	dir := opts.OutDir
	if dir == "" {
		dir = RenderDir(t)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// Before the log is opened in it: a directory that is not this
	// cluster's render directory is refused with nothing written (and,
	// for destroy, before any machine is touched). A dry run only checks.
	claim := renderdir.Claim
	if opts.DryRun {
		claim = renderdir.Check
	}
	if err := claim(abs, t.Cluster.Name); err != nil {
		return nil, err
	}
	f, logPath, err := openLog(abs, t.Cluster.Name, opts)
	if err != nil {
		return nil, err
	}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	s := &Session{
		Topology: resolved,
		loaded:   l,
		resolved: resolved,
		Dir:      abs,
		Progress: progress.New(out, opts.TTY),
		LogPath:  logPath,
		log:      f,
		dryRun:   opts.DryRun,
	}
	s.Runner = &execx.Runner{Log: f, Secrets: secrets.Values(abs)}
	if opts.Verbose {
		s.Runner.OnLine = func(_ *execx.Cmd, line string) { s.Progress.Printf("    %s\n", line) }
	}
	if s.Provider, err = openProvider(ctx, l, resolved, s.Runner, f); err != nil {
		f.Close()
		return nil, err
	}
	if err := s.adoptAddresses(ctx); err != nil {
		// Commands still run: they then use the derived addresses, and
		// up reports the provider's error.
		s.Logf("reading the machines' addresses: %v", err)
	}
	return s, nil
}

// openProvider is the command's provider: the plugin Load started to
// check the block, its stderr now going to the cluster's log, or else
// (a built-in) the one the topology names, opened now.
func openProvider(ctx context.Context, l *Loaded, t *topology.Topology, runner *execx.Runner, log io.Writer) (*providers.Handle, error) {
	if l.provider != nil {
		l.provider.SetLog(log, runner.Mask)
		return l.provider, nil
	}
	return providers.Open(ctx, t, runner, log)
}

// openLog makes the render directory dir and opens its log for
// appending, headed by the command; a dry run gets a log that discards.
func openLog(dir, cluster string, opts SessionOptions) (io.WriteCloser, string, error) {
	if opts.DryRun {
		return nopCloser{io.Discard}, "", nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, LogFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, "", err
	}
	fmt.Fprintf(f, "\n=== %s nomadbox %s (cluster %q) ===\n", time.Now().UTC().Format(time.RFC3339), opts.Command, cluster)
	return f, path, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// adoptAddresses takes the addresses a provider that chooses them
// reported for its machines into the session's view of the topology, so
// the agents, the inventory and every API call use them. A machine that
// reports none (a stopped one) keeps the derived address.
func (s *Session) adoptAddresses(ctx context.Context) error {
	if !s.Provider.Description.Capabilities.ReportsAddresses || !s.Topology.Provider.Plugin {
		return nil
	}
	ms, err := s.List(ctx)
	if err != nil {
		return err
	}
	addrs := map[string]netip.Addr{}
	for _, m := range ms {
		if m.Address == "" {
			continue
		}
		a, err := netip.ParseAddr(m.Address)
		if err != nil || !a.Is4() {
			return fmt.Errorf("provider %q reports %s at %q, which is not an IPv4 address", s.Topology.Provider.Name, m.Name, m.Address)
		}
		addrs[m.Name] = a
	}
	s.addresses = addrs
	s.Topology = s.resolved.WithAddresses(addrs)
	return nil
}

// existingHosts reports whether the provider's machines existed before
// nomadbox and outlive the cluster (the ssh provider): nomadbox then
// uninstalls from them instead of removing them, and "which machines
// exist" means "which hosts carry the cluster", from the applied state.
func (s *Session) existingHosts() bool {
	return s.Provider.Description.Capabilities.ExistingHosts
}

// Close stops the provider's plugin process and closes the log.
func (s *Session) Close() error {
	s.Provider.Close()
	return s.log.Close()
}

// Logf writes a line to the log only.
func (s *Session) Logf(format string, args ...any) {
	line := fmt.Sprintf(format+"\n", args...)
	if s.Runner != nil {
		line = s.Runner.Mask(line)
	}
	fmt.Fprint(s.log, line)
}

// rereadSecrets makes the exec layer mask the secrets that exist now:
// a render creates them, and Nomad's tokens appear after provisioning.
// Called between phases, when no command runs.
func (s *Session) rereadSecrets() {
	s.Runner.Secrets = secrets.Values(s.Dir)
}

// cluster is what the provider learns of the cluster.
func (s *Session) cluster() *provider.Cluster { return providers.ClusterOf(s.Topology, s.Dir) }

// progressLine shows a provider's progress line under the current phase.
func (s *Session) progressLine(line string) { s.Progress.Detail("%s", line) }

// List is every machine that exists, as the provider reports it.
func (s *Session) List(ctx context.Context) ([]provider.Machine, error) {
	return s.Provider.List(ctx, s.cluster())
}

// Exists reports whether any machine of the cluster exists. A provider
// that cannot answer counts as "yes": nothing is then treated as a new
// cluster (which a failed up would remove).
func (s *Session) Exists(ctx context.Context) bool {
	if s.existingHosts() {
		return len(appliedNodes(s.Dir)) > 0
	}
	ms, err := s.List(ctx)
	return err != nil || len(ms) > 0
}

// NoMachinesError is a command that needs the cluster's machines run
// where the provider lists none: the cluster was never created, or was
// destroyed.
type NoMachinesError struct{ Cluster string }

func (e *NoMachinesError) Error() string {
	return fmt.Sprintf("no machines for cluster %q: run `nomadbox up` first", e.Cluster)
}

// RequireMachines returns a *NoMachinesError when no machine of the
// cluster exists, so that a command that talks to the cluster says so
// once instead of failing at every API call. A provider that cannot
// answer passes (see Exists): the command then reports what fails.
func (s *Session) RequireMachines(ctx context.Context) error {
	if s.Exists(ctx) {
		return nil
	}
	return &NoMachinesError{Cluster: s.Topology.Cluster.Name}
}

// nodeSSH reaches the nodes over SSH: as the built-in providers make
// them, or as a plugin reports its machines.
func (s *Session) nodeSSH() *nodeexec.SSH {
	ssh := nodeexec.For(s.Topology, s.Runner, s.Dir)
	if !s.Topology.Provider.Plugin {
		return ssh
	}
	ms, err := s.List(context.Background())
	if err != nil {
		s.Logf("listing the machines for SSH: %v", err)
		return ssh
	}
	// A plugin's machines that Vagrant makes are reached as the
	// built-ins' are (nodeexec.KexAlgorithms says why).
	ssh.ClassicalKex = s.loaded.Plugin.Vagrant
	ssh.Reach = map[string]provider.SSH{}
	for _, m := range ms {
		r := m.SSH
		if r.Host == "" {
			r.Host = m.Address
		}
		ssh.Reach[m.Name] = r
	}
	return ssh
}
