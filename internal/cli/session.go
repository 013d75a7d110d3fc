package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
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
	return cluster.Open(l.Topology, cluster.SessionOptions{
		OutDir:  c.String("output"),
		Out:     c.App.Writer,
		TTY:     isTerminal(c.App.Writer),
		Verbose: c.Bool("verbose"),
		Command: command,
	})
}

// signalContext is cancelled on Ctrl-C or SIGTERM, so running commands
// are stopped and the cleanup of a failed step still runs.
func signalContext(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
}
