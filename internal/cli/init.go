package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/detect"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/scaffold"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented topology.hcl (and the example jobs it deploys)",
		UsageText: "nomadbox init [--servers N] [--clients M] [--provider P] [--name NAME] [--force] [-f FILE]",
		Description: "Writes the reference sandbox: one server (nomad-server1), two Docker clients\n" +
			"(nomad-client1, nomad-client2) with the docker and raw_exec drivers, dnsmasq\n" +
			"for .consul names and the fabio job. Every field is explained in the file.\n" +
			"Without --provider the provider is detected: VirtualBox, then libvirt, then Docker.\n" +
			"Example jobs are written to jobs/ unless files of the same name exist.",
		Flags: []cli.Flag{
			fileFlagUsage("topology file to write"),
			&cli.IntFlag{Name: "servers", Value: 1, Usage: "number of servers (1, 3 or 5)"},
			&cli.IntFlag{Name: "clients", Value: 2, Usage: "number of clients"},
			&cli.StringFlag{Name: "provider", Usage: "virtualbox, libvirt, docker, hyperv, parallels, ssh, or the name of a provider plugin (default: detected)"},
			&cli.StringFlag{Name: "name", Value: "playground", Usage: "cluster name"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing topology file"},
			&cli.StringFlag{Name: "cidr", Usage: "private network (default 192.168.56.0/24)"},
			&cli.StringFlag{Name: "consul-version", Usage: "Consul version to install"},
			&cli.StringFlag{Name: "nomad-version", Usage: "Nomad version to install"},
			&cli.StringFlag{Name: "install", Usage: "install method: releases, apt or local"},
			&cli.StringFlag{Name: "consul-binary", Usage: "with --install local: Consul binary to copy to the nodes"},
			&cli.StringFlag{Name: "nomad-binary", Usage: "with --install local: Nomad binary to copy to the nodes"},
			&cli.StringFlag{Name: "docker-package", Usage: "docker-ce (Docker's apt repository) or docker.io (the distribution's)"},
			&cli.StringFlag{Name: "jobs", Value: "fabio", Usage: "comma-separated example jobs that up deploys (from jobs/); empty for none"},
		},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			opts := scaffold.WriteOptions{
				Options: scaffold.Options{
					Cluster:  c.String("name"),
					Provider: c.String("provider"),
					Servers:  c.Int("servers"),
					Clients:  c.Int("clients"),

					CIDR:          c.String("cidr"),
					ConsulVersion: c.String("consul-version"),
					NomadVersion:  c.String("nomad-version"),
					InstallMethod: c.String("install"),
					ConsulBinary:  c.String("consul-binary"),
					NomadBinary:   c.String("nomad-binary"),
					DockerPackage: c.String("docker-package"),
					Jobs:          splitList(c.String("jobs")),
				},
				File:   c.String("file"),
				Force:  c.Bool("force"),
				Assets: nomadbox.Assets(),
			}
			if opts.Servers < 1 || opts.Clients < 1 {
				return usageError{fmt.Errorf("--servers and --clients must be at least 1")}
			}
			if opts.Provider == "" {
				d := detect.Provider()
				opts.Provider = d.Provider
				if d.Found {
					fmt.Fprintf(c.App.Writer, "Provider: %s (%s)\n", d.Provider, d.Reason)
				} else {
					fmt.Fprintf(c.App.ErrWriter, "Warning: %s; writing provider %q. Install one or pass --provider.\n", d.Reason, d.Provider)
				}
			} else if !providers.IsBuiltin(opts.Provider) {
				// A plugin: its block is written from the schema it declares.
				attrs, err := pluginBlock(opts.Provider)
				if err != nil {
					return usageError{err}
				}
				opts.PluginAttributes = attrs
			}
			for _, j := range opts.Jobs {
				if _, err := fs.Stat(nomadbox.Assets(), "jobs/"+j+".nomad.hcl"); err != nil {
					names, _ := fs.Glob(nomadbox.Assets(), "jobs/*.nomad.hcl")
					return usageError{fmt.Errorf("--jobs: there is no example job %q; the examples are %s", j, strings.Join(trimJobNames(names), ", "))}
				}
			}
			if (opts.ConsulBinary != "" || opts.NomadBinary != "") && opts.InstallMethod != "local" {
				return usageError{fmt.Errorf("--consul-binary and --nomad-binary go with --install local")}
			}
			if opts.InstallMethod == "local" && (opts.ConsulBinary == "" || opts.NomadBinary == "") {
				return usageError{fmt.Errorf("--install local needs --consul-binary and --nomad-binary")}
			}
			// What init writes must pass validate: flags such as --cidr could
			// make it invalid, and a file that fails later helps nobody.
			src, err := scaffold.Topology(opts.Options)
			if err != nil {
				return err
			}
			parser := topology.NewParser()
			if _, diags := parser.Parse(src, opts.File); diags.HasErrors() {
				return &cluster.Diagnostics{Diags: diags, Files: parser.Files()}
			}
			written, err := scaffold.Write(opts)
			if err != nil {
				return err
			}
			for _, w := range written {
				fmt.Fprintf(c.App.Writer, "Wrote %s\n", w)
			}
			hint := ""
			if f := c.String("file"); filepath.Clean(f) != topology.DefaultFile {
				hint = " -f " + f
			}
			fmt.Fprintf(c.App.Writer, "Next: edit the file, then run `nomadbox validate%s` and `nomadbox up%s`.\n", hint, hint)
			return nil
		},
	}
}

// pluginBlock starts the provider plugin name and turns the schema it
// declares into the attributes init writes.
func pluginBlock(name string) ([]scaffold.Attribute, error) {
	path, dirs := providers.Find(name)
	if path == "" {
		return nil, providers.NotFoundError(name, dirs)
	}
	h, err := providers.Launch(context.Background(), name, path, nil)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	schema, err := h.Schema(context.Background())
	if err != nil {
		return nil, err
	}
	var out []scaffold.Attribute
	for _, a := range schema.Attributes {
		attr := scaffold.Attribute{Name: a.Name, Description: a.Description, Required: a.Required}
		if a.Default != nil {
			b, _ := json.Marshal(a.Default)
			attr.Default = string(b) // JSON literals of these types are HCL literals too
		}
		out = append(out, attr)
	}
	return out, nil
}

// splitList splits a comma-separated flag value; "" gives an empty list.
func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func trimJobNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimSuffix(strings.TrimPrefix(p, "jobs/"), ".nomad.hcl")
	}
	return out
}
