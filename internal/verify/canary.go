package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	napi "github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/taskevents"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// The canaries prove that work runs, which a fingerprint does not: a
// driver can be detected and healthy on a client where every task fails
// (a missing capability, a stopped daemon). For every client node and
// every driver the topology enables on it, a task runs the smallest
// workload the driver accepts on that node; each becomes a check named
// CanaryPrefix+driver for the node. The tasks of one node share a task
// group (one allocation per node: a second allocation cost the cluster
// more than its task); a task the shared group could not judge alone
// (the group was not placed, or a sibling's failure killed it) runs again
// in a group of its own. Each job is purged afterwards, so it never shows
// in `nomadbox jobs`.
const (
	// CanaryPrefix starts the name of every canary check.
	CanaryPrefix = "canary:"
	// CanaryJobPrefix starts the ID of every canary job.
	CanaryJobPrefix = "nomadbox-canary-"
	// DefaultCanaryTimeout bounds one canary run (the exec driver builds
	// a chroot for its task, which takes several seconds in a container).
	DefaultCanaryTimeout = 2 * time.Minute
	// canaryLine is what every canary task prints.
	canaryLine = "nomadbox canary"
	// staleCanary is how old a canary job must be before another run
	// purges it as left over by a killed run.
	staleCanary = 10 * time.Minute
)

// canaryWorkload returns a driver's task config, or why the driver is
// not checked.
func canaryWorkload(driver string) (map[string]any, string) {
	shell := []string{"-c", "echo " + canaryLine}
	switch driver {
	case "raw_exec", "exec":
		return map[string]any{"command": "/bin/sh", "args": shell}, ""
	case "docker":
		// Imported on the node by the docker role: no registry involved.
		return map[string]any{"image": topology.CanaryImage, "command": "/bin/sh", "args": shell}, ""
	case "java":
		return nil, "not checked: the java driver only runs a JAR or class file, and nomadbox ships none"
	case "qemu":
		return nil, "not checked: the qemu driver only runs a disk image, and nomadbox ships none"
	}
	return nil, "not checked: nomadbox has no canary workload for driver " + driver
}

// canaryPair is one (client node, driver) to prove, by a task named
// after the driver.
type canaryPair struct {
	node   topology.Node
	driver string
	config map[string]any
	check  Check
	done   bool
	// again: the pair's shared group left it unjudged; it runs again in
	// a group of its own.
	again bool
	// progress is the allocation's latest state while it runs, for the
	// detail of a canary that times out.
	progress string
}

// Canaries runs the canary job (and a second for the pairs a shared
// group left unjudged), bounded by opts.CanaryTimeout, and returns one check per client node and enabled driver (none when the
// topology has no client with a driver).
func Canaries(ctx context.Context, opts Options) []Check {
	o := opts.withDefaults()
	if o.Topology == nil {
		return nil
	}
	e := newEnv(o)
	defer e.close()

	var pairs []*canaryPair
	for _, n := range e.clients {
		for _, d := range n.Group.Drivers {
			p := &canaryPair{node: n, driver: d, check: Check{Name: CanaryPrefix + d, Node: n.Name}}
			p.config, p.check.Detail = canaryWorkload(d)
			if p.config == nil {
				p.check.OK, p.check.Skipped, p.done = true, true, true
			}
			pairs = append(pairs, p)
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.CanaryTimeout)
	defer cancel()
	failAll := func(why string) {
		for _, p := range pairs {
			if !p.done {
				p.check.Detail = why
			}
		}
	}

	c, err := canaryClient(ctx, e)
	if err != nil {
		failAll("canary not run: " + err.Error())
		return canaryChecks(pairs)
	}
	// Beside this run's job, not before it: a stale job is only clutter.
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		purgeStaleCanaries(ctx, c)
	}()
	defer func() { <-purged }()
	runCanaryJob(ctx, c, e.Topology, sharedGroups(pairs))
	var again []*canaryPair
	for _, p := range pairs {
		if p.again {
			p.again = false
			again = append(again, p)
		}
	}
	if len(again) > 0 && ctx.Err() == nil {
		runCanaryJob(ctx, c, e.Topology, ownGroups(again))
	}
	for _, p := range pairs {
		if !p.done {
			p.check.Detail = fmt.Sprintf("did not finish within %s", o.CanaryTimeout)
			if p.progress != "" {
				p.check.Detail += "; " + p.progress
			}
		}
	}
	return canaryChecks(pairs)
}

