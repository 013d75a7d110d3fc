package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func destroyCommand() *cli.Command {
	return &cli.Command{
		Name:        "destroy",
		Usage:       "remove the machines and the render directory (secrets included)",
		UsageText:   "nomadbox destroy [-f FILE] [-o DIR] [--force]",
		Description: "Asks for confirmation on a terminal; --force skips the question (and is\nrequired when not on a terminal).",
		Flags:       []cli.Flag{fileFlag(), outputFlag(), verboseFlag(), &cli.BoolFlag{Name: "force", Usage: "do not ask"}},
		Before:      noArgs,
		Action: inSession(needs{}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			if !c.Bool("force") {
				if !isTerminal(os.Stdin) {
					return usageError{fmt.Errorf("destroy removes cluster %q and its secrets: pass --force to confirm", s.Topology.Cluster.Name)}
				}
				fmt.Fprintf(c.App.Writer, "Remove cluster %q (%d machines) and %s? [y/N] ", s.Topology.Cluster.Name, len(s.Topology.Nodes()), s.Dir)
				answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					fmt.Fprintln(c.App.Writer, "Nothing removed.")
					return nil
				}
			}
			return cluster.Destroy(ctx, s)
		}),
	}
}
