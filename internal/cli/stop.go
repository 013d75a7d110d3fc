package cli

import "github.com/urfave/cli/v2"

// stopCommand is `nomadbox stop`, the spelling of `job stop` that
// scripts use.
func stopCommand() *cli.Command { return oldSpelling(jobStopCommand(), "stop") }
