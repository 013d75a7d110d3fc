package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/taskevents"
)

// RunOptions are the inputs of Run.
type RunOptions struct {
	// Detach returns once the job is registered.
	Detach bool
	// CheckIndex, when set, registers only if the job's modify index is
	// still this value (from Plan), like `nomad job run -check-index`.
	CheckIndex *uint64
	// Timeout bounds how long the job may take to become healthy
	// (default 10 minutes); a job whose tasks keep restarting fails with
	// its task events instead of being waited for forever.
	Timeout time.Duration
}

// DefaultRunTimeout is RunOptions.Timeout when unset.
const DefaultRunTimeout = 10 * time.Minute

// ErrStaleIndex is returned when CheckIndex no longer matches.
var ErrStaleIndex = errors.New("the job changed since it was planned")

// Run registers job and follows it until it is healthy: the evaluation
// places every allocation, and the deployment (service jobs) succeeds or
// every allocation runs (system jobs).
func (c *Client) Run(ctx context.Context, job *api.Job, opts RunOptions) error {
	reg := &api.RegisterOptions{}
	if opts.CheckIndex != nil {
		reg.EnforceIndex, reg.ModifyIndex = true, *opts.CheckIndex
	}
	resp, _, err := c.Nomad.Jobs().RegisterOpts(job, reg, (&api.WriteOptions{}).WithContext(ctx))
	if err != nil {
		if opts.CheckIndex != nil && strings.Contains(err.Error(), "modify index") {
			return fmt.Errorf("%w: %s was planned at index %d; run `nomadbox job plan` (formerly `nomadbox plan`) again and use its index (%v)", ErrStaleIndex, *job.ID, *opts.CheckIndex, err)
		}
		return fmt.Errorf("registering %s: %w", *job.ID, err)
	}
	c.printf("Registered job %s (evaluation %s)\n", *job.ID, short(resp.EvalID))
	// Nomad accepts a job with warnings (deprecated settings, defaults
	// it filled in); `nomad job run` prints them, and so does run.
	if w := strings.TrimSpace(resp.Warnings); w != "" {
		c.printf("Warnings from Nomad:\n%s\n", w)
	}
	if opts.Detach || resp.EvalID == "" {
		return nil
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultRunTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = c.follow(wctx, *job.ID, resp)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		return c.explainFailure(ctx, *job.ID, fmt.Sprintf("job %s did not become healthy within %s", *job.ID, timeout))
	}
	return err
}

// follow waits for the evaluation, then for the deployment or, for jobs
// without one, for every allocation to run.
func (c *Client) follow(ctx context.Context, job string, resp *api.JobRegisterResponse) error {
	eval, err := c.followEval(ctx, resp.EvalID)
	if err != nil {
		return err
	}
	deployment := eval.DeploymentID
	if len(eval.FailedTGAllocs) > 0 {
		// An evaluation can report failed placements that a follow-up
		// evaluation places moments later (after a purge, while a node is
		// still registering); only a failure that persists is final.
		placed, err := c.placedSoon(ctx, job)
		if err != nil {
			return err
		}
		if !placed {
			return &PlacementError{Job: job, Failed: eval.FailedTGAllocs}
		}
		if d, _, err := c.Nomad.Jobs().LatestDeployment(job, (&api.QueryOptions{}).WithContext(ctx)); err == nil && d != nil && d.JobModifyIndex == resp.JobModifyIndex {
			deployment = d.ID
		}
	}
	if deployment != "" {
		return c.followDeployment(ctx, job, deployment, resp.JobModifyIndex)
	}
	return c.waitRunning(ctx, job, resp.JobModifyIndex)
}

// placementGrace is how long a reported placement failure may take to
// resolve itself.
const placementGrace = 20 * time.Second

