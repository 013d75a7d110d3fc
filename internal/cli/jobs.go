package cli

import (
	"context"

	"github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

func varFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "var", Usage: "set a job variable, name=value (repeatable)"}
}

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "submit a job and follow it until it is healthy",
		UsageText: "nomadbox run [-f FILE] [-o DIR] [--detach] [--check-index N] [--var k=v]... JOB.nomad.hcl",
		Description: "The Nomad agent parses the job (HCL2, with --var values), the job is registered,\n" +
			"and its evaluation and deployment are followed until healthy. On failure the\n" +
			"placement failures or the failing allocation's task events are printed.\n" +
			"--check-index N registers only if the job is unchanged since `nomadbox plan`\n" +
			"printed N. Exit status: 0 healthy (or registered, with --detach), 1 otherwise.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(), varFlag(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return once the job is registered"},
			&cli.Uint64Flag{Name: "check-index", Usage: "only run if the job's modify index is still N (from plan)"},
			&cli.DurationFlag{Name: "timeout", Value: jobs.DefaultRunTimeout, Usage: "how long the job may take to become healthy"},
		},
		Before: jobArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, job, err := loadJob(ctx, c, s)
			if err != nil {
				return err
			}
			opts := jobs.RunOptions{Detach: c.Bool("detach"), Timeout: c.Duration("timeout")}
			if c.IsSet("check-index") {
				idx := c.Uint64("check-index")
				opts.CheckIndex = &idx
			}
			return client.Run(ctx, job, opts)
		}),
	}
}

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

func stopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop a job and wait until its allocations have stopped",
		UsageText: "nomadbox stop [-f FILE] [-o DIR] [--purge] JOB",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), &cli.BoolFlag{Name: "purge", Usage: "also remove the job from the job list"}},
		Before:    exactly(1, "exactly one job name"),
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, err := s.Jobs(c.App.Writer)
			if err != nil {
				return err
			}
			return client.Stop(ctx, c.Args().First(), c.Bool("purge"))
		}),
	}
}

func jobsCommand() *cli.Command {
	return &cli.Command{
		Name:      "jobs",
		Usage:     "list the cluster's jobs",
		UsageText: "nomadbox jobs [-f FILE] [-o DIR] [--json]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), jsonFlag("print as JSON")},
		Before:    noArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, err := s.Jobs(c.App.Writer)
			if err != nil {
				return err
			}
			list, err := client.List(ctx)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(c, list)
			}
			jobs.WriteList(c.App.Writer, list)
			return nil
		}),
	}
}

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:        "load",
		Usage:       "copy Docker images from this machine into every client node",
		UsageText:   "nomadbox load [-f FILE] [-o DIR] IMAGE...",
		Description: "Like `kind load docker-image`: the images are saved here and loaded into the\nDocker of every client with the docker driver, so jobs can use them without a registry.",
		Flags:       []cli.Flag{fileFlag(), outputFlag(), verboseFlag()},
		Before:      atLeast(1, "at least one image"),
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			return s.LoadImages(ctx, c.Args().Slice())
		}),
	}
}

// jobArgs checks the command line of run and plan: one job file, and
// --var values of the form name=value.
func jobArgs(c *cli.Context) error {
	if err := exactly(1, "exactly one job file")(c); err != nil {
		return err
	}
	if _, err := jobs.ParseVars(c.StringSlice("var")); err != nil {
		return usageError{err}
	}
	return nil
}

// loadJob parses the job file named on the command line, with its --var
// values (jobArgs checked them), through the cluster's Nomad agent.
func loadJob(ctx context.Context, c *cli.Context, s *cluster.Session) (*jobs.Client, *api.Job, error) {
	vars, err := jobs.ParseVars(c.StringSlice("var"))
	if err != nil {
		return nil, nil, usageError{err}
	}
	client, err := s.Jobs(c.App.Writer)
	if err != nil {
		return nil, nil, err
	}
	job, err := client.Parse(ctx, c.Args().First(), vars)
	return client, job, err
}
