package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show the machines and a summary of the cluster",
		UsageText: "nomadbox status [-f FILE] [-o DIR] [--json]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), jsonFlag("print as JSON")},
		Before:    noArgs,
		Action: inSession(needs{}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			st, err := cluster.Status(ctx, s)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(c, st)
			}
			fmt.Fprintf(c.App.Writer, "cluster %s (%s) in %s\n\n", st.Cluster, st.Provider, st.Dir)
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NODE\tROLE\tADDRESS\tSTATE")
			for _, m := range st.Machines {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Role, m.Address, m.State)
			}
			tw.Flush()
			fmt.Fprintln(c.App.Writer)
			switch {
			case st.ConsulLeader == "" && st.NomadLeader == "" && len(st.FailedChecks) == 0:
				fmt.Fprintln(c.App.Writer, "cluster: not running")
			case st.Healthy:
				fmt.Fprintf(c.App.Writer, "cluster: healthy (consul leader %s, nomad leader %s)\n", st.ConsulLeader, st.NomadLeader)
			default:
				fmt.Fprintf(c.App.Writer, "cluster: NOT healthy (%d failing checks; run `nomadbox verify` for details)\n", len(st.FailedChecks))
			}
			return nil
		}),
	}
}
