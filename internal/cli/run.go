package cli

import "github.com/urfave/cli/v2"

// runCommand is `nomadbox run`, the spelling of `job run` that the
// README and scripts use.
func runCommand() *cli.Command { return oldSpelling(jobRunCommand(), "run") }
