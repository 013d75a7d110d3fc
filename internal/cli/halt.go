package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func haltCommand() *cli.Command {
	return &cli.Command{
		Name:      "halt",
		Usage:     "stop the machines (all, or the named ones), keeping them",
		UsageText: "nomadbox halt [-f FILE] [-o DIR] [NODE...]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), verboseFlag()},
		Action: inSession(needs{machines: true, nodes: allArgs}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			return cluster.Halt(ctx, s, c.Args().Slice()...)
		}),
	}
}
