package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/chaos"
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
			return s.Logs(ctx, cluster.LogsOptions{
				Node:   c.Args().First(),
				Units:  c.StringSlice("unit"),
				Since:  c.String("since"),
				Follow: c.Bool("follow"),
				Out:    c.App.Writer,
			})
		}),
	}
}

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
				res, err := s.ExportLogs(ctx, cluster.ExportOptions{Dir: c.Args().First(), Since: c.String("since"), Version: version()})
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

func chaosCommand() *cli.Command {
	return &cli.Command{
		Name:      "chaos",
		Usage:     "break the cluster on purpose, heal it, and measure how it copes",
		UsageText: "nomadbox chaos [-f FILE] [-o DIR] SCENARIO [ARGS] [--for D] [--wait D] [--json]",
		Description: "Scenarios:\n" +
			"  stop-agent NODE nomad|consul   stop the agent on NODE\n" +
			"  kill-leader nomad|consul       SIGKILL the agent that leads Raft\n" +
			"  partition NODE                 cut NODE off from every other node, both ways\n" +
			"                                 (nftables, in the table nomadbox owns; this\n" +
			"                                 machine still reaches it)\n" +
			"  halt NODE                      stop the machine\n\n" +
			"The cluster must pass verify first. The fault lasts --for (or until Ctrl-C),\n" +
			"is healed (agent started, chains removed, machine started), then verify is\n" +
			"polled until it passes or --wait has passed. The report gives when the fault\n" +
			"was detected (first failing verify pass, or a new leader), when the cluster was\n" +
			"healthy again, the leaders before and after, and the allocations that moved.\n" +
			"Exit 0 when the cluster is healthy again, 1 when not (the failing checks are\n" +
			"named) or when the drill could not be carried out.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(), verboseFlag(),
			&cli.DurationFlag{Name: "for", Value: 30 * time.Second, Usage: "how long the fault lasts"},
			&cli.DurationFlag{Name: "wait", Value: 5 * time.Minute, Usage: "how long the cluster may take to be healthy after healing"},
			jsonFlag("print the report as JSON"),
		},
		Before: func(c *cli.Context) error {
			if err := atLeast(1, "a scenario: "+strings.Join(chaos.Names, "; "))(c); err != nil {
				return err
			}
			if _, err := chaos.Parse(c.Args().Slice()); err != nil {
				return usageError{err}
			}
			return nil
		},
		Action: inSession(needs{machines: true, nodes: chaosNode}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			sc, err := chaos.Parse(c.Args().Slice())
			if err != nil {
				return usageError{err}
			}
			r, err := s.Chaos(ctx, cluster.ChaosOptions{Scenario: sc, For: c.Duration("for"), Wait: c.Duration("wait")})
			if r != nil {
				if c.Bool("json") {
					if jerr := writeJSON(c, r); jerr != nil {
						return jerr
					}
				} else {
					writeChaosReport(c.App.Writer, r)
				}
			}
			if err != nil {
				return err
			}
			if !r.Healthy {
				return silentError{fmt.Errorf("not healthy after the drill")}
			}
			return nil
		}),
	}
}

// chaosNode is the node a chaos scenario names, if any.
func chaosNode(c *cli.Context) []string {
	if sc, err := chaos.Parse(c.Args().Slice()); err == nil && sc.Node != "" {
		return []string{sc.Node}
	}
	return nil
}

// sinceArg refuses a --since that journalctl would not understand.
func sinceArg(c *cli.Context) error {
	if _, err := journal.Since(c.String("since")); err != nil {
		return usageError{err}
	}
	return nil
}

func writeChaosReport(w io.Writer, r *chaos.Report) {
	at := func(t time.Time) string { return t.Format("15:04:05.0") }
	target := r.Node
	if r.Agent != "" {
		target += " (" + r.Agent + ")"
	}
	fmt.Fprintf(w, "%s on %s: started %s, healed %s\n", r.Scenario, target, at(r.Started), at(r.Healed))
	if r.Detected != nil {
		fmt.Fprintf(w, "  detected after %.1fs: %s\n", *r.DetectSeconds, r.DetectedBy)
	} else {
		fmt.Fprintln(w, "  not detected: every verify pass succeeded and no leader changed")
	}
	for _, a := range []string{"nomad", "consul"} {
		l := r.Leaders[a]
		if l.Elected != nil {
			fmt.Fprintf(w, "  %s leader: %s -> %s (seen %s)\n", a, l.Before, l.After, at(*l.Elected))
		} else {
			fmt.Fprintf(w, "  %s leader: %s (unchanged)\n", a, l.After)
		}
	}
	for _, m := range r.Moved {
		to := m.To
		if to == "" {
			to = "(not replaced)"
		}
		fmt.Fprintf(w, "  moved: %s/%s %s -> %s\n", m.Job, m.Group, m.From, to)
	}
	switch {
	case r.Interrupted:
		fmt.Fprintln(w, "  interrupted: healed without waiting for recovery")
	case r.Healthy:
		fmt.Fprintf(w, "  healthy again %.1fs after healing\n", *r.RecoverSeconds)
	default:
		for _, ch := range r.Failed {
			fmt.Fprintf(w, "  FAILED %s %s: %s\n", ch.Name, ch.Node, ch.Detail)
		}
	}
}
