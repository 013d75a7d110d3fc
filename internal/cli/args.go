package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/journal"
)

// passThrough names the commands whose words after this many positional
// arguments belong to a program, not to nomadbox: what follows ssh's
// NODE is the remote command and never moves.
var passThrough = map[string]int{"ssh": 1}

// resolve finds the command that args (with the program name first)
// names: the deepest command or subcommand, its path ("export logs")
// and the index of its first argument. A nil command means args name
// none.
func resolve(app *cli.App, args []string) (*cli.Command, string, int) {
	if len(args) < 2 {
		return nil, "", len(args)
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return nil, "", 1
	}
	path, i := cmd.Name, 2
	for len(cmd.Subcommands) > 0 && i < len(args) {
		sub := cmd.Command(args[i])
		if sub == nil {
			break
		}
		cmd, path, i = sub, path+" "+sub.Name, i+1
	}
	return cmd, path, i
}

// flagsFirst lets flags follow positional arguments (`nomadbox logs
// nomad-server1 --unit nomad`), which the command line library would
// otherwise take as more positional arguments: the flags of the command
// move to the front and its positional arguments follow a "--", so that
// none of them is read as a flag. A flag's value stays with it, nothing
// after a "--" moves, and for passThrough commands nothing after their
// last positional argument does.
func flagsFirst(app *cli.App, args []string) []string {
	cmd, path, i := resolve(app, args)
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return args
	}
	takesValue := valueFlags(cmd)
	keep, limited := passThrough[path]
	var flags, positional []string
	for j := i; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			positional = append(positional, args[j+1:]...)
			j = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if takesValue(a) && j+1 < len(args) {
				j++
				flags = append(flags, args[j])
			}
		case limited && len(positional) >= keep:
			positional = append(positional, args[j:]...)
			j = len(args)
		default:
			positional = append(positional, a)
		}
	}
	out := append(append([]string{}, args[:i]...), flags...)
	if len(positional) == 0 {
		return out
	}
	return append(append(out, "--"), positional...)
}

// valueFlags tells whether a flag argument ("-f", "--since", "-vf": a
// group of short flags whose last one takes a value) takes the next
// argument as its value.
func valueFlags(cmd *cli.Command) func(arg string) bool {
	takes := map[string]bool{}
	for _, f := range cmd.Flags {
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			takes[n] = ok && tv.TakesValue()
		}
	}
	return func(arg string) bool {
		name := strings.TrimLeft(arg, "-")
		if strings.Contains(name, "=") || name == "" {
			return false
		}
		if v, known := takes[name]; known {
			return v
		}
		// -vf FILE: short options grouped behind one dash.
		return !strings.HasPrefix(arg, "--") && takes[name[len(name)-1:]]
	}
}

// CheckCommandLine checks a command line (without the leading
// "nomadbox") against the real command tree without running anything:
// unknown commands and flags, flags without their value or with a value
// that does not parse, and a wrong number of positional arguments. It
// returns nil for a line that would reach its command's action.
func CheckCommandLine(args []string) error {
	app := newApp(io.Discard, io.Discard)
	noop := func(*cli.Context) error { return nil }
	app.Action = noop
	walk(app.Commands, func(_ string, c *cli.Command) { c.Action = noop })
	return app.Run(flagsFirst(app, append([]string{"nomadbox"}, args...)))
}

// walk calls f with every command and subcommand and its path.
func walk(cmds []*cli.Command, f func(path string, c *cli.Command)) {
	var visit func(prefix string, cmds []*cli.Command)
	visit = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			f(prefix+c.Name, c)
			visit(prefix+c.Name+" ", c.Subcommands)
		}
	}
	visit("", cmds)
}

// Checks of the positional arguments. They run as each command's Before,
// after its flags are parsed and before its action, so that
// CheckCommandLine sees them too.

// noArgs rejects stray arguments, which are almost always a mistake
// (a forgotten -f, a misspelt subcommand).
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())}
	}
	return nil
}

// subcommand is the Before of a command that only groups subcommands:
// it must be given one of them.
func subcommand(c *cli.Context) error {
	var names []string
	for _, s := range c.Command.Subcommands {
		if !s.Hidden {
			names = append(names, s.Name)
		}
	}
	switch {
	case c.NArg() == 0:
		return usageError{fmt.Errorf("%s needs a subcommand: %s", c.Command.Name, strings.Join(names, ", "))}
	case c.Command.Command(c.Args().First()) == nil:
		return usageError{fmt.Errorf("%s has no subcommand %q; its subcommands are %s", c.Command.Name, c.Args().First(), strings.Join(names, ", "))}
	}
	return nil
}

// usageMessage says what the flag package's parse errors say, in the
// words of this command line: --name, and what a value should look like.
func usageMessage(cmd *cli.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Errorf("unknown flag %s", dashes(name))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("flag %s needs a value", dashes(name))
	}
	for _, format := range []string{"invalid value %q for flag -%s", "invalid boolean value %q for -%s"} {
		var value, name string
		if n, _ := fmt.Sscanf(msg, format, &value, &name); n == 2 {
			name = strings.TrimSuffix(name, ":")
			return fmt.Errorf("invalid value %q for %s: %s", value, dashes(name), wantedValue(cmd, name))
		}
	}
	if strings.Contains(msg, "\n") {
		// One line: the first says what is wrong.
		return errors.New(strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0]))
	}
	return err
}

// wantedValue describes the values a flag takes.
func wantedValue(cmd *cli.Command, name string) string {
	if cmd != nil {
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				if n != name {
					continue
				}
				switch f.(type) {
				case *cli.DurationFlag:
					return "want a duration such as 90s, 5m or 1h"
				case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
					return "want a whole number"
				case *cli.BoolFlag:
					return "want true or false"
				}
			}
		}
	}
	return "it does not parse"
}

// dashes writes a flag name as it is typed: -f, --file.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// sinceArg refuses a --since that journalctl would not understand.
func sinceArg(c *cli.Context) error {
	if _, err := journal.Since(c.String("since")); err != nil {
		return usageError{err}
	}
	return nil
}