func canaryChecks(pairs []*canaryPair) []Check {
	out := make([]Check, len(pairs))
	for i, p := range pairs {
		out[i] = p.check
	}
	return out
}

// canaryClient returns a Nomad client for the first server that knows
// the leader.
func canaryClient(ctx context.Context, e *env) (*napi.Client, error) {
	var lastErr error
	for _, n := range e.servers {
		c, err := newNomadClient(e, n)
		if err != nil {
			return nil, err
		}
		var leader string
		err = e.request(ctx, func(ctx context.Context) error {
			_, err := c.Raw().Query("/v1/status/leader", &leader, nomadQuery(ctx, false))
			return err
		})
		if err == nil && leader != "" {
			return c, nil
		}
		if err == nil {
			err = fmt.Errorf("%s knows no Nomad leader", n.Name)
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("the topology has no servers")
	}
	return nil, fmt.Errorf("no Nomad server API answered with a leader: %s", errText(lastErr))
}

// canaryGroup is the pairs one task group runs: all on one node, one
// task per driver.
type canaryGroup struct {
	name  string
	pairs []*canaryPair
}

// sharedGroups is a group per node for the pairs still to prove.
func sharedGroups(pairs []*canaryPair) []canaryGroup {
	var out []canaryGroup
	at := map[string]int{}
	for _, p := range pairs {
		if p.done {
			continue
		}
		i, ok := at[p.node.Name]
		if !ok {
			i = len(out)
			at[p.node.Name] = i
			out = append(out, canaryGroup{name: p.node.Name})
		}
		out[i].pairs = append(out[i].pairs, p)
	}
	return out
}

// ownGroups is a group per pair.
func ownGroups(pairs []*canaryPair) []canaryGroup {
	out := make([]canaryGroup, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, canaryGroup{name: p.node.Name + "-" + p.driver, pairs: []*canaryPair{p}})
	}
	return out
}

// runCanaryJob registers one job of groups, follows it until every pair
// has an outcome (or is to run again) or ctx ends, and purges it.
func runCanaryJob(ctx context.Context, c *napi.Client, t *topology.Topology, groups []canaryGroup) {
	if len(groups) == 0 {
		return
	}
	job := canaryJob(t, groups)
	if _, _, err := c.Jobs().Register(job, (&napi.WriteOptions{}).WithContext(ctx)); err != nil {
		for _, g := range groups {
			for _, p := range g.pairs {
				p.done, p.check.Detail = true, "could not register the canary job: "+errText(err)
			}
		}
		return
	}
	defer func() {
		// Purged even when ctx has ended: the job must not stay behind.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		_, _, _ = c.Jobs().Deregister(*job.ID, true, (&napi.WriteOptions{}).WithContext(pctx))
	}()
	followCanary(ctx, c, *job.ID, groups)
}

// canaryJob is one batch job with a group per canaryGroup. Nothing
// restarts or reschedules: the first outcome is the answer.
func canaryJob(t *topology.Topology, groups []canaryGroup) *napi.Job {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := CanaryJobPrefix + hex.EncodeToString(b)
	job := napi.NewBatchJob(id, id, t.Cluster.Region, 90)
	job.Datacenters = []string{t.Cluster.Datacenter}
	job.Meta = map[string]string{"nomadbox": "canary"}
	for _, cg := range groups {
		g := napi.NewTaskGroup(cg.name, 1).
			Constrain(napi.NewConstraint("${node.unique.name}", "=", cg.pairs[0].node.Name))
		for _, p := range cg.pairs {
			task := napi.NewTask(p.driver, p.driver)
			task.Config = p.config
			task.Resources = &napi.Resources{CPU: ptr(20), MemoryMB: ptr(32)}
			// No log collection: one process less per task (logmon), and
			// nobody reads a canary's output.
			task.LogConfig = &napi.LogConfig{MaxFiles: ptr(1), MaxFileSizeMB: ptr(1), Disabled: ptr(true)}
			g.AddTask(task)
		}
		g.RestartPolicy = &napi.RestartPolicy{Attempts: ptr(0), Mode: ptr("fail")}
		g.ReschedulePolicy = &napi.ReschedulePolicy{Attempts: ptr(0), Unlimited: ptr(false)}
		g.EphemeralDisk = &napi.EphemeralDisk{SizeMB: ptr(10)}
		job.AddTaskGroup(g)
	}
	return job
}

