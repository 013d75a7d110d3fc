package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/cluster"
)

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:      "render",
		Usage:     "write the Vagrantfile and the Ansible tree without starting anything",
		UsageText: "nomadbox render [-f FILE] [-o DIR]",
		Description: "Validates the topology, then writes DIR/Vagrantfile, DIR/ansible/ (inventory,\n" +
			"variables, agent configurations and roles) and the secrets the security block\n" +
			"asks for (DIR/secrets, mode 0700, kept across renders). DIR defaults to\n" +
			".nomadbox/<cluster> beside the topology file. Nothing is written when the\n" +
			"topology is invalid, and a render replaces the previous one whole.",
		Flags: []cli.Flag{
			fileFlag(), outputFlag(),
		},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			l, err := load(c)
			if err != nil {
				return err
			}
			defer l.Close()
			res, err := cluster.Render(l, cluster.RenderOptions{
				OutDir: c.String("output"),
				Assets: nomadbox.Assets(),
			})
			if err != nil {
				return fmt.Errorf("render failed: %w", err)
			}
			var parts []string
			if _, ok := res.Files["Vagrantfile"]; ok {
				parts = append(parts, "Vagrantfile")
			}
			parts = append(parts, fmt.Sprintf("ansible/ (%d files)", len(res.Files)-len(parts)))
			fmt.Fprintf(c.App.Writer, "Rendered cluster %q (%d nodes) into %s: %s.\n",
				l.Topology.Cluster.Name, len(l.Topology.Nodes()), res.Dir, strings.Join(parts, ", "))
			return nil
		},
	}
}
