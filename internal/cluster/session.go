package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/progress"
	"github.com/nomadbox/nomadbox/internal/provider"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
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
}

// Session is one command's work on one cluster: its topology, render
// directory, provider, exec layer, progress display and log file.
type Session struct {
	Topology *topology.Topology
	Dir      string
	Provider provider.Provider
	Runner   *execx.Runner
	Progress *progress.Progress
	LogPath  string
	log      *os.File
}

// Open starts a session on a loaded topology. Close it when done.
func Open(t *topology.Topology, opts SessionOptions) (*Session, error) {
	dir := opts.OutDir
	if dir == "" {
		dir = RenderDir(t)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	p, err := provider.For(t)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(abs, LogFile)
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "\n=== %s nomadbox %s (cluster %q) ===\n", time.Now().UTC().Format(time.RFC3339), opts.Command, t.Cluster.Name)
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	s := &Session{
		Topology: t,
		Dir:      abs,
		Provider: p,
		Progress: progress.New(out, opts.TTY),
		LogPath:  logPath,
		log:      f,
	}
	s.Runner = &execx.Runner{Log: f, Secrets: secrets.Values(abs)}
	if opts.Verbose {
		s.Runner.OnLine = func(_ *execx.Cmd, line string) { s.Progress.Printf("    %s\n", line) }
	}
	return s, nil
}

// Close closes the log.
func (s *Session) Close() error { return s.log.Close() }

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

// providerEnv is what the provider gets to work with.
func (s *Session) providerEnv() *provider.Env {
	return &provider.Env{Topology: s.Topology, Dir: s.Dir, Runner: s.Runner, Progress: s.Progress.Detail}
}

// Exists reports whether the cluster's machines were created (Vagrant
// keeps per-machine state under .vagrant/machines).
func (s *Session) Exists() bool {
	ids, _ := filepath.Glob(filepath.Join(s.Dir, ".vagrant", "machines", "*", "*", "id"))
	return len(ids) > 0
}
