package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/cluster"
)

func upCommand() *cli.Command {
	return &cli.Command{
		Name:      "up",
		Usage:     "create the machines, provision every node in one Ansible run, and verify the cluster",
		UsageText: "nomadbox up [-f FILE] [-o DIR] [--wait 10m] [--retain] [--no-verify] [--dry-run [--json]] [--force] [--max-parallel N] [-v]",
		Description: "Renders the topology, brings every machine up (in parallel where the provider\n" +
			"allows), runs Ansible once over all nodes and waits until the cluster verifies\n" +
			"healthy through the Consul and Nomad APIs. Progress shows the phase, node and\n" +
			"elapsed time; the full output of vagrant and ansible goes to\n" +
			".nomadbox/<cluster>/nomadbox.log.\n\n" +
			"When a step fails on a new cluster its machines are removed, unless --retain.\n" +
			"On an existing cluster up first prints the change plan and does only that. The\n" +
			"plan compares the edited topology with what the last successful provision\n" +
			"applied (kept in the render directory, so a `render` in between changes\n" +
			"nothing): machines to create, start, drain and remove, agent settings, versions,\n" +
			"binaries, packages, firewall, DNS and security edits, each with its nodes and\n" +
			"what restarts. New machines are added, removed clients are drained first,\n" +
			"services whose files are unchanged are not restarted, and with no changes\n" +
			"Ansible does not run. Sizes and provider settings reach only machines created\n" +
			"later; the plan says so. Running agents that must restart roll: servers one\n" +
			"at a time, each back with a Raft leader before the next (at most --wait), then\n" +
			"clients --max-parallel at a time; a gate that does not pass stops the roll and\n" +
			"leaves the remaining nodes untouched. --dry-run prints the plan and stops;\n" +
			"with --json it prints {\"empty\", \"provisions\", \"create\", \"start\", \"remove\":\n" +
			"[{\"name\", \"role\"}], \"changes\": [{\"node\", \"settings\", \"restarts\"}],\n" +
			"\"edits\": [{\"what\", \"nodes\", \"restarts\"}], \"provision_all\", \"not_applied\",\n" +
			"\"unknown\", \"needs_force\", \"jobs\", \"roll_clients\", \"existing_hosts\"}.\n" +
			"Exit status: 0 only when the cluster verified healthy (or --no-verify).",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(), verboseFlag(),
			&cli.DurationFlag{Name: "wait", Value: defaultWait, Usage: "how long to wait for the cluster to become healthy, and for each restarted agent to be back"},
			&cli.BoolFlag{Name: "retain", Usage: "keep the machines of a new cluster when a step fails"},
			&cli.BoolFlag{Name: "no-verify", Usage: "stop after provisioning"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the change plan and stop"},
			jsonFlag("with --dry-run: print the plan as JSON"),
			&cli.BoolFlag{Name: "force", Usage: "allow a plan that loses Raft quorum, leaves an even number of servers, recreates a renamed group or downgrades Consul or Nomad"},
			&cli.DurationFlag{Name: "drain-deadline", Value: 5 * time.Minute, Usage: "how long each removed client's allocations may take to move"},
			maxParallelFlag(),
		},
		Before: upArgs,
		Action: inSession(needs{}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			s.Roll = cluster.Roll{MaxParallel: c.Int("max-parallel"), Gate: c.Duration("wait")}
			var planJSON io.Writer
			if c.Bool("json") {
				planJSON = c.App.Writer
			}
			report, err := cluster.Up(ctx, s, cluster.UpOptions{
				Assets:   nomadbox.Assets(),
				Wait:     c.Duration("wait"),
				Retain:   c.Bool("retain"),
				NoVerify: c.Bool("no-verify"),
				DryRun:   c.Bool("dry-run"),
				PlanJSON: planJSON,
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

// upArgs: no arguments, and --json only with --dry-run (up prints its
// plan as JSON; a whole up has progress, not one document).
func upArgs(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	if c.Bool("json") && !c.Bool("dry-run") {
		return usageError{fmt.Errorf("--json goes with --dry-run: up --dry-run --json prints the plan as JSON")}
	}
	return nil
}

// count says "1 server" or "3 servers".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
