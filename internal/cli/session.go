package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

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

// openSession opens a session on the loaded topology's cluster.
func openSession(c *cli.Context, l *cluster.Loaded, command string) (*cluster.Session, error) {
	// With --json, standard output carries the JSON document alone;
	// progress goes to standard error.
	out := c.App.Writer
	if c.Bool("json") {
		out = c.App.ErrWriter
	}
	return cluster.Open(c.Context, l, cluster.SessionOptions{
		OutDir:  c.String("output"),
		Out:     out,
		TTY:     isTerminal(out),
		Verbose: c.Bool("verbose"),
		Command: command,
		DryRun:  c.Bool("dry-run"),
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

// argsCheck validates a command's positional arguments, as its Before,
// before anything is loaded.
type argsCheck = cli.BeforeFunc

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

// needs is what a command needs before its action runs.
type needs struct {
	// machines: the provider must list a machine of the cluster.
	machines bool
	// nodes gives the node names on the command line, each of which
	// must be a node of the topology.
	nodes func(c *cli.Context) []string
}

// needCluster is what most commands that work on a cluster need.
var needCluster = needs{machines: true}

// allArgs: every positional argument is a node name.
func allArgs(c *cli.Context) []string { return c.Args().Slice() }

// firstArg: the first positional argument is a node name.
func firstArg(c *cli.Context) []string { return c.Args().Slice()[:min(c.NArg(), 1)] }

// inSession is the Action of every command that works on a cluster
// (its Before has checked the arguments): load the topology, refuse
// unknown node names, open a session (closed afterwards), make sure the
// machines exist if the command needs them, and run f with a context
// that Ctrl-C cancels.
func inSession(n needs, f func(ctx context.Context, c *cli.Context, s *cluster.Session) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		l, err := load(c)
		if err != nil {
			return err
		}
		defer l.Close()
		if n.nodes != nil {
			if err := cluster.CheckNodes(l.Topology, n.nodes(c)...); err != nil {
				return err
			}
		}
		s, err := openSession(c, l, c.Command.Name)
		if err != nil {
			return err
		}
		defer s.Close()
		ctx := c.Context
		if n.machines {
			if err := s.RequireMachines(ctx); err != nil {
				return err
			}
		}
		return f(ctx, c, s)
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

// maxParallelFlag is how many clients restart their agents at a time.
func maxParallelFlag() cli.Flag {
	return &cli.IntFlag{Name: "max-parallel", Usage: "clients whose running agents restart at a time (servers: one at a time); 0: a third of the clients"}
}

const defaultWait = 10 * time.Minute
