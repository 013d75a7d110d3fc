package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

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
