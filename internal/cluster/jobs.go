package cluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/nomadbox/nomadbox/internal/jobs"
)

// Jobs returns a client for the Nomad API of the session's cluster, on
// the first server that accepts a connection.
func Jobs(s *Session, out io.Writer) (*jobs.Client, error) {
	a, err := readAccess(s.Topology, s.Dir)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if a.CAFile != "" {
		scheme = "https"
	}
	var lastErr error
	for _, n := range s.Topology.Servers() {
		addr := net.JoinHostPort(n.Address.String(), "4646")
		conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			lastErr = err
			continue
		}
		conn.Close()
		return jobs.NewClient(scheme+"://"+addr, a.CAFile, a.NomadToken, out)
	}
	return nil, fmt.Errorf("no Nomad server of cluster %q answers (is it up? `nomadbox status`): %w", s.Topology.Cluster.Name, lastErr)
}

// runJobs runs the topology's job blocks in the order written, each
// followed until healthy.
func runJobs(ctx context.Context, s *Session) error {
	if len(s.Topology.Jobs) == 0 {
		return nil
	}
	s.Progress.Phase("jobs")
	c, err := Jobs(s, s.Progress.DetailWriter())
	if err != nil {
		return err
	}
	for _, j := range s.Topology.Jobs {
		s.Progress.Detail("%s: %s", j.Name, j.File)
		job, err := c.Parse(ctx, s.Topology.Path(j.File), nil)
		if err != nil {
			return fmt.Errorf("job %q: %w", j.Name, err)
		}
		if err := c.Run(ctx, job, jobs.RunOptions{}); err != nil {
			return fmt.Errorf("job %q: %w", j.Name, err)
		}
	}
	s.Progress.Done(fmt.Sprintf("%d job(s) running", len(s.Topology.Jobs)))
	return nil
}
