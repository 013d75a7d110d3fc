package cli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func envCommand() *cli.Command {
	return &cli.Command{
		Name:      "env",
		Usage:     "print export lines that point the consul and nomad CLIs at the cluster",
		UsageText: "eval \"$(nomadbox env [-f FILE] [-o DIR] [--token management|read|submit])\"",
		Description: "Prints NOMAD_ADDR and CONSUL_HTTP_ADDR (and the CA certificate and token\n" +
			"file paths when TLS or ACLs are on). Secrets are referred to by path, never printed.\n\n" +
			"With ACLs on, --token chooses Nomad's token: management (everything; the\n" +
			"default), read (read jobs, allocations, nodes; change nothing) or submit (run,\n" +
			"update and stop jobs; no ACL, node or agent changes). With read and submit\n" +
			"Consul gets a read-only token.",
		Flags: []cli.Flag{fileFlag(), outputFlag(), &cli.StringFlag{
			Name:  "token",
			Usage: "Nomad token to export: management, read or submit",
			Value: "management",
		}},
		Before: func(c *cli.Context) error {
			if err := cluster.CheckTokenKind(c.String("token")); err != nil {
				return usageError{fmt.Errorf("--token: %w", err)}
			}
			return noArgs(c)
		},
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			lines, err := cluster.Env(s, c.String("token"))
			if err != nil {
				return err
			}
			for _, l := range lines {
				fmt.Fprintln(c.App.Writer, l)
			}
			return nil
		}),
	}
}
