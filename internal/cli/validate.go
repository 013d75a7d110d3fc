package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check the topology file and report every problem at once",
		UsageText: "nomadbox validate [-f FILE]",
		Description: "Parses the topology, fills in defaults and runs every check. Problems are\n" +
			"printed as file:line:col with the offending line. Nothing is written.\n" +
			"Exit status: 0 valid (warnings allowed), 1 invalid.",
		Flags:  []cli.Flag{fileFlag()},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			l, err := load(c)
			if err != nil {
				return err
			}
			defer l.Close()
			t := l.Topology
			fmt.Fprintf(c.App.Writer, "%s is valid: cluster %q, %d server(s) and %d client(s) on %s.\n",
				c.String("file"), t.Cluster.Name, len(t.Servers()), len(t.ClientNodes()), t.Provider.Name)
			return nil
		},
	}
}