// placedSoon reports whether the job gets allocations within
// placementGrace.
func (c *Client) placedSoon(ctx context.Context, job string) (bool, error) {
	deadline := time.Now().Add(placementGrace)
	for time.Now().Before(deadline) {
		allocs, _, err := c.Nomad.Jobs().Allocations(job, false, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return false, err
		}
		for _, a := range allocs {
			if a.DesiredStatus == api.AllocDesiredStatusRun {
				return true, nil
			}
		}
		if err := c.sleep(ctx); err != nil {
			return false, err
		}
	}
	return false, nil
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// followEval waits for an evaluation (and the evaluations it chains to)
// to complete.
func (c *Client) followEval(ctx context.Context, id string) (*api.Evaluation, error) {
	for {
		ev, _, err := c.Nomad.Evaluations().Info(id, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("reading evaluation %s: %w", short(id), err)
		}
		switch ev.Status {
		case api.EvalStatusComplete:
			if ev.NextEval != "" {
				id = ev.NextEval
				continue
			}
			return ev, nil
		case api.EvalStatusFailed, api.EvalStatusCancelled:
			return nil, fmt.Errorf("evaluation %s %s: %s", short(id), ev.Status, ev.StatusDescription)
		}
		if err := c.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

func (c *Client) sleep(ctx context.Context) error {
	d := c.Poll
	if d <= 0 {
		d = time.Second
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// PlacementError is an evaluation that could not place allocations.
type PlacementError struct {
	Job    string
	Failed map[string]*api.AllocationMetric
}

func (e *PlacementError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s could not be placed:", e.Job)
	for _, g := range slices.Sorted(maps.Keys(e.Failed)) {
		m := e.Failed[g]
		fmt.Fprintf(&b, "\n  group %q: %d nodes evaluated, %d filtered, %d exhausted", g, m.NodesEvaluated, m.NodesFiltered, m.NodesExhausted)
		if m.CoalescedFailures > 0 {
			fmt.Fprintf(&b, " (%d more allocations failed the same way)", m.CoalescedFailures)
		}
		for _, kv := range sortedCounts(m.ConstraintFiltered) {
			fmt.Fprintf(&b, "\n    constraint %s filtered %s", kv.k, kv.v)
		}
		for _, kv := range sortedCounts(m.ClassFiltered) {
			fmt.Fprintf(&b, "\n    class %s filtered %s", kv.k, kv.v)
		}
		for _, kv := range sortedCounts(m.DimensionExhausted) {
			fmt.Fprintf(&b, "\n    resource %s exhausted on %s", kv.k, kv.v)
		}
		if m.NodesAvailable != nil && len(m.NodesAvailable) == 0 {
			b.WriteString("\n    no nodes are available in the job's datacenters")
		}
	}
	return b.String()
}

type kv struct{ k, v string }

func sortedCounts(m map[string]int) []kv {
	var out []kv
	for k, v := range m {
		nodes := "nodes"
		if v == 1 {
			nodes = "node"
		}
		out = append(out, kv{k, fmt.Sprintf("%d %s", v, nodes)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}

// followDeployment waits for a deployment to succeed, printing its
// progress; on failure it explains with the failing allocations. It
// stops early, without waiting for the deployment's own deadline, once
// the allocations placed for this version cannot become healthy.
func (c *Client) followDeployment(ctx context.Context, job, id string, index uint64) error {
	last := ""
	for {
		d, _, err := c.Nomad.Deployments().Info(id, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return fmt.Errorf("reading deployment %s: %w", short(id), err)
		}
		line := deploymentLine(d)
		if line != last {
			c.printf("  %s\n", line)
			last = line
		}
		switch d.Status {
		case api.DeploymentStatusSuccessful:
			c.printf("Job %s is healthy.\n", job)
			return nil
		case api.DeploymentStatusFailed, api.DeploymentStatusCancelled:
			return c.explainFailure(ctx, job, fmt.Sprintf("deployment %s %s: %s", short(id), d.Status, d.StatusDescription))
		}
		if err := c.failFast(ctx, job, index); err != nil {
			return err
		}
		if err := c.sleep(ctx); err != nil {
			return err
		}
	}
}

// failFast returns an error explaining why the job version registered
// at index cannot become healthy, or nil while it still can: one of its
// allocations failed with an unrecoverable error, or the same failure
// came back after a restart or a reschedule (taskevents.Hopeless).
func (c *Client) failFast(ctx context.Context, job string, index uint64) error {
	allocs, _, err := c.Nomad.Jobs().Allocations(job, true, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil // the next poll will tell
	}
	var placed []*api.AllocationListStub
	for _, a := range allocs {
		if a.CreateIndex > index {
			placed = append(placed, a)
		}
	}
	if why, _ := taskevents.Hopeless(placed); why != "" {
		return c.explainFailure(ctx, job, fmt.Sprintf("job %s cannot become healthy, %s", job, why))
	}
	return nil
}

func deploymentLine(d *api.Deployment) string {
	groups := make([]string, 0, len(d.TaskGroups))
	for g := range d.TaskGroups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var parts []string
	for _, g := range groups {
		s := d.TaskGroups[g]
		parts = append(parts, fmt.Sprintf("%s: %d/%d healthy, %d placed, %d unhealthy", g, s.HealthyAllocs, s.DesiredTotal, s.PlacedAllocs, s.UnhealthyAllocs))
	}
	return fmt.Sprintf("deployment %s %s (%s)", short(d.ID), d.Status, strings.Join(parts, "; "))
}

// waitRunning waits until every allocation of the job version
// registered at index runs (system and batch jobs have no deployment).
func (c *Client) waitRunning(ctx context.Context, job string, index uint64) error {
	for {
		allocs, _, err := c.Nomad.Jobs().Allocations(job, false, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return err
		}
		running, pending := 0, 0
		for _, a := range allocs {
			if a.DesiredStatus != api.AllocDesiredStatusRun {
				continue
			}
			switch {
			case a.ClientStatus == api.AllocClientStatusComplete || a.ClientStatus == api.AllocClientStatusRunning && tasksRunning(a):
				running++
			case a.ClientStatus == api.AllocClientStatusRunning || a.ClientStatus == api.AllocClientStatusPending:
				pending++ // a task is starting or waiting to restart
			case a.ClientStatus == api.AllocClientStatusFailed || a.ClientStatus == api.AllocClientStatusLost:
				return c.explainFailure(ctx, job, fmt.Sprintf("allocation %s %s", short(a.ID), a.ClientStatus))
			}
		}
		if pending == 0 && running > 0 {
			c.printf("Job %s: %d allocation(s) running.\n", job, running)
			return nil
		}
		if err := c.failFast(ctx, job, index); err != nil {
			return err
		}
		if err := c.sleep(ctx); err != nil {
			return err
		}
	}
}

// explainFailure wraps why with the task events of the job's failing
// allocations.
func (c *Client) explainFailure(ctx context.Context, job, why string) error {
	var b strings.Builder
	b.WriteString(why)
	allocs, _, err := c.Nomad.Jobs().Allocations(job, false, (&api.QueryOptions{}).WithContext(ctx))
	if err == nil {
		shown := 0
		for _, a := range allocs {
			unhealthy := a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil && !*a.DeploymentStatus.Healthy
			_, failing := taskevents.First(a)
			if a.ClientStatus != api.AllocClientStatusFailed && !unhealthy && !failing {
				continue
			}
			if shown == 3 {
				break
			}
			shown++
			fmt.Fprintf(&b, "\n  allocation %s on %s: %s", short(a.ID), a.NodeName, a.ClientStatus)
			for _, task := range slices.Sorted(maps.Keys(a.TaskStates)) {
				ts := a.TaskStates[task]
				if ts == nil {
					continue
				}
				events := ts.Events
				if len(events) > 5 {
					events = events[len(events)-5:]
				}
				for _, ev := range events {
					fmt.Fprintf(&b, "\n    %s: %s %s", task, ev.Type, taskevents.Message(ev))
				}
			}
		}
	}
	return errors.New(b.String())
}

// taskStateRunning is a running task's State; Nomad's api package has
// no name for it (its structs package calls it TaskStateRunning).
const taskStateRunning = "running"

// tasksRunning reports whether every task of an allocation runs (a task
// between restarts is "pending").
func tasksRunning(a *api.AllocationListStub) bool {
	for _, ts := range a.TaskStates {
		if ts.State != taskStateRunning {
			return false
		}
	}
	return len(a.TaskStates) > 0
}
