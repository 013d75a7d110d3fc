// Package execx is the one way nomadbox runs vagrant, ansible and docker:
// every command is printed shell-quoted before it runs, its output is
// streamed line by line (a "\r" ends a line too, so progress bars become
// lines), written to the cluster's log file, and remembered so a failure
// can show its last lines. Secrets are masked everywhere they appear.
// Every command runs in a process group of its own, ended as a whole
// when its context is cancelled (see Contain).
package execx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Runner runs commands. The zero value runs quietly and logs nowhere.
type Runner struct {
	// Log receives every command line and every output line.
	Log io.Writer
	// OnLine, when set, sees every output line as it arrives (progress
	// display, verbose mode).
	OnLine func(cmd *Cmd, line string)
	// Secrets are replaced by "***" in logs, lines and errors. Change
	// it only while no command runs (between phases).
	Secrets []string
	// Env is added to every command's environment.
	Env []string
	// TailLines is how many trailing output lines an Error keeps
	// (default 30).
	TailLines int
}

// WithOnLine returns a copy of r that also hands every output line to f
// (after r's own OnLine). The copy writes to the same log.
func (r *Runner) WithOnLine(f func(c *Cmd, line string)) *Runner {
	c := *r
	prev := r.OnLine
	c.OnLine = func(cmd *Cmd, line string) {
		f(cmd, line)
		if prev != nil {
			prev(cmd, line)
		}
	}
	return &c
}

// logMu serialises writes to logs: commands run concurrently (stdout and
// stderr of one command, several commands at once) and share one file.
var logMu sync.Mutex

// Cmd is one command to run.
type Cmd struct {
	Name  string
	Args  []string
	Dir   string
	Env   []string
	Stdin io.Reader
	// Stdout, when set, receives the standard output as it is, neither
	// logged nor split into lines nor captured: a tar stream, or a
	// journal followed to the terminal. Standard error is still logged.
	Stdout io.Writer
}

// Command builds a Cmd.
func Command(name string, args ...string) *Cmd {
	return &Cmd{Name: name, Args: args}
}

// String is the command line, shell-quoted so it can be pasted.
func (c *Cmd) String() string {
	return Quote(append([]string{c.Name}, c.Args...))
}

