package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nomadbox/nomadbox/internal/verify"
)

// VerifyOptions builds the verify options for this cluster: agents on
// the nodes' private addresses, DNS checked over SSH.
func (s *Session) VerifyOptions() verify.Options {
	ssh := s.nodeSSH()
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
	// The agents' certificates come from the cluster's own CA.
	opts.TLSConfig = a.tlsConfig()
	return opts
}

// CanaryMode says when Verify runs the canaries (a task per client and
// driver) after the cheap checks.
type CanaryMode int

const (
	// NoCanary runs only the cheap checks: what repeated polling wants.
	NoCanary CanaryMode = iota
	// CanaryIfHealthy runs them once the cheap checks pass (up: a cluster
	// that fails those is not going to run work either).
	CanaryIfHealthy
	// CanaryAlways runs them whatever the cheap checks said (verify
	// --canary: each canary names its own node and driver).
	CanaryAlways
	// CanaryAlongside runs them at the same time as the cheap checks:
	// for an up that changed nothing, where both are expected to pass
	// and waiting for one before the other only adds their times.
	CanaryAlongside
)

// VerifyRequest says how Verify checks the cluster.
type VerifyRequest struct {
	// Wait polls the cheap checks until they pass or Wait has passed
	// (0: look once).
	Wait   time.Duration
	Canary CanaryMode
}

// Verify checks the cluster once, or polls until it is healthy or the
// wait has passed, then runs the canaries as requested.
func (s *Session) Verify(ctx context.Context, req VerifyRequest) *verify.Report {
	opts := s.VerifyOptions()
	var (
		canaries []verify.Check
		done     = make(chan struct{})
	)
	runCanaries := func() {
		defer close(done)
		start := time.Now()
		canaries = verify.Canaries(ctx, opts)
		s.Logf("verify: canaries took %s", time.Since(start).Round(time.Millisecond))
	}
	if req.Canary == CanaryAlongside {
		go runCanaries()
	}
	report := s.verifyCheap(ctx, opts, req.Wait)
	switch {
	case req.Canary == CanaryAlongside:
	case req.Canary == CanaryAlways, req.Canary == CanaryIfHealthy && report.Healthy:
		s.Progress.Detail("canaries: a task on every client for each of its drivers")
		runCanaries()
	default:
		s.saveLastVerify(report)
		return report
	}
	<-done
	report.AddCanaries(canaries)
	if failed := report.FailedChecks(); len(failed) > 0 {
		s.Logf("verify: %s", fmt.Sprint(failed))
	}
	s.saveLastVerify(report)
	return report
}

func (s *Session) verifyCheap(ctx context.Context, opts verify.Options, wait time.Duration) *verify.Report {
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
