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
// every driver the topology enables on it, one task group of a batch job
// is constrained to that node and runs the smallest workload the driver
// accepts; each becomes a check named CanaryPrefix+driver for the node.
// The job is purged afterwards, so it never shows in `nomadbox jobs`.
const (
	// CanaryPrefix starts the name of every canary check.
	CanaryPrefix = "canary:"
	// CanaryJobPrefix starts the ID of every canary job.
	CanaryJobPrefix = "nomadbox-canary-"
	// DefaultCanaryTimeout bounds one canary run (the exec driver builds
	// a chroot for its task, which takes several seconds in a container).
	DefaultCanaryTimeout = 2 * time.Minute
	// canaryTask is the name of the one task in every canary group.
	canaryTask = "canary"
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

// canaryPair is one (client node, driver) to prove.
type canaryPair struct {
	node   topology.Node
	driver string
	group  string // task group name
	config map[string]any
	check  Check
	done   bool
	// progress is the allocation's latest state while it runs, for the
	// detail of a canary that times out.
	progress string
}

// Canaries runs the canary job once, bounded by opts.CanaryTimeout, and
// returns one check per client node and enabled driver (none when the
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
			p := &canaryPair{node: n, driver: d, group: n.Name + "-" + d,
				check: Check{Name: CanaryPrefix + d, Node: n.Name}}
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
	job := canaryJob(e.Topology, pairs)
	if job == nil {
		return canaryChecks(pairs)
	}
	if _, _, err := c.Jobs().Register(job, (&napi.WriteOptions{}).WithContext(ctx)); err != nil {
		failAll("could not register the canary job: " + errText(err))
		return canaryChecks(pairs)
	}
	defer func() {
		// Purged even when ctx has ended: the job must not stay behind.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		_, _, _ = c.Jobs().Deregister(*job.ID, true, (&napi.WriteOptions{}).WithContext(pctx))
	}()

	followCanary(ctx, c, *job.ID, pairs)
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

// canaryJob is one batch job with a group per pair that has a workload.
// Nothing restarts or reschedules: the first outcome is the answer.
func canaryJob(t *topology.Topology, pairs []*canaryPair) *napi.Job {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := CanaryJobPrefix + hex.EncodeToString(b)
	job := napi.NewBatchJob(id, id, t.Cluster.Region, 90)
	job.Datacenters = []string{t.Cluster.Datacenter}
	job.Meta = map[string]string{"nomadbox": "canary"}
	for _, p := range pairs {
		if p.done {
			continue
		}
		task := napi.NewTask(canaryTask, p.driver)
		task.Config = p.config
		task.Resources = &napi.Resources{CPU: ptr(20), MemoryMB: ptr(32)}
		// No log collection: one process less per task (logmon), and
		// nobody reads a canary's output.
		task.LogConfig = &napi.LogConfig{MaxFiles: ptr(1), MaxFileSizeMB: ptr(1), Disabled: ptr(true)}
		g := napi.NewTaskGroup(p.group, 1).
			Constrain(napi.NewConstraint("${node.unique.name}", "=", p.node.Name)).
			AddTask(task)
		g.RestartPolicy = &napi.RestartPolicy{Attempts: ptr(0), Mode: ptr("fail")}
		g.ReschedulePolicy = &napi.ReschedulePolicy{Attempts: ptr(0), Unlimited: ptr(false)}
		g.EphemeralDisk = &napi.EphemeralDisk{SizeMB: ptr(10)}
		job.AddTaskGroup(g)
	}
	if len(job.TaskGroups) == 0 {
		return nil
	}
	return job
}

func ptr[T any](v T) *T { return &v }

// followCanary polls the job's allocations (and, for groups without one,
// its evaluations) until every pair has an outcome or ctx ends.
func followCanary(ctx context.Context, c *napi.Client, id string, pairs []*canaryPair) {
	byGroup := map[string]*canaryPair{}
	for _, p := range pairs {
		byGroup[p.group] = p
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
				if p := byGroup[a.TaskGroup]; p != nil && !p.done {
					judgeCanaryAlloc(p, a)
				}
			}
		}
		if waiting(pairs) {
			if evals, _, err := c.Jobs().Evaluations(id, nomadQuery(ctx, false)); err == nil {
				for _, ev := range evals {
					for g, m := range ev.FailedTGAllocs {
						if p := byGroup[g]; p != nil && !p.done && !placedAny(allocs, g) {
							p.done = true
							p.check.Detail = "could not be placed on " + p.node.Name + ": " + placementReasons(m, p.node.Name) +
								driverHealth(ctx, c, p.node.Name, p.driver)
						}
					}
				}
			}
		}
		if !waiting(pairs) || ctx.Err() != nil {
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

func waiting(pairs []*canaryPair) bool {
	for _, p := range pairs {
		if !p.done {
			return true
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

// judgeCanaryAlloc records the outcome of a pair's allocation once it
// has one; while it runs, progress keeps its latest event for a timeout.
func judgeCanaryAlloc(p *canaryPair, a *napi.AllocationListStub) {
	if a.NodeName != "" && a.NodeName != p.node.Name {
		p.done = true
		p.check.Detail = fmt.Sprintf("placed on %s instead of %s", a.NodeName, p.node.Name)
		return
	}
	switch a.ClientStatus {
	case "complete":
		p.done, p.check.OK = true, true
		p.check.Detail = "a " + p.driver + " task ran and exited 0"
		if d := runTime(a); d > 0 {
			p.check.Detail += fmt.Sprintf(" (%.1fs from placement to exit)", d.Seconds())
		}
	case "failed":
		p.done = true
		if f, ok := taskevents.First(a); ok {
			p.check.Detail = "task failed: " + oneLine(f.String(), 300)
		} else {
			p.check.Detail = "task failed: " + lastEvent(a)
		}
	case "lost":
		p.done = true
		p.check.Detail = "allocation lost: the node stopped answering its servers"
	default:
		p.progress = a.ClientStatus
		if ev := lastEvent(a); ev != "" {
			p.progress += ", last event " + ev
		}
	}
}

func runTime(a *napi.AllocationListStub) time.Duration {
	if a.CreateTime == 0 || a.ModifyTime < a.CreateTime {
		return 0
	}
	return time.Duration(a.ModifyTime - a.CreateTime)
}

func lastEvent(a *napi.AllocationListStub) string {
	ts := a.TaskStates[canaryTask]
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