// Error is a command that failed: what ran, how it ended, and the last
// lines it printed.
type Error struct {
	Cmd      string
	Dir      string
	ExitCode int // -1 when the command could not start or was killed
	Tail     []string
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", e.Cmd)
	if e.Dir != "" {
		fmt.Fprintf(&b, " (in %s)", e.Dir)
	}
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, " exited with status %d", e.ExitCode)
	} else {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if len(e.Tail) > 0 {
		b.WriteString("; last output:\n")
		for _, l := range e.Tail {
			b.WriteString("  " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *Error) Unwrap() error { return e.Err }

// NotFoundError says a required program is missing and which Debian
// package provides it.
type NotFoundError struct {
	Program, Package string
}

func (e *NotFoundError) Error() string {
	if e.Package == "" {
		return fmt.Sprintf("%s is not installed (not found on PATH)", e.Program)
	}
	return fmt.Sprintf("%s is not installed (not found on PATH): install it with `apt-get install %s`", e.Program, e.Package)
}

// packages maps the programs nomadbox runs to the Debian package that
// provides them, for the error a missing program gets.
var packages = map[string]string{
	"vagrant":          "vagrant",
	"ansible-playbook": "ansible-core",
	"ansible-lint":     "ansible-lint",
	"docker":           "docker.io",
	"dockerd":          "docker.io",
	"debootstrap":      "debootstrap",
	"dig":              "dnsutils",
}

// LookPath finds a program or returns a *NotFoundError naming its package.
func LookPath(program string) (string, error) {
	p, err := exec.LookPath(program)
	if err != nil {
		return "", &NotFoundError{Program: program, Package: packages[program]}
	}
	return p, nil
}

// Run runs c to completion. Output goes to the log and OnLine only; use
// Output to capture it.
func (r *Runner) Run(ctx context.Context, c *Cmd) error {
	_, err := r.run(ctx, c, false)
	return err
}

// Output runs c and returns its standard output (also logged).
func (r *Runner) Output(ctx context.Context, c *Cmd) ([]byte, error) {
	return r.run(ctx, c, true)
}

func (r *Runner) run(ctx context.Context, c *Cmd, capture bool) ([]byte, error) {
	if _, err := LookPath(c.Name); err != nil {
		return nil, err
	}
	r.logf("$ %s\n", r.mask(c.String()))
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	Contain(cmd)
	cmd.Dir = c.Dir
	cmd.Env = append(append(os.Environ(), r.Env...), c.Env...)
	cmd.Stdin = c.Stdin
	tail := newTail(r.tailLines())
	var stdout bytes.Buffer
	outW := r.lineWriter(c, tail)
	errW := r.lineWriter(c, tail)
	switch {
	case c.Stdout != nil:
		cmd.Stdout = c.Stdout
	case capture:
		cmd.Stdout = io.MultiWriter(&stdout, outW)
	default:
		cmd.Stdout = outW
	}
	cmd.Stderr = errW
	err := cmd.Run()
	if ctx.Err() != nil {
		KillGroup(cmd)
	}
	outW.Close()
	errW.Close()
	if errors.Is(err, exec.ErrWaitDelay) {
		// It exited with success; something it left running still held
		// its output, which nomadbox stopped reading.
		r.logf("# %s: a process it started still held its output after it exited\n", r.mask(c.String()))
		err = nil
	}
	if err == nil {
		return stdout.Bytes(), nil
	}
	e := &Error{Cmd: r.mask(c.String()), Dir: c.Dir, ExitCode: -1, Tail: tail.lines(), Err: err}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() >= 0 {
		e.ExitCode = exit.ExitCode()
	}
	if ctx.Err() != nil {
		e.ExitCode, e.Err = -1, context.Cause(ctx)
	}
	r.logf("# %s\n", strings.SplitN(e.Error(), ";", 2)[0])
	return stdout.Bytes(), e
}

func (r *Runner) tailLines() int {
	if r.TailLines > 0 {
		return r.TailLines
	}
	return 30
}

// Mask replaces every secret in s by "***", for text that reaches the
// log by another way than a command.
func (r *Runner) Mask(s string) string { return r.mask(s) }

func (r *Runner) mask(s string) string {
	for _, sec := range r.Secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log == nil {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(r.Log, format, args...)
}

// lineWriter splits what a command writes into lines and hands each to
// the log, the tail and OnLine.
func (r *Runner) lineWriter(c *Cmd, tail *tail) io.WriteCloser {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		sc.Split(scanLines)
		for sc.Scan() {
			line := r.mask(strings.TrimRight(sc.Text(), " \t"))
			if line == "" {
				continue
			}
			tail.add(line)
			r.logf("%s\n", line)
			if r.OnLine != nil {
				r.OnLine(c, line)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return &closer{pw: pw, done: done}
}

type closer struct {
	pw   *io.PipeWriter
	done chan struct{}
}

func (c *closer) Write(p []byte) (int, error) { return c.pw.Write(p) }
func (c *closer) Close() error {
	c.pw.Close()
	<-c.done
	return nil
}

// scanLines is bufio.ScanLines that also ends a line at "\r", so the
// progress bars of vagrant and docker arrive as separate lines.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		j := i + 1
		if data[i] == '\r' && j < len(data) && data[j] == '\n' {
			j++
		}
		return j, data[:i], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

type tail struct {
	mu  sync.Mutex
	max int
	buf []string
}

func newTail(n int) *tail { return &tail{max: n} }

func (t *tail) add(l string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, l)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
}

func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.buf...)
}

// Quote joins args into one shell-quoted command line.
func Quote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = quoteArg(a)
	}
	return strings.Join(q, " ")
}

func quoteArg(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
