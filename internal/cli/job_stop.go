package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

// jobStopCommand stops a job and waits for its allocations.
func jobStopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop a job and wait until its allocations have stopped",
		UsageText: "nomadbox job stop [-f FILE] [-o DIR] [--purge] JOB",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), &cli.BoolFlag{Name: "purge", Usage: "also remove the job from the job list"}},
		Before:    exactly(1, "exactly one job name"),
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, err := openJobClient(s, c.App.Writer)
			if err != nil {
				return err
			}
			return client.Stop(ctx, c.Args().First(), c.Bool("purge"))
		}),
	}
}
