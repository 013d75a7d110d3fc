package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/box"
	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show the machines and a summary of the cluster",
		UsageText: "nomadbox status [-f FILE] [-o DIR] [--json]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), jsonFlag("print as JSON")},
		Before:    noArgs,
		Action: inSession(needs{}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			st, err := s.Status(ctx)
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
			lines, err := s.Env(c.String("token"))
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
			xc, err := s.SSHCommand(args[0], args[1:])
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

func haltCommand() *cli.Command {
	return &cli.Command{
		Name:      "halt",
		Usage:     "stop the machines (all, or the named ones), keeping them",
		UsageText: "nomadbox halt [-f FILE] [-o DIR] [NODE...]",
		Flags:     []cli.Flag{fileFlag(), outputFlag(), verboseFlag()},
		Action: inSession(needs{machines: true, nodes: allArgs}, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			return s.Halt(ctx, c.Args().Slice()...)
		}),
	}
}

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
			return s.Destroy(ctx)
		}),
	}
}

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
				opts := box.Options{
					Image:    c.String("image"),
					Base:     c.String("base"),
					Rebuild:  c.Bool("rebuild"),
					Runner:   r,
					Progress: func(step string) { fmt.Fprintf(c.App.Writer, "%s\n", step) },
				}
				if c.String("provider") == "libvirt" {
					return box.BuildLibvirt(ctx, opts)
				}
				return box.Build(ctx, opts)
			},
		}},
	}
}
