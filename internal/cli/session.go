package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/execx"
)

// outputFlag is -o for the commands that work in a render directory.
func outputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "render directory (default .nomadbox/<cluster>)"}
}

func verboseFlag() cli.Flag {
	return &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "stream every line of vagrant and ansible output (it is always in the log file)"}
}

// openSession loads the topology and opens a session on its cluster.
func openSession(c *cli.Context, command string) (*cluster.Session, error) {
	l, err := load(c)
	if err != nil {
		return nil, err
	}
	// With --json, standard output carries the JSON document alone;
	// progress goes to standard error.
	out := c.App.Writer
	if c.Bool("json") {
		out = c.App.ErrWriter
	}
	return cluster.Open(c.Context, l.Topology, cluster.SessionOptions{
		OutDir:  c.String("output"),
		Out:     out,
		TTY:     isTerminal(out),
		Verbose: c.Bool("verbose"),
		Command: command,
	})
}

// signalContext is cancelled on the first Ctrl-C or SIGTERM, so running
// commands are stopped (each child's whole process group: a child in its
// own group does not see the terminal's Ctrl-C, this is how it learns of
// it) while the cleanup of a failed step still runs; a second signal
// also ends that cleanup (execx.CleanupContext). Run wraps every command
// in it, from the first plugin started to the last cleanup.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(parent)
	stop, stopCleanup := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			select {
			case s := <-sigs:
				if first {
					cancel(interrupted{s})
				} else {
					stopCleanup()
				}
			case <-finished:
				return
			}
		}
	}()
	return execx.WithStop(ctx, stop), func() {
		signal.Stop(sigs)
		close(finished)
		cancel(nil)
		stopCleanup()
	}
}

// interrupted is why a command's context was cancelled: a signal. It is
// a context.Canceled, so code that tells a cancel from a failure still
// does.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string {
	if i.sig == syscall.SIGTERM {
		return "stopped by SIGTERM"
	}
	return "stopped by SIGINT (Ctrl-C)"
}

func (interrupted) Is(target error) bool { return target == context.Canceled }

// argsCheck validates a command's positional arguments before anything
// is loaded.
type argsCheck func(c *cli.Context) error

// anyArgs accepts any arguments (node names, for instance).
func anyArgs(*cli.Context) error { return nil }

// exactly wants n arguments, described by what.
func exactly(n int, what string) argsCheck {
	return func(c *cli.Context) error {
		if c.NArg() != n {
			return usageError{fmt.Errorf("%s needs %s", c.Command.Name, what)}
		}
		return nil
	}
}

// atLeast wants n or more arguments, described by what.
func atLeast(n int, what string) argsCheck {
	return func(c *cli.Context) error {
		if c.NArg() < n {
			return usageError{fmt.Errorf("%s needs %s", c.Command.Name, what)}
		}
		return nil
	}
}

// atMost wants n or fewer arguments, described by what.
func atMost(n int, what string) argsCheck {
	return func(c *cli.Context) error {
		if c.NArg() > n {
			return usageError{fmt.Errorf("%s takes %s, got %q", c.Command.Name, what, c.Args().Slice())}
		}
		return nil
	}
}

// inSession is the Action of every command that works on a cluster:
// check the arguments, load the topology, open a session (closed
// afterwards) and run f with the command's context, which Ctrl-C and
// SIGTERM cancel (signalContext).
func inSession(args argsCheck, f func(ctx context.Context, c *cli.Context, s *cluster.Session) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := args(c); err != nil {
			return err
		}
		s, err := openSession(c, c.Command.Name)
		if err != nil {
			return err
		}
		defer s.Close()
		return f(c.Context, c, s)
	}
}

// jsonFlag is --json: the command prints one JSON document (what, in
// usage) on standard output, and its progress on standard error.
func jsonFlag(usage string) cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: usage}
}

// writeJSON prints v as the indented JSON document --json promises.
func writeJSON(c *cli.Context, v any) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
