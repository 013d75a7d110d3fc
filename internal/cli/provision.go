package cli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/cluster"
)

func provisionCommand() *cli.Command {
	return &cli.Command{
		Name:      "provision",
		Usage:     "run Ansible again over every node (idempotent: a healthy cluster reports no changes)",
		UsageText: "nomadbox provision [-f FILE] [-o DIR] [--max-parallel N] [-v]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), verboseFlag(), maxParallelFlag()},
		Before:    noArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			s.Roll = cluster.Roll{MaxParallel: c.Int("max-parallel")}
			res, err := cluster.Provision(ctx, s, nomadbox.Assets())
			if err != nil {
				return err
			}
			for _, h := range res.Recap {
				fmt.Fprintf(c.App.Writer, "%-20s ok=%d changed=%d failed=%d\n", h.Host, h.OK, h.Changed, h.Failed)
			}
			return nil
		}),
	}
}
