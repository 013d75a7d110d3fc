package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

// jobPlanCommand is Nomad's job plan: what running a job would change.
func jobPlanCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what running a job would change, and the index for job run --check-index",
		UsageText: "nomadbox job plan [-f FILE] [-o DIR] [--var k=v]... JOB.nomad.hcl",
		Description: "Like `nomad job plan`: the Nomad agent parses the job (HCL2, with --var\n" +
			"values) and the scheduler says, without changing anything, what running it\n" +
			"would do. The Job Modify Index it prints makes `job run --check-index N`\n" +
			"run the job only if nobody changed it since. Exit status: 0 planned, 1 otherwise.",
		Flags:  []cli.Flag{fileFlag(), outputFlag(), varFlag()},
		Before: jobArgs,
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
