package cli

import (
	"context"
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

// errUnhealthy makes verify exit 1 after printing its report.
var errUnhealthy = errors.New("the cluster is not healthy")

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check the cluster through the Consul and Nomad APIs",
		UsageText: "nomadbox verify [-f FILE] [-o DIR] [--wait D] [--canary] [--json]",
		Description: "Checks: Consul leader; every node a Consul member, alive, on its private\n" +
			"address; Raft voters; Nomad leader; every server a Nomad member; every client\n" +
			"ready and eligible with its drivers detected and healthy; every node resolving\n" +
			"consul.service.consul through its local forwarder; every service's health\n" +
			"checks passing. --wait polls these until they pass or the time is up.\n" +
			"\n" +
			"--canary then proves that work runs: for every client and every driver it\n" +
			"enables, a batch task constrained to that node (raw_exec and exec: a shell\n" +
			"that prints a line; docker: an image imported on the node, no registry),\n" +
			"reported as check canary:<driver> with the first failing task event, and\n" +
			"purged afterwards. `up` runs the canaries once every time; plain `verify`\n" +
			"does not, so that polling it stays cheap (a canary run takes seconds).\n" +
			"\n" +
			"--json prints {\"healthy\": bool, \"canary\": bool, \"checks\": [{\"name\", \"ok\",\n" +
			"\"detail\", \"node\", \"skipped\"}], ...}.\n" +
			"Exit status: 0 healthy, 1 not.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(),
			&cli.DurationFlag{Name: "wait", Usage: "poll until healthy, at most this long (0: look once)"},
			&cli.BoolFlag{Name: "canary", Usage: "also run a task on every client for each of its drivers"},
			jsonFlag("print the report as JSON"),
		},
		Before: noArgs,
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			req := cluster.VerifyRequest{Wait: c.Duration("wait")}
			if c.Bool("canary") {
				req.Canary = cluster.CanaryAlways
			}
			report := cluster.Verify(ctx, s, req)
			if c.Bool("json") {
				writeJSON(c, report)
			} else {
				report.WriteText(c.App.Writer, isTerminal(c.App.Writer))
			}
			if !report.Healthy {
				return silentError{errUnhealthy}
			}
			return nil
		}),
	}
}
