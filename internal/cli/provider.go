package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/providers"
)

// providerCommand holds what nomadbox runs of itself: `provider serve`
// serves a built-in provider over the plugin protocol.
func providerCommand() *cli.Command {
	return &cli.Command{
		Name:   "provider",
		Hidden: true,
		Usage:  "serve a built-in provider over the plugin protocol (started by nomadbox itself)",
		Subcommands: []*cli.Command{{
			Name:      "serve",
			UsageText: "nomadbox provider serve NAME",
			Before:    exactly(1, "one provider name"),
			Action: func(c *cli.Context) error {
				return providers.Serve(c.Args().First())
			},
		}},
	}
}
