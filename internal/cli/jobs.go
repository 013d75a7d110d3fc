package cli

import "github.com/urfave/cli/v2"

// jobsCommand is `nomadbox jobs`, the spelling of `job status` that the
// README and scripts use.
func jobsCommand() *cli.Command { return oldSpelling(jobStatusCommand(), "jobs") }
