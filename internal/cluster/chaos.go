package cluster

import (
	"context"
	"io"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/chaos"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// ChaosOptions are what `nomadbox chaos` was asked.
type ChaosOptions struct {
	Scenario chaos.Scenario
	For      time.Duration
	Wait     time.Duration
}

// Chaos runs a failure drill on the session's cluster (chaos.Run), its
// progress on the session's display.
func Chaos(ctx context.Context, s *Session, o ChaosOptions) (*chaos.Report, error) {
	if o.Scenario.Node != "" {
		if _, err := findNode(s.Topology, o.Scenario.Node); err != nil {
			return nil, err
		}
	}
	s.Progress.Phase("chaos " + o.Scenario.String())
	r, err := chaos.Run(ctx, &drillCluster{s: s, ssh: s.nodeSSH(), opts: verifyOptions(s)}, chaos.Options{
		Scenario: o.Scenario,
		For:      o.For,
		Wait:     o.Wait,
		Settle:   chaosSettle,
		Progress: s.Progress.Detail,
	})
	switch {
	case err != nil:
		s.Progress.Fail("")
	case r.Healthy:
		s.Progress.Done("healthy again")
	default:
		s.Progress.Fail("not healthy")
	}
	return r, err
}

// chaosSettle is how long a drill waits for a cluster that fails verify
// before the fault: two of Nomad's driver fingerprint periods (30 s), so a
// drill started right after a repair does not refuse a cluster that is
// about to be healthy, and one on a broken cluster still refuses soon.
const chaosSettle = time.Minute

// drillCluster is the cluster as a drill sees it.
type drillCluster struct {
	s    *Session
	ssh  *nodeexec.SSH
	opts verify.Options
}

func (d *drillCluster) Exec(ctx context.Context, node, cmd string) (string, error) {
	n, err := findNode(d.s.Topology, node)
	if err != nil {
		return "", err
	}
	return d.ssh.Exec(ctx, n, cmd)
}

func (d *drillCluster) Halt(ctx context.Context, node string) error {
	return d.s.Provider.Halt(ctx, d.s.cluster(), []string{node}, d.s.progressLine)
}

func (d *drillCluster) Start(ctx context.Context, node string) error {
	return d.s.Provider.Up(ctx, d.s.cluster(), []string{node}, d.s.progressLine)
}

func (d *drillCluster) NodeAt(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	for _, n := range d.s.Topology.Nodes() {
		if n.Address.String() == host {
			return n.Name
		}
	}
	return addr
}

func (d *drillCluster) Verify(ctx context.Context) *verify.Report {
	return verify.Run(ctx, d.opts)
}

func (d *drillCluster) Peers(node string) ([]string, error) {
	var out []string
	for _, n := range d.s.Topology.Nodes() {
		if n.Name != node {
			out = append(out, n.Address.String())
		}
	}
	return out, nil
}

// Allocations lists the running allocations of every job but the
// canaries, from the first server that answers. Only those the servers
// want to run: a client that comes back restores the allocations it ran
// before it was lost and reports them running until it learns they were
// replaced, and those moved nowhere.
func (d *drillCluster) Allocations(ctx context.Context) ([]chaos.Alloc, error) {
	jc, err := Jobs(d.s, io.Discard)
	if err != nil {
		return nil, err
	}
	stubs, _, err := jc.Nomad.Allocations().List((&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var out []chaos.Alloc
	for _, a := range stubs {
		if a.ClientStatus != api.AllocClientStatusRunning || a.DesiredStatus != api.AllocDesiredStatusRun ||
			strings.HasPrefix(a.JobID, verify.CanaryJobPrefix) {
			continue
		}
		out = append(out, chaos.Alloc{ID: a.ID, Job: a.JobID, Group: a.TaskGroup, Node: a.NodeName})
	}
	return out, nil
}
