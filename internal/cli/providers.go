package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/providers"
)

func providersCommand() *cli.Command {
	return &cli.Command{
		Name:      "providers",
		Usage:     "list the built-in providers and the provider plugins found on this machine",
		UsageText: "nomadbox providers [--json]",
		Description: "Plugins are executables named nomadbox-provider-<name>, looked for in\n" +
			"$NOMADBOX_PLUGIN_PATH, ~/.nomadbox/plugins, then PATH; the first one found\n" +
			"is used. Each plugin is started and asked for its version, protocol and\n" +
			"schema, all at once; READY says whether this machine has what the provider\n" +
			"needs (its programs, and the daemon of docker and libvirt answering; for\n" +
			"libvirt also the driver: kvm where KVM boots a guest, qemu otherwise). A\n" +
			"plugin that does not answer within its timeouts (30 s to start, 30 s a call;\n" +
			"$NOMADBOX_PLUGIN_TIMEOUT_SCALE multiplies them) is stopped with everything it\n" +
			"started and listed as not ready, with the reason.",
		Flags:  []cli.Flag{jsonFlag("print as JSON (the schema of every provider included)")},
		Before: noArgs,
		Action: func(c *cli.Context) error {
			list := providers.Inventory(c.Context)
			if c.Bool("json") {
				return writeJSON(c, list)
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tVERSION\tPROTOCOL\tREADY\tPATH")
			for _, p := range list {
				ready := "yes"
				if p.Driver != "" {
					ready += ", driver " + p.Driver
				}
				if p.DriverNote != "" {
					ready += " (" + p.DriverNote + ")"
				}
				if !p.Ready {
					ready = "no: " + firstLine(p.Problem)
				}
				protocol := "-"
				if p.Protocol > 0 {
					protocol = fmt.Sprint(p.Protocol)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, dash(p.Version), protocol, ready, dash(p.Path))
			}
			tw.Flush()
			fmt.Fprintf(c.App.Writer, "\nplugins are looked for in: %s\n", strings.Join(providers.SearchPath(), ", "))
			return nil
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
