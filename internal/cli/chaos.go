package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/chaos"
	"github.com/nomadbox/nomadbox/internal/cluster"
)

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
			r, err := cluster.Chaos(ctx, s, cluster.ChaosOptions{Scenario: sc, For: c.Duration("for"), Wait: c.Duration("wait")})
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
