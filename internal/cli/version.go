package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3";
// otherwise the module version from the build info is used.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the nomadbox version and the Consul/Nomad versions it installs by default",
		UsageText: "nomadbox version",
		Before:    noArgs,
		Action: func(c *cli.Context) error {
			printVersion(c.App.Writer)
			return nil
		},
	}
}

// printVersion is what `version` and `--version` print.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "nomadbox %s (%s %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "default versions: consul %s, nomad %s\n", topology.DefaultConsulVersion, topology.DefaultNomadVersion)
}