func ptr[T any](v T) *T { return &v }

// followCanary polls the job's allocations (and, for groups without one,
// its evaluations) until every pair has an outcome or ctx ends.
func followCanary(ctx context.Context, c *napi.Client, id string, groups []canaryGroup) {
	byGroup := map[string]canaryGroup{}
	for _, g := range groups {
		byGroup[g.name] = g
	}
	var index uint64
	for {
		// A blocking query: it answers as soon as an allocation changes
		// (or after WaitTime), so no poll interval is added to a canary.
		q := nomadQuery(ctx, false)
		q.WaitIndex, q.WaitTime = index, 2*time.Second
		allocs, meta, err := c.Jobs().Allocations(id, true, q)
		if err == nil && meta != nil {
			index = meta.LastIndex
		}
		if err == nil {
			for _, a := range allocs {
				g, ok := byGroup[a.TaskGroup]
				if !ok {
					continue
				}
				for _, p := range g.pairs {
					if !p.done && !p.again {
						judgeCanaryTask(p, a, len(g.pairs) > 1)
					}
				}
			}
		}
		if waiting(groups) {
			if evals, _, err := c.Jobs().Evaluations(id, nomadQuery(ctx, false)); err == nil {
				for _, ev := range evals {
					for name, m := range ev.FailedTGAllocs {
						if g, ok := byGroup[name]; ok && !placedAny(allocs, name) {
							unplaced(ctx, c, g, m)
						}
					}
				}
			}
		}
		if !waiting(groups) || ctx.Err() != nil {
			return
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

// unplaced records a group that could not be placed: a shared group's
// pairs run again alone (one driver may be what kept it off the node),
// a pair's own group is its outcome.
func unplaced(ctx context.Context, c *napi.Client, g canaryGroup, m *napi.AllocationMetric) {
	for _, p := range g.pairs {
		switch {
		case p.done || p.again:
		case len(g.pairs) > 1:
			p.again = true
		default:
			p.done = true
			p.check.Detail = "could not be placed on " + p.node.Name + ": " + placementReasons(m, p.node.Name) +
				driverHealth(ctx, c, p.node.Name, p.driver)
		}
	}
}

func waiting(groups []canaryGroup) bool {
	for _, g := range groups {
		for _, p := range g.pairs {
			if !p.done && !p.again {
				return true
			}
		}
	}
	return false
}

func placedAny(allocs []*napi.AllocationListStub, group string) bool {
	for _, a := range allocs {
		if a.TaskGroup == group {
			return true
		}
	}
	return false
}

// judgeCanaryTask records the outcome of a pair's task once its
// allocation has one; while it runs, progress keeps its latest event for
// a timeout. In a shared group (shared), a task that ended without
// running to its end through no failure of its own (a sibling's failure
// killed it, or the allocation ended before it started) runs again alone.
func judgeCanaryTask(p *canaryPair, a *napi.AllocationListStub, shared bool) {
	if a.NodeName != "" && a.NodeName != p.node.Name {
		p.done = true
		p.check.Detail = fmt.Sprintf("placed on %s instead of %s", a.NodeName, p.node.Name)
		return
	}
	if a.ClientStatus == "lost" {
		p.done = true
		p.check.Detail = "allocation lost: the node stopped answering its servers"
		return
	}
	ts := a.TaskStates[p.driver]
	ended := a.ClientStatus == "complete" || a.ClientStatus == "failed"
	if ts == nil || ts.State != "dead" {
		if !ended {
			p.progress = a.ClientStatus
			if ev := lastEvent(a, p.driver); ev != "" {
				p.progress += ", last event " + ev
			}
			return
		}
		if shared {
			p.again = true
			return
		}
	}
	if exitedZero(ts) {
		p.done, p.check.OK = true, true
		p.check.Detail = "a " + p.driver + " task ran and exited 0"
		if d := ts.FinishedAt.Sub(time.Unix(0, a.CreateTime)); a.CreateTime > 0 && d > 0 {
			p.check.Detail += fmt.Sprintf(" (%.1fs from placement to exit)", d.Seconds())
		}
		return
	}
	if shared && hasEvent(ts, napi.TaskSiblingFailed) {
		p.again = true
		return
	}
	for _, f := range taskevents.Failures(a) {
		if f.Task == p.driver {
			p.done = true
			p.check.Detail = "task failed: " + oneLine(f.String(), 300)
			return
		}
	}
	if shared {
		p.again = true
		return
	}
	p.done = true
	p.check.Detail = "task failed: " + lastEvent(a, p.driver)
	if ts == nil || len(ts.Events) == 0 {
		p.check.Detail = "the allocation ended (" + a.ClientStatus + ") before the task started"
	}
}

// exitedZero: the task ran and exited 0 (the only proof that counts; a
// task killed before it could exit has no such event).
func exitedZero(ts *napi.TaskState) bool {
	if ts == nil {
		return false
	}
	for _, ev := range ts.Events {
		if ev != nil && ev.Type == napi.TaskTerminated && ev.ExitCode == 0 && ev.Signal == 0 {
			return true
		}
	}
	return false
}

func hasEvent(ts *napi.TaskState, typ string) bool {
	for _, ev := range ts.Events {
		if ev != nil && ev.Type == typ {
			return true
		}
	}
	return false
}

func lastEvent(a *napi.AllocationListStub, task string) string {
	ts := a.TaskStates[task]
	if ts == nil || len(ts.Events) == 0 {
		return ""
	}
	ev := ts.Events[len(ts.Events)-1]
	msg := taskevents.Message(ev)
	if msg == "" {
		return ev.Type
	}
	return oneLine(ev.Type+": "+msg, 300)
}

// placementReasons turns an evaluation's metrics for a group into what
// kept it off its node. The constraint on the node's name filters every
// other node and is left out.
func placementReasons(m *napi.AllocationMetric, node string) string {
	var parts []string
	add := func(kind string, counts map[string]int) {
		keys := make([]string, 0, len(counts))
		for k := range counts {
			if !strings.Contains(k, "${node.unique.name}") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, kind+k)
		}
	}
	if m != nil {
		add("", m.ConstraintFiltered)
		add("class ", m.ClassFiltered)
		add("resource exhausted: ", m.DimensionExhausted)
	}
	if len(parts) == 0 {
		return "the node is not ready and eligible in Nomad"
	}
	return strings.Join(parts, "; ")
}

// driverHealth says what the node's fingerprint says of the driver, for
// a canary that could not be placed ("" when it looks fine or is unknown).
func driverHealth(ctx context.Context, c *napi.Client, node, driver string) string {
	stubs, _, err := c.Nodes().List(nomadQuery(ctx, false))
	if err != nil {
		return ""
	}
	for _, st := range stubs {
		if st.Name != node {
			continue
		}
		n, _, err := c.Nodes().Info(st.ID, nomadQuery(ctx, false))
		if err != nil {
			return ""
		}
		if msg := driverProblems(n.Drivers, []string{driver}); len(msg) > 0 {
			return " (" + msg[0] + ")"
		}
		return ""
	}
	return ""
}

// purgeStaleCanaries removes canary jobs a killed run left behind.
func purgeStaleCanaries(ctx context.Context, c *napi.Client) {
	stubs, _, err := c.Jobs().PrefixList(CanaryJobPrefix)
	if err != nil {
		return
	}
	for _, s := range stubs {
		if s.SubmitTime > 0 && time.Since(time.Unix(0, s.SubmitTime)) > staleCanary {
			_, _, _ = c.Jobs().Deregister(s.ID, true, (&napi.WriteOptions{}).WithContext(ctx))
		}
	}
}
