package cli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "export what a bug report needs",
		Subcommands: []*cli.Command{{
			Name:      "logs",
			Usage:     "write one archive with every node's journals, configuration and cluster views",
			UsageText: "nomadbox export logs [-f FILE] [-o DIR] [--since D] [--json] [DIR]",
			Description: "Writes DIR/nomadbox-<cluster>-<time>.tar.gz (DIR defaults to the current\n" +
				"directory). Per node (nodes/<name>/): the journals of the units nomadbox\n" +
				"installed, the agents' configurations as installed, consul members, consul\n" +
				"and nomad Raft peers, nomad server members, nomad node status -verbose, the\n" +
				"firewall ruleset, resolv.conf and the DNS forwarder's files. From this\n" +
				"machine (nomadbox/): nomadbox's log, the topology, the last plan and the\n" +
				"last verify report. ACL tokens, private keys and gossip keys are replaced\n" +
				"by [redacted]. A node that does not answer is listed as UNREACHABLE in\n" +
				"index.txt and the rest is still collected; the command then exits 0 and\n" +
				"names it. --json prints {\"path\", \"nodes\": [{\"name\", \"files\", \"error\"}]}.",
			Flags: []cli.Flag{
				fileFlag(), outputFlag(),
				&cli.StringFlag{Name: "since", Usage: "journals only from then on (5m, 2h, or \"2026-12-01 10:00\"; default: all)"},
				jsonFlag("print the result as JSON"),
			},
			Before: func(c *cli.Context) error {
				if err := atMost(1, "at most one directory")(c); err != nil {
					return err
				}
				return sinceArg(c)
			},
			Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
				res, err := cluster.ExportLogs(ctx, s, cluster.ExportOptions{Dir: c.Args().First(), Since: c.String("since"), Version: version()})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return writeJSON(c, res)
				}
				for _, n := range res.Nodes {
					if n.Error != "" {
						fmt.Fprintf(c.App.Writer, "%s: unreachable, nothing collected (%s)\n", n.Name, n.Error)
					}
				}
				fmt.Fprintln(c.App.Writer, res.Path)
				return nil
			}),
		}},
	}
}
