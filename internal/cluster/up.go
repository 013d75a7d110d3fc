package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/plan"
	"github.com/nomadbox/nomadbox/internal/verify"
)

// UpOptions are the inputs of Up.
type UpOptions struct {
	Assets   fs.FS
	Wait     time.Duration // how long verify may wait for the cluster to become healthy
	Retain   bool          // keep new machines after a failure
	NoVerify bool
	// DryRun prints the change plan of an existing cluster and stops.
	DryRun bool
	// PlanJSON, with DryRun, gets the plan as JSON (plan.WriteJSON)
	// instead of the text.
	PlanJSON io.Writer
	// Force allows plans that lose Raft quorum, leave an even number of
	// servers, or recreate a renamed group.
	Force bool
	// DrainDeadline bounds the drain of each removed client.
	DrainDeadline time.Duration
}

// ErrNeedsForce is returned when the plan is unsafe without --force.
var ErrNeedsForce = errors.New("the change needs --force")

// ErrDryRun ends a dry run after the plan was printed.
var ErrDryRun = errors.New("dry run")

// ErrUnknownMachines is returned when machines of the cluster exist that
// neither the topology nor the applied state knows: nomadbox cannot tell
// whether each was a server or a client, so it does not remove them.
var ErrUnknownMachines = errors.New("machines of this cluster exist that neither topology.hcl nor the applied state names, so nomadbox cannot tell how to remove them (drain a client, or take a server out of Raft); put them back into topology.hcl, or remove them by hand and run up again")

// unchangedWait bounds the first verify of an up that changed nothing:
// enough for an agent that is restarting, far less than a whole --wait
// spent on a node that will not get better by itself.
const unchangedWait = 30 * time.Second

// cleanupTimeout bounds the removal of a failed new cluster's machines.
const cleanupTimeout = 10 * time.Minute

// removeCreated removes the machines of a new cluster whose up failed or
// was stopped. ctx may be cancelled already (Ctrl-C, SIGTERM), so the
// removal has a context of its own, which a second Ctrl-C or SIGTERM
// ends: then it says what may be left and how to remove it.
func (u *upRun) removeCreated(ctx context.Context) {
	s, p := u.s, u.s.Progress
	p.Printf("Removing the machines this run created (keep them with --retain; Ctrl-C again stops the removal)...\n")
	cctx, cancel := execx.CleanupContext(ctx, cleanupTimeout)
	defer cancel()
	err := s.Provider.Destroy(cctx, s.cluster(), nil, s.progressLine)
	if err == nil {
		return
	}
	var names []string
	for _, n := range s.Topology.Nodes() {
		names = append(names, n.Name)
	}
	why := fmt.Sprintf("Could not remove them: %v", err)
	switch cctx.Err() {
	case context.Canceled:
		why = "Stopped removing them, as asked."
	case context.DeadlineExceeded:
		why = fmt.Sprintf("Gave up removing them after %s.", cleanupTimeout)
	}
	p.Printf("%s\nMachines of cluster %q may be left: %s.\nRemove them with `nomadbox destroy --force`.\n",
		why, s.Topology.Cluster.Name, strings.Join(names, ", "))
}

// plan: on an existing cluster, the first thing up says is what it will
// change; a dry run stops there, and an unsafe plan stops there unless
// forced. Nothing has been touched yet.
func (u *upRun) plan(ctx context.Context) error {
	var err error
	u.pl, u.files, err = u.planStep(ctx)
	return err
}

// planStep prints the plan of an existing cluster (for a dry run, as
// JSON when asked) and returns it with the render it compared, which up
// then writes; it returns ErrDryRun after a dry run, and refuses unknown
// machines and, without --force, an unsafe plan. A new cluster has no
// plan (nil).
func (u *upRun) planStep(ctx context.Context) (*plan.Plan, generator.Files, error) {
	s, opts, p := u.s, u.opts, u.s.Progress
	if !u.existed {
		if !opts.DryRun {
			return nil, nil, nil
		}
		if opts.PlanJSON != nil {
			// No machines and nothing applied: every node is created.
			fresh := plan.Compute(plan.Input{Topology: planner{s}.asWritten(), ExistingHosts: s.existingHosts()})
			return nil, nil, errors.Join(fresh.WriteJSON(opts.PlanJSON), ErrDryRun)
		}
		p.Printf("Plan: %d machines to create (new cluster) with %s.\n", len(s.Topology.Nodes()), plan.MachinesOf(s.Topology))
		return nil, nil, ErrDryRun
	}
	pl, files, err := planner{s}.compute(ctx, opts.Assets)
	if err != nil {
		return nil, nil, err
	}
	if opts.DryRun && opts.PlanJSON != nil {
		return nil, nil, errors.Join(pl.WriteJSON(opts.PlanJSON), ErrDryRun)
	}
	planner{s}.print(pl)
	switch {
	case opts.DryRun:
		return nil, nil, ErrDryRun
	case len(pl.Unknown) > 0:
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(pl.Unknown, ", "), ErrUnknownMachines)
	case len(pl.NeedsForce) > 0 && !opts.Force:
		return nil, nil, fmt.Errorf("%w: %s", ErrNeedsForce, strings.Join(pl.NeedsForce, "; "))
	}
	return pl, files, nil
}

// bringUp brings up what does not run; it reports whether every machine
// already ran (nothing was created or started). The plan of an existing
// cluster (nil for a new one) already listed the machines.
func (u *upRun) bringUp(ctx context.Context) (allRunning bool, err error) {
	s, pl, p := u.s, u.pl, u.s.Progress
	p.Phase("machines")
	if pl != nil && len(pl.Create)+len(pl.Start) == 0 {
		if s.existingHosts() {
			// The plan counts every host the cluster was applied to as
			// running without asking; the provider's Up is what checks
			// each host's key and that it answers. A host whose key
			// changed is refused here, before verify and a repair talk
			// to it over SSH.
			if err := s.Provider.Up(ctx, s.cluster(), nil, s.progressLine); err != nil {
				return true, err
			}
			p.Done("every host answers with its recorded host key")
			return true, nil
		}
		p.Done("all running")
		return true, nil
	}
	if m := plan.MachinesOf(s.Topology); m.Note != "" && pl == nil {
		// Said once, before the wait it explains: the plan of an
		// existing cluster said it already (a detail line would be
		// overwritten by the next).
		p.Printf("  machines: %s\n", m)
	}
	if err := s.Provider.Up(ctx, s.cluster(), nil, s.progressLine); err != nil {
		// Vagrant's docker provider inspects every docker network while
		// it creates machines, and fails when another program removes a
		// network at that moment. Bringing machines up is idempotent, so
		// one more try costs little and rides out such a race.
		if ctx.Err() != nil {
			return false, fmt.Errorf("bringing the machines up failed: %w", err)
		}
		p.Detail("bringing the machines up failed (%v); trying once more", firstLine(err))
		s.Logf("bringing the machines up failed, retrying: %v", err)
		if err := s.Provider.Up(ctx, s.cluster(), nil, s.progressLine); err != nil {
			return false, fmt.Errorf("bringing the machines up failed: %w", err)
		}
	}
	return false, nil
}

// UnhealthyError is a cluster that did not verify in time.
type UnhealthyError struct{ Report *verify.Report }

func (e *UnhealthyError) Error() string {
	msg := "the cluster is not healthy:"
	for _, c := range e.Report.FailedChecks() {
		name := c.Name
		if c.Node != "" {
			name += " " + c.Node
		}
		msg += fmt.Sprintf("\n  %s: %s", name, c.Detail)
	}
	return msg
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
