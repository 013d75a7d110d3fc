package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsAfterArgs are the commands whose flags may follow their
// positional arguments. Not ssh and run: what follows the node or the
// file there may be meant for a program on the node.
var flagsAfterArgs = map[string]bool{"logs": true, "export logs": true, "chaos": true}

// flagsFirst lets flags follow positional arguments (`nomadbox logs
// nomad-server1 --unit nomad`), which the command line library would
// otherwise take as more positional arguments: the arguments of a
// command in flagsAfterArgs are reordered so its flags come first.
// Nothing after "--" moves, and a flag's value stays with it.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	path, i := args[1], 2
	for cmd != nil && len(cmd.Subcommands) > 0 && i < len(args) {
		sub := cmd.Command(args[i])
		if sub == nil {
			break
		}
		cmd, path, i = sub, path+" "+args[i], i+1
	}
	if cmd == nil || !flagsAfterArgs[path] {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			takesValue[n] = ok && tv.TakesValue()
		}
	}
	var flags, positional, rest []string
	for j := i; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			rest = args[j:]
			j = len(args)
		case len(a) > 1 && strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && j+1 < len(args) {
				j++
				flags = append(flags, args[j])
			}
		default:
			positional = append(positional, a)
		}
	}
	out := append(append([]string{}, args[:i]...), flags...)
	return append(append(out, positional...), rest...)
}
