package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// verifyOptions builds the verify options for the session's cluster:
// agents on the nodes' private addresses, DNS checked over SSH.
func verifyOptions(s *Session) verify.Options {
	ssh := s.nodeSSH()
	opts := verify.Options{
		Topology:      s.Topology,
		Exec:          ssh.Exec,
		CanaryTimeout: canaryTimeout(s.Topology),
	}
	a, err := readAccess(s.Topology, s.Dir)
	if err != nil {
		// Verify still runs: its checks then say what the APIs refuse.
		s.Logf("verify: %v", err)
	}
	opts.ConsulToken, opts.NomadToken = a.ConsulToken, a.NomadToken
	// The agents' certificates come from the cluster's own CA.
	opts.TLSConfig = a.tlsConfig()
	return opts
}

// canaryTimeout bounds one run of the canaries. Emulated machines
// (libvirt's qemu driver) start a task several times slower than KVM or
// containers do: on a 2-core host under load a docker canary there was
// still running after verify's usual 2 minutes.
func canaryTimeout(t *topology.Topology) time.Duration {
	if t.Provider.Name == "libvirt" && libvirt.ConfigOf(t.Provider.Config).Driver == "qemu" {
		return 4 * verify.DefaultCanaryTimeout
	}
	return verify.DefaultCanaryTimeout
}

// CanaryMode says when Verify runs the canaries (a task per client and
// driver) beside the cheap checks.
type CanaryMode int

const (
	// NoCanary runs only the cheap checks: what repeated polling wants.
	NoCanary CanaryMode = iota
	// CanaryIfHealthy runs them once a pass of the cheap checks shows
	// Nomad ready for work (up: a cluster that fails those is not going to
	// run work either), and reports them only when the cheap checks end
	// healthy. A pass where only Consul's service checks still fail is
	// enough: Consul runs a new check first at a random point within its
	// interval (ten seconds for Nomad's own), and the canaries need not
	// wait for that.
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

// verifyEvery is how often a waiting verify repeats the cheap checks: a
// pass takes well under a second, and a longer pause only adds to up.
const verifyEvery = time.Second

// Verify checks the session's cluster once, or polls until it is healthy
// or the wait has passed, with the canaries as requested. The report is
// kept in the render directory for `export logs`.
func Verify(ctx context.Context, s *Session, req VerifyRequest) *verify.Report {
	v := &verifier{s: s, opts: verifyOptions(s)}
	return v.run(ctx, req)
}

// verifier is one verification: the session it reports to and the
// options every pass and the canaries use.
type verifier struct {
	s    *Session
	opts verify.Options
}

// run is Verify.
func (v *verifier) run(ctx context.Context, req VerifyRequest) *verify.Report {
	s, opts := v.s, v.opts
	canaryCtx, cancelCanaries := context.WithCancel(ctx)
	defer cancelCanaries()
	var (
		canaries []verify.Check
		done     chan struct{} // closed when the canaries are done; nil: not started
	)
	startCanaries := func() {
		if done != nil {
			return
		}
		done = make(chan struct{})
		if req.Canary != CanaryAlongside {
			s.Progress.Detail("canaries: a task on every client for each of its drivers")
		}
		go func() {
			defer close(done)
			start := time.Now()
			canaries = verify.Canaries(canaryCtx, opts)
			s.Logf("verify: canaries took %s", time.Since(start).Round(time.Millisecond))
		}()
	}
	var onPass func(*verify.Report)
	switch req.Canary {
	case CanaryAlongside:
		startCanaries()
	case CanaryIfHealthy:
		onPass = func(r *verify.Report) {
			if r.ReadyForWork() {
				startCanaries()
			}
		}
	}
	report := v.cheap(ctx, req.Wait, onPass)
	switch {
	case req.Canary == CanaryAlongside, req.Canary == CanaryAlways,
		req.Canary == CanaryIfHealthy && report.Healthy:
		startCanaries()
	default:
		// Unhealthy: canaries that started are stopped (and their job
		// purged), and none is reported.
		cancelCanaries()
		if done != nil {
			<-done
		}
		v.save(report)
		return report
	}
	<-done
	report.AddCanaries(canaries)
	if failed := report.FailedChecks(); len(failed) > 0 {
		s.Logf("verify: %s", fmt.Sprint(failed))
	}
	v.save(report)
	return report
}

// cheap runs the cheap checks once (no wait) or until they pass or wait
// has passed, calling onPass after every pass.
func (v *verifier) cheap(ctx context.Context, wait time.Duration, onPass func(*verify.Report)) *verify.Report {
	s, opts := v.s, v.opts
	if wait <= 0 {
		r := verify.Run(ctx, opts)
		if onPass != nil {
			onPass(r)
		}
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	return verify.Wait(ctx, opts, verifyEvery, func(r *verify.Report) {
		if !r.Healthy {
			failed := r.FailedChecks()
			first := failed[0]
			s.Progress.Detail("%d/%d checks pass, waiting for %s %s (%s)", r.Passed, r.Passed+r.Failed, first.Name, first.Node, time.Since(start).Round(time.Second))
			s.Logf("verify: %s", fmt.Sprint(failed))
		}
		if onPass != nil {
			onPass(r)
		}
	})
}

// save keeps the report as `verify --json` prints it, for `export logs`.
func (v *verifier) save(r *verify.Report) {
	if b, err := json.MarshalIndent(r, "", "  "); err == nil {
		os.WriteFile(filepath.Join(v.s.Dir, lastVerifyFile), append(b, '\n'), 0o600)
	}
}
