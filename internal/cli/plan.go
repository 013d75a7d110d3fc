package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what running a job would change, and the index for run --check-index",
		UsageText: "nomadbox plan [-f FILE] [-o DIR] [--var k=v]... JOB.nomad.hcl",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), varFlag()},
		Before:    jobArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, job, err := loadJob(ctx, c, s)
			if err != nil {
				return err
			}
			resp, err := client.Plan(ctx, job)
			if err != nil {
				return err
			}
			jobs.WritePlan(c.App.Writer, c.Args().First(), resp)
			return nil
		}),
	}
}
