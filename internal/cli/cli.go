package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
	ctx, stop := signalContext(context.Background())
	defer stop()
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err == nil {
		return ExitOK
	}
	var diags *cluster.Diagnostics
	var usage usageError
	var unknownNode *cluster.UnknownNodeError
	var silent silentError
	var code exitCode
	switch {
	case errors.As(err, &silent):
		return ExitError
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &diags):
		// The diagnostics say everything; a count adds to several.
		diags.Write(stderr, isTerminal(stderr))
		if n := diags.Errors(); n > 1 {
			fmt.Fprintf(stderr, "Error: the topology has %d errors\n", n)
		}
		return ExitError
	case errors.As(err, &usage), errors.As(err, &unknownNode):
		_, path, _ := resolve(app, args)
		fmt.Fprintf(stderr, "Error: %s\nRun '%s --help' for usage.\n", err, strings.TrimSpace("nomadbox "+path))
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
		HideHelpCommand:        true, // help is a command of its own, below
		HideVersion:            true, // --version is a flag of its own, below
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*cli.Context, error) {}, // run decides exit codes
		// The app's own help flag, which urfave/cli adds only when it
		// adds its help command, and --version without -v (verbose).
		Flags:  []cli.Flag{cli.HelpFlag, &cli.BoolFlag{Name: "version", Usage: "print the version"}},
		Before: knownCommand,
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				printVersion(c.App.Writer)
				return nil
			}
			return cli.ShowAppHelp(c)
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
			jobCommand(),
			runCommand(),
			planCommand(),
			stopCommand(),
			jobsCommand(),
			loadCommand(),
			boxCommand(),
			providersCommand(),
			providerCommand(),
			versionCommand(),
			helpCommand(),
		},
	}
	// Usage errors at every level, subcommands included, are one line
	// and exit 2: run prints them.
	onUsage := func(c *cli.Context, err error, _ bool) error {
		return usageError{usageMessage(c.Command, err)}
	}
	app.OnUsageError = onUsage
	walk(app.Commands, func(_ string, c *cli.Command) {
		c.OnUsageError = onUsage
		if len(c.Subcommands) > 0 {
			c.HideHelpCommand = true
			c.Before = subcommand
		}
	})
	return app
}

// knownCommand refuses a first argument that names no command.
func knownCommand(c *cli.Context) error {
	if c.NArg() > 0 && c.App.Command(c.Args().First()) == nil {
		return usageError{fmt.Errorf("unknown command %q; `nomadbox help` lists the commands", c.Args().First())}
	}
	return nil
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
