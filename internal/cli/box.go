package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func boxCommand() *cli.Command {
	return &cli.Command{
		Name:  "box",
		Usage: "build the machine images: the docker provider's node image, the libvirt provider's box",
		Subcommands: []*cli.Command{{
			Name:      "build",
			Usage:     "build the node image (systemd, sshd, the vagrant user) from a base image or a debootstrap root file system, or the libvirt box from it",
			UsageText: "nomadbox box build [--provider docker|libvirt] [--image NAME] [--base IMAGE] [--rebuild]",
			Description: "Without --base the image starts from a Debian root file system made with\n" +
				"debootstrap (no registry needed; the tarball is cached under\n" +
				"~/.cache/nomadbox/rootfs). Packages the roles need are baked in, so `up` is fast.\n" +
				"With --provider libvirt the node image becomes a Vagrant box for libvirt\n" +
				"(" + topology.DefaultLibvirtBox + ", with its own kernel), added to Vagrant at a box version\n" +
				"that changes with its recipe; a current box is left alone.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "provider", Value: "docker", Usage: "what to build: docker (the node image) or libvirt (a Vagrant box made from it)"},
				&cli.StringFlag{Name: "image", Value: "nomadbox/node:bookworm", Usage: "node image to build (or to make the libvirt box from)"},
				&cli.StringFlag{Name: "base", Usage: "base image to build FROM instead of debootstrap"},
				&cli.BoolFlag{Name: "rebuild", Usage: "build even if the image (or box) exists"},
				verboseFlag(),
			},
			Before: func(c *cli.Context) error {
				if p := c.String("provider"); p != "docker" && p != "libvirt" {
					return usageError{fmt.Errorf("invalid value %q for --provider: want docker or libvirt", p)}
				}
				return noArgs(c)
			},
			Action: func(c *cli.Context) error {
				ctx := c.Context
				r := &execx.Runner{}
				if c.Bool("verbose") {
					r.OnLine = func(_ *execx.Cmd, l string) { fmt.Fprintf(c.App.Writer, "    %s\n", l) }
				}
				opts := nodeimage.BuildOptions{
					Image:    c.String("image"),
					Base:     c.String("base"),
					Rebuild:  c.Bool("rebuild"),
					Runner:   r,
					Progress: func(step string) { fmt.Fprintf(c.App.Writer, "%s\n", step) },
				}
				if c.String("provider") == "libvirt" {
					return nodeimage.BuildLibvirtBox(ctx, opts)
				}
				return nodeimage.BuildDocker(ctx, opts)
			},
		}},
	}
}
