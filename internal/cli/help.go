package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// helpCommand is `nomadbox help [COMMAND [SUBCOMMAND]]`: the same help
// as `nomadbox [COMMAND [SUBCOMMAND]] --help`.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the commands, or the help of one command",
		UsageText: "nomadbox help [COMMAND [SUBCOMMAND]]",
		Before: func(c *cli.Context) error {
			words := c.Args().Slice()
			cmd, path, i := resolve(c.App, append([]string{"nomadbox"}, words...))
			switch {
			case len(words) > 0 && cmd == nil:
				return usageError{fmt.Errorf("no help for %q: there is no such command; `nomadbox help` lists them", words[0])}
			case i <= len(words):
				return usageError{fmt.Errorf("no help for %q: %s has no subcommand %q", strings.Join(words, " "), path, words[i-1])}
			}
			return nil
		},
		Action: func(c *cli.Context) error {
			return c.App.Run(append(append([]string{"nomadbox"}, c.Args().Slice()...), "--help"))
		},
	}
}
