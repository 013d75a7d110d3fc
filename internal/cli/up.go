package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/cluster"
)

func upCommand() *cli.Command {
	return &cli.Command{
		Name:      "up",
		Usage:     "create the machines, provision every node in one Ansible run, and verify the cluster",
		UsageText: "nomadbox up [-f FILE] [--wait 10m] [--retain] [--no-verify] [-v]",
		Description: "Renders the topology, brings every machine up (in parallel where the provider\n" +
			"allows), runs Ansible once over all nodes and waits until the cluster verifies\n" +
			"healthy through the Consul and Nomad APIs. Progress shows the phase, node and\n" +
			"elapsed time; the full output of vagrant and ansible goes to\n" +
			".nomadbox/<cluster>/nomadbox.log.\n\n" +
			"When a step fails on a new cluster its machines are removed, unless --retain.\n" +
			"On an existing cluster up first prints the change plan (machines to create,\n" +
			"nodes to drain and remove, agent configurations that change and why) and does\n" +
			"only that: new machines are added, removed clients are drained first, agents\n" +
			"whose configuration is unchanged are not restarted, and with no changes nothing\n" +
			"is touched. --dry-run prints the plan and stops.\n" +
			"Exit status: 0 only when the cluster verified healthy (or --no-verify).",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(), verboseFlag(),
			&cli.DurationFlag{Name: "wait", Value: defaultWait, Usage: "how long to wait for the cluster to become healthy"},
			&cli.BoolFlag{Name: "retain", Usage: "keep the machines of a new cluster when a step fails"},
			&cli.BoolFlag{Name: "no-verify", Usage: "stop after provisioning"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the change plan and stop"},
			&cli.BoolFlag{Name: "force", Usage: "allow a plan that loses Raft quorum, leaves an even number of servers or recreates a renamed group"},
			&cli.DurationFlag{Name: "drain-deadline", Value: 5 * time.Minute, Usage: "how long each removed client's allocations may take to move"},
		},
		Action: inSession(noArgs, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			report, err := s.Up(ctx, cluster.UpOptions{
				Assets:   nomadbox.Assets(),
				Wait:     c.Duration("wait"),
				Retain:   c.Bool("retain"),
				NoVerify: c.Bool("no-verify"),
				DryRun:   c.Bool("dry-run"),
				Force:    c.Bool("force"),

				DrainDeadline: c.Duration("drain-deadline"),
			})
			if errors.Is(err, cluster.ErrDryRun) {
				return nil
			}
			if err != nil {
				return err
			}
			if report != nil {
				fmt.Fprintf(c.App.Writer, "Cluster %q is up and healthy: %s, %s.\n", s.Topology.Cluster.Name,
					count(report.Servers, "server"), count(report.Clients, "client"))
			}
			fmt.Fprintf(c.App.Writer, "Point the consul and nomad CLIs at it with: eval \"$(nomadbox env)\"\n")
			return nil
		}),
	}
}

func provisionCommand() *cli.Command {
	return &cli.Command{
		Name:      "provision",
		Usage:     "run Ansible again over every node (idempotent: a healthy cluster reports no changes)",
		UsageText: "nomadbox provision [-f FILE] [-v]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), verboseFlag()},
		Action: inSession(noArgs, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			res, err := s.Provision(ctx, nomadbox.Assets())
			if err != nil {
				return err
			}
			for _, h := range res.Recap {
				fmt.Fprintf(c.App.Writer, "%-20s ok=%d changed=%d failed=%d\n", h.Host, h.OK, h.Changed, h.Failed)
			}
			return nil
		}),
	}
}

// count says "1 server" or "3 servers".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
