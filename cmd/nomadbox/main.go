// Command nomadbox turns one topology.hcl into a running, verified Nomad +
// Consul cluster. See internal/cli.
package main

import (
	"os"

	"github.com/nomadbox/nomadbox/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}
