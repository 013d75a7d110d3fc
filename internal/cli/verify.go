package cli

import (
	"context"
	"errors"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

const defaultWait = 10 * time.Minute

// errUnhealthy makes verify exit 1 after printing its report.
var errUnhealthy = errors.New("the cluster is not healthy")

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check the cluster through the Consul and Nomad APIs",
		UsageText: "nomadbox verify [-f FILE] [--wait D] [--json]",
		Description: "Checks: Consul leader; every node a Consul member, alive, on its private\n" +
			"address; Raft voters; Nomad leader; every server a Nomad member; every client\n" +
			"ready and eligible with its drivers detected and healthy; every node resolving\n" +
			"consul.service.consul through its local forwarder; every service's health\n" +
			"checks passing. --wait polls until healthy or the time is up.\n" +
			"--json prints {\"healthy\": bool, \"checks\": [{\"name\", \"ok\", \"detail\", \"node\"}], ...}.\n" +
			"Exit status: 0 healthy, 1 not.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(),
			&cli.DurationFlag{Name: "wait", Usage: "poll until healthy, at most this long (0: look once)"},
			jsonFlag("print the report as JSON"),
		},
		Action: inSession(noArgs, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			report := s.Verify(ctx, c.Duration("wait"))
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
