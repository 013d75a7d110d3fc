package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/box"
	"github.com/nomadbox/nomadbox/internal/execx"
)

func boxCommand() *cli.Command {
	return &cli.Command{
		Name:  "box",
		Usage: "manage the docker provider's node image",
		Subcommands: []*cli.Command{{
			Name:      "build",
			Usage:     "build the node image (systemd, sshd, the vagrant user) from a base image or a debootstrap root file system",
			UsageText: "nomadbox box build [--image NAME] [--base IMAGE] [--rebuild]",
			Description: "Without --base the image starts from a Debian root file system made with\n" +
				"debootstrap (no registry needed; the tarball is cached under\n" +
				"~/.cache/nomadbox/rootfs). Packages the roles need are baked in, so `up` is fast.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "image", Value: "nomadbox/node:bookworm", Usage: "image to build"},
				&cli.StringFlag{Name: "base", Usage: "base image to build FROM instead of debootstrap"},
				&cli.BoolFlag{Name: "rebuild", Usage: "build even if the image exists"},
				verboseFlag(),
			},
			Before: noArgs,
			Action: func(c *cli.Context) error {
				ctx := c.Context
				r := &execx.Runner{}
				if c.Bool("verbose") {
					r.OnLine = func(_ *execx.Cmd, l string) { fmt.Fprintf(c.App.Writer, "    %s\n", l) }
				}
				return box.Build(ctx, box.Options{
					Image:    c.String("image"),
					Base:     c.String("base"),
					Rebuild:  c.Bool("rebuild"),
					Runner:   r,
					Progress: func(step string) { fmt.Fprintf(c.App.Writer, "%s\n", step) },
				})
			},
		}},
	}
}
