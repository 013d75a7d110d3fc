package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/nomadbox/nomadbox/internal/cluster"
)

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:        "load",
		Usage:       "copy Docker images from this machine into every client node",
		UsageText:   "nomadbox load [-f FILE] [-o DIR] IMAGE...",
		Description: "Like `kind load docker-image`: the images are saved here and loaded into the\nDocker of every client with the docker driver, so jobs can use them without a registry.",
		Flags:       []cli.Flag{fileFlag(), outputFlag(), verboseFlag()},
		Before:      atLeast(1, "at least one image"),
		Action: inSession(needCluster, func(ctx context.Context, c *cli.Context, s *cluster.Session) error {
			return cluster.LoadImages(ctx, s, c.Args().Slice())
		}),
	}
}
