package cli

import "github.com/urfave/cli/v2"

// planCommand is `nomadbox plan`, the old name of `job plan`: it still
// works, and says once on standard error that its name is `job plan`
// now, because plain "plan" is the change plan of `up`.
func planCommand() *cli.Command {
	c := oldSpelling(jobPlanCommand(), "plan")
	c.Usage = "the old name of `job plan` (plain \"plan\" is the change plan of `up --dry-run`)"
	c.Description = "`nomadbox plan` is `nomadbox job plan` now (plain \"plan\" is the change plan\n" +
		"of `nomadbox up --dry-run`). This spelling still works and says so on standard\n" +
		"error; its standard output and exit status are those of `job plan`.\n\n" +
		jobPlanCommand().Description
	c.Action = withNotice(renamedNotice, c.Action)
	return c
}
