package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// VerifyOptions builds the verify options for this cluster: agents on
// the nodes' private addresses, DNS checked over SSH.
func (s *Session) VerifyOptions() verify.Options {
	ssh := nodeexec.For(s.Topology, s.Runner)
	opts := verify.Options{
		Topology: s.Topology,
		Exec:     ssh.Exec,
	}
	a, err := s.access()
	if err != nil {
		// Verify still runs: its checks then say what the APIs refuse.
		s.Logf("verify: %v", err)
	}
	opts.ConsulToken, opts.NomadToken = a.ConsulToken, a.NomadToken
	if a.CAFile != "" {
		// The agents' certificates come from the cluster's own CA.
		if ca, err := os.ReadFile(a.CAFile); err == nil {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(ca)
			opts.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
	}
	return opts
}

// Verify checks the cluster once, or polls until it is healthy or wait
// has passed.
func (s *Session) Verify(ctx context.Context, wait time.Duration) *verify.Report {
	opts := s.VerifyOptions()
	if wait <= 0 {
		return verify.Run(ctx, opts)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	return verify.Wait(ctx, opts, 3*time.Second, func(r *verify.Report) {
		if !r.Healthy {
			failed := r.FailedChecks()
			first := failed[0]
			s.Progress.Detail("%d/%d checks pass, waiting for %s %s (%s)", r.Passed, r.Passed+r.Failed, first.Name, first.Node, time.Since(start).Round(time.Second))
			s.Logf("verify: %s", fmt.Sprint(failed))
		}
	})
}
