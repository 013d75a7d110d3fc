package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

// jobCommand groups what nomadbox does with Nomad's jobs under the names
// Nomad gives them (`nomad job plan|run|stop|status`), so that "plan"
// alone keeps meaning the change plan of `up`.
func jobCommand() *cli.Command {
	return &cli.Command{
		Name:      "job",
		Usage:     "plan, run, stop and list the cluster's Nomad jobs",
		UsageText: "nomadbox job plan|run|stop|status ...",
		Description: "Each subcommand talks to the cluster's Nomad servers. `nomadbox run`,\n" +
			"`nomadbox stop` and `nomadbox jobs` are the same as `job run`, `job stop`\n" +
			"and `job status`; `nomadbox plan` is the old name of `job plan`.",
		Subcommands: []*cli.Command{jobPlanCommand(), jobRunCommand(), jobStopCommand(), jobStatusCommand()},
	}
}

// jobClient is what the job commands ask of the cluster's Nomad
// (*jobs.Client).
type jobClient interface {
	Parse(ctx context.Context, file string, vars map[string]string) (*api.Job, error)
	Plan(ctx context.Context, job *api.Job) (*api.JobPlanResponse, error)
	Run(ctx context.Context, job *api.Job, opts jobs.RunOptions) error
	Stop(ctx context.Context, job string, purge bool) error
	List(ctx context.Context) ([]jobs.JobSummary, error)
}

// openJobClient connects to the cluster's Nomad. It is a variable so
// that tests can see what a job command and its old spelling ask for.
var openJobClient = func(s *cluster.Session, out io.Writer) (jobClient, error) {
	client, err := cluster.Jobs(s, out)
	if err != nil {
		return nil, err // not a non-nil interface holding a nil client
	}
	return client, nil
}

// oldSpelling makes the top-level spelling users and scripts rely on
// (`nomadbox run` for `nomadbox job run`) out of the subcommand itself:
// the same flags, checks and action, so that the two cannot drift apart;
// only the name and the help differ.
func oldSpelling(sub *cli.Command, name string) *cli.Command {
	c := *sub
	c.Name = name
	c.UsageText = strings.Replace(sub.UsageText, "nomadbox job "+sub.Name, "nomadbox "+name, 1)
	c.Usage = sub.Usage + " (the same as `job " + sub.Name + "`)"
	c.Description = "The same as `nomadbox job " + sub.Name + "`, under its short name."
	if sub.Description != "" {
		c.Description += "\n\n" + sub.Description
	}
	return &c
}

// varFlag is --var for the commands that parse a job file.
func varFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "var", Usage: "set a job variable, name=value (repeatable)"}
}

// jobArgs checks the command line of job run and job plan: one job file,
// and --var values of the form name=value.
func jobArgs(c *cli.Context) error {
	if err := exactly(1, "exactly one job file")(c); err != nil {
		return err
	}
	if _, err := jobs.ParseVars(c.StringSlice("var")); err != nil {
		return usageError{err}
	}
	return nil
}

// loadJob connects to the cluster's Nomad and has its agent parse the
// job file named on the command line, with its --var values (jobArgs
// checked them).
func loadJob(ctx context.Context, c *cli.Context, s *cluster.Session) (jobClient, *api.Job, error) {
	vars, err := jobs.ParseVars(c.StringSlice("var"))
	if err != nil {
		return nil, nil, usageError{err}
	}
	client, err := openJobClient(s, c.App.Writer)
	if err != nil {
		return nil, nil, err
	}
	job, err := client.Parse(ctx, c.Args().First(), vars)
	return client, job, err
}

// renamedNotice is what `nomadbox plan` says on standard error, once,
// before it does what `nomadbox job plan` does.
const renamedNotice = "Note: `nomadbox plan` is `nomadbox job plan` now; plain \"plan\" is the change plan of `nomadbox up --dry-run`.\n"

// withNotice runs action after printing notice on standard error (never
// on standard output, which scripts read).
func withNotice(notice string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		fmt.Fprint(c.App.ErrWriter, notice)
		return action(c)
	}
}
