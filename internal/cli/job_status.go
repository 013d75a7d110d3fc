package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

// jobStatusCommand lists the cluster's jobs, like `nomad job status`
// without a job.
func jobStatusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "list the cluster's jobs",
		UsageText: "nomadbox job status [-f FILE] [-o DIR] [--json]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), jsonFlag("print as JSON")},
		Before:    noArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			client, err := openJobClient(s, c.App.Writer)
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
