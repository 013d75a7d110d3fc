package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

// jobRunCommand submits a job and follows it until it is healthy.
func jobRunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "submit a job and follow it until it is healthy",
		UsageText: "nomadbox job run [-f FILE] [-o DIR] [--detach] [--check-index N] [--var k=v]... JOB.nomad.hcl",
		Description: "The Nomad agent parses the job (HCL2, with --var values), the job is registered,\n" +
			"and its evaluation and deployment are followed until healthy. On failure the\n" +
			"placement failures or the failing allocation's task events are printed.\n" +
			"--check-index N registers only if the job is unchanged since `nomadbox job plan`\n" +
			"printed N. Exit status: 0 healthy (or registered, with --detach), 1 otherwise.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(), varFlag(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return once the job is registered"},
			&cli.Uint64Flag{Name: "check-index", Usage: "only run if the job's modify index is still N (from job plan)"},
			&cli.DurationFlag{Name: "timeout", Value: jobs.DefaultRunTimeout, Usage: "how long the job may take to become healthy"},
		},
		Before: jobArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, job, err := loadJob(ctx, c, s)
			if err != nil {
				return err
			}
			return client.Run(ctx, job, jobRunOptions(c))
		}),
	}
}

// jobRunOptions are the flags of job run as jobs.Client.Run takes them.
func jobRunOptions(c *cli.Context) jobs.RunOptions {
	opts := jobs.RunOptions{Detach: c.Bool("detach"), Timeout: c.Duration("timeout")}
	if c.IsSet("check-index") {
		idx := c.Uint64("check-index")
		opts.CheckIndex = &idx
	}
	return opts
}
