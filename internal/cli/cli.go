// Package cli is nomadbox's command line: each command copies its flags
// into an options struct and makes one call into a library package.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/providers"
)

// Exit codes scripts can rely on.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed (invalid topology, failed step)
	ExitUsage = 2 // the command line itself is wrong
)

// silentError fails the command without printing anything more: the
// command has already said what went wrong (verify's report).
type silentError struct{ err error }

func (e silentError) Error() string { return e.err.Error() }

// exitCode passes a child's exit status through (ssh NODE -- CMD).
type exitCode struct{ code int }

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError marks mistakes in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	return run(args, os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	providers.Version = version()
	app := newApp(stdout, stderr)
	unknown := ""
	app.CommandNotFound = func(_ *cli.Context, name string) { unknown = name }
	ctx, stop := signalContext(context.Background())
	defer stop()
	err := app.RunContext(ctx, flagsFirst(app, args))
	if unknown != "" {
		fmt.Fprintf(stderr, "Error: unknown command %q\nRun 'nomadbox --help' for the list of commands.\n", unknown)
		return ExitUsage
	}
	if err == nil {
		return ExitOK
	}
	var diags *cluster.Diagnostics
	var usage usageError
	var silent silentError
	var code exitCode
	switch {
	case errors.As(err, &silent):
		return ExitError
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &diags):
		diags.Write(stderr, isTerminal(stderr))
		fmt.Fprintf(stderr, "Error: %s\n", diags.Error())
		return ExitError
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "Error: %s\nRun 'nomadbox --help' for usage.\n", usage.err)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "Error: %s\n", err)
	return ExitError
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "nomadbox",
		Usage: "turn one topology.hcl into a running, verified Nomad + Consul cluster",
		Description: "nomadbox renders a Vagrantfile and an Ansible tree from topology.hcl, brings the\n" +
			"machines up, provisions every node in one Ansible run, and checks the cluster\n" +
			"through the Consul and Nomad APIs.\n\n" +
			"Start with:  nomadbox init && nomadbox validate && nomadbox render",
		Writer:                 stdout,
		ErrWriter:              stderr,
		HideHelpCommand:        true,
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*cli.Context, error) {}, // Main decides exit codes
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Commands: []*cli.Command{
			initCommand(),
			validateCommand(),
			renderCommand(),
			upCommand(),
			provisionCommand(),
			verifyCommand(),
			statusCommand(),
			envCommand(),
			sshCommand(),
			logsCommand(),
			exportCommand(),
			chaosCommand(),
			haltCommand(),
			destroyCommand(),
			runCommand(),
			planCommand(),
			stopCommand(),
			jobsCommand(),
			loadCommand(),
			boxCommand(),
			providersCommand(),
			providerCommand(),
			versionCommand(),
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
	}
	return app
}

// fileFlag is the -f flag every command that reads the topology takes.
func fileFlag() cli.Flag {
	return fileFlagUsage("topology file to read")
}

func fileFlagUsage(usage string) cli.Flag {
	return &cli.StringFlag{
		Name:    "file",
		Aliases: []string{"f"},
		Value:   "topology.hcl",
		Usage:   usage,
		EnvVars: []string{"NOMADBOX_TOPOLOGY"},
	}
}

// noArgs rejects stray arguments, which are almost always a mistake
// (a forgotten -f, a flag after a positional argument).
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())}
	}
	return nil
}

// load reads the topology and prints its warnings.
func load(c *cli.Context) (*cluster.Loaded, error) {
	l, err := cluster.Load(c.Context, c.String("file"))
	if err != nil {
		return nil, err
	}
	if len(l.Warnings.Diags) > 0 {
		l.Warnings.Write(c.App.ErrWriter, isTerminal(c.App.ErrWriter))
	}
	return l, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}
