package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/journal"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "show the journal of the units nomadbox installed on a node",
		UsageText: "nomadbox logs [-f FILE] [-o DIR] NODE [--unit consul|nomad|docker|dnsmasq|firewall]... [--since D] [--follow]",
		Description: "Prints the systemd journal of the node's firewall, DNS forwarder, Docker,\n" +
			"Consul and Nomad units (those the topology installs there), oldest first,\n" +
			"with ISO timestamps. --since takes a duration (5m, 2h) or a date and time\n" +
			"(\"2026-12-01 10:00\", the node's local time); --follow keeps printing new\n" +
			"lines until Ctrl-C.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(),
			&cli.StringSliceFlag{Name: "unit", Aliases: []string{"u"}, Usage: "only this unit (repeatable): " + strings.Join(journal.Names, ", ")},
			&cli.StringFlag{Name: "since", Usage: "only lines newer than this (5m, 2h, or \"2026-12-01 10:00\")"},
			&cli.BoolFlag{Name: "follow", Usage: "keep printing new lines until Ctrl-C"},
		},
		Before: func(c *cli.Context) error {
			if err := exactly(1, "a node name, e.g. `nomadbox logs nomad-server1`")(c); err != nil {
				return err
			}
			for _, u := range c.StringSlice("unit") {
				if !slices.Contains(journal.Names, u) {
					return usageError{fmt.Errorf("--unit %q: the units are %s", u, strings.Join(journal.Names, ", "))}
				}
			}
			return sinceArg(c)
		},
		Action: inSession(needs{machines: true, nodes: firstArg}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			return cluster.Logs(ctx, s, cluster.LogsOptions{
				Node:   c.Args().First(),
				Units:  c.StringSlice("unit"),
				Since:  c.String("since"),
				Follow: c.Bool("follow"),
				Out:    c.App.Writer,
			})
		}),
	}
}
