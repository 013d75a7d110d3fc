package cli

import (
	"context"
	"os"
	"os/exec"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/execx"
)

func sshCommand() *cli.Command {
	return &cli.Command{
		Name:      "ssh",
		Usage:     "open a shell on a node, or run a command there",
		UsageText: "nomadbox ssh [-f FILE] [-o DIR] NODE [[--] CMD...]",
		Description: "Without CMD, an interactive shell. CMD starts at the first word after NODE\n" +
			"and goes to the node as it is (write -- before a CMD that starts with a dash).\n" +
			"Exit status: CMD's.",
		Flags:  []cli.Flag{fileFlag(), outputFlag()},
		Before: atLeast(1, "a node name, e.g. `nomadbox ssh nomad-server1`"),
		Action: inSession(needs{machines: true, nodes: firstArg}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			args := c.Args().Slice()
			xc, err := cluster.SSHCommand(s, args[0], args[1:])
			if err != nil {
				return err
			}
			if _, err := execx.LookPath(xc.Name); err != nil {
				return err
			}
			// Interactive: the terminal is handed to ssh as it is.
			cmd := exec.CommandContext(c.Context, xc.Name, xc.Args...)
			cmd.Dir = xc.Dir
			cmd.Env = append(os.Environ(), "VAGRANT_CHECKPOINT_DISABLE=1")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.App.Writer, c.App.ErrWriter
			if err := cmd.Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					return exitCode{ee.ExitCode()}
				}
				return err
			}
			return nil
		}),
	}
}
