package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// LoadImages copies Docker images from this machine into the Docker of
// every client of the session's cluster that runs the docker driver, the
// way `kind load docker-image` does, so docker jobs run where no registry
// is reachable.
func LoadImages(ctx context.Context, s *Session, images []string) error {
	var targets []topology.Node
	for _, n := range s.Topology.ClientNodes() {
		if n.Group.HasDriver("docker") {
			targets = append(targets, n)
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("no client of cluster %q runs the docker driver", s.Topology.Cluster.Name)
	}
	s.Progress.Phase("load")
	for _, img := range images {
		if _, err := s.Runner.Output(ctx, execx.Command("docker", "image", "inspect", "--format", "{{.Id}}", img)); err != nil {
			s.Progress.Fail("")
			return fmt.Errorf("image %s is not on this machine (build or pull it first): %w", img, err)
		}
	}
	tmp, err := os.MkdirTemp(s.Dir, ".load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "images.tar")
	s.Progress.Detail("docker save %s", strings.Join(images, " "))
	if err := s.Runner.Run(ctx, execx.Command("docker", append([]string{"save", "-o", archive}, images...)...)); err != nil {
		s.Progress.Fail("")
		return err
	}
	ssh := s.nodeSSH()
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, n := range targets {
		wg.Go(func() {
			f, err := os.Open(archive)
			if err != nil {
				errs[i] = err
				return
			}
			defer f.Close()
			s.Progress.Detail("%s: docker load", n.Name)
			cmd := execx.Command("ssh", append(ssh.Args(n, false), "--", "sudo docker load")...)
			cmd.Stdin = f
			if err := s.Runner.Run(ctx, cmd); err != nil {
				errs[i] = fmt.Errorf("%s: %w", n.Name, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			s.Progress.Fail("")
			return err
		}
	}
	s.Progress.Done(fmt.Sprintf("%s on %d client(s)", strings.Join(images, ", "), len(targets)))
	return nil
}
