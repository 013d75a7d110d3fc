package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/verify"
)

// Cluster is what a drill does to and learns from a cluster.
type Cluster interface {
	// Exec runs a shell command on node (as the SSH user; sudo inside).
	Exec(ctx context.Context, node, cmd string) (string, error)
	Halt(ctx context.Context, node string) error
	Start(ctx context.Context, node string) error
	// Verify makes one pass of the cheap checks; its report names the
	// leaders by address.
	Verify(ctx context.Context) *verify.Report
	// NodeAt names the node at addr ("ip" or "ip:port"), or returns addr.
	NodeAt(addr string) string
	// Allocations are the running allocations of the cluster's jobs.
	Allocations(ctx context.Context) ([]Alloc, error)
	// Peers are the private addresses of every node but node.
	Peers(node string) ([]string, error)
}

// Alloc is a running allocation.
type Alloc struct {
	ID, Job, Group, Node string
}

// Options tune a drill.
type Options struct {
	Scenario Scenario
	// For is how long the fault lasts before it is healed.
	For time.Duration
	// Wait bounds how long after healing the cluster may take to be
	// healthy again.
	Wait time.Duration
	// Settle bounds how long the drill waits for a cluster that fails
	// verify to pass before the fault, instead of refusing at once: a
	// cluster just repaired can still fail for a few seconds where Nomad
	// has not fingerprinted a restarted driver again (Nomad's task drivers
	// fingerprint every 30 s: fingerprintPeriod in drivers/docker/driver.go).
	// Zero checks once.
	Settle time.Duration
	// Poll is the interval between verify passes (default 2s).
	Poll     time.Duration
	Progress func(format string, args ...any)
	Now      func() time.Time
}

// Leaders is one agent's leadership over the drill.
type Leaders struct {
	Before string `json:"before"`
	After  string `json:"after"`
	// Elected is when a leader other than Before was first seen.
	Elected *time.Time `json:"elected,omitempty"`
}

// Move is an allocation that stopped running during the drill and the
// one that replaced it (To is "" when none did).
type Move struct {
	Job   string `json:"job"`
	Group string `json:"group"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Report is what a drill measured. Times are UTC; the seconds are
// counted from Started (detection) and from Healed (recovery).
type Report struct {
	Scenario string    `json:"scenario"`
	Node     string    `json:"node,omitempty"`
	Agent    string    `json:"agent,omitempty"`
	Started  time.Time `json:"started"`
	// Detected is when the first verify pass failed, or a new leader
	// was seen, whichever came first; DetectedBy says which.
	Detected       *time.Time         `json:"detected,omitempty"`
	DetectedBy     string             `json:"detected_by,omitempty"`
	DetectSeconds  *float64           `json:"detect_seconds,omitempty"`
	Healed         time.Time          `json:"healed"`
	Recovered      *time.Time         `json:"recovered,omitempty"`
	RecoverSeconds *float64           `json:"recover_seconds,omitempty"`
	Leaders        map[string]Leaders `json:"leaders"`
	Moved          []Move             `json:"moved"`
	Interrupted    bool               `json:"interrupted,omitempty"`
	Healthy        bool               `json:"healthy"`
	Failed         []verify.Check     `json:"failed,omitempty"`
}

// ErrUnhealthyBefore is returned when the cluster fails verify before
// any fault: a drill on a broken cluster measures nothing.
var ErrUnhealthyBefore = fmt.Errorf("the cluster is not healthy before the drill")

var agents = []string{"nomad", "consul"}

// Run performs the drill: check the cluster is healthy, inject the fault,
// watch it for o.For (or until ctx ends: Ctrl-C), heal it, then watch
// until verify passes or o.Wait has passed. The report is returned even
// when the cluster stays unhealthy; err is for a drill that could not be
// carried out.
func Run(ctx context.Context, c Cluster, o Options) (*Report, error) {
	o = o.withDefaults()
	d, err := prepare(ctx, c, o)
	if err != nil {
		return nil, err
	}
	s, r := d.scenario, d.report
	o.Progress("%s: injecting the fault", s)
	r.Started = o.Now().UTC()
	if err := d.fault.inject(ctx); err != nil {
		d.fault.heal(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	o.Progress("%s: the fault lasts %s", s, o.For)
	d.watch(ctx, r.Started.Add(o.For), false)
	r.Interrupted = ctx.Err() != nil

	// Healed even after Ctrl-C: a drill must not leave its fault behind.
	hctx := context.WithoutCancel(ctx)
	o.Progress("%s: healing", s)
	if err := d.fault.heal(hctx); err != nil {
		return r, fmt.Errorf("%s: healing failed, the fault may still be in place: %w", s, err)
	}
	r.Healed = o.Now().UTC()
	if !r.Interrupted {
		o.Progress("%s: waiting up to %s for verify to pass", s, o.Wait)
		d.waitRecovered(ctx, hctx)
	}
	d.conclude(hctx)
	return r, nil
}

// withDefaults fills what a caller may leave unset.
func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	return o
}

// drill is one drill under way: what it started from and what it saw.
type drill struct {
	c        Cluster
	o        Options
	scenario Scenario
	report   *Report
	fault    *fault
	before   []Alloc
	last     *verify.Report // the last verify pass
}

// prepare checks the cluster is healthy, notes its leaders (the node of a
// kill-leader drill is the leader of its agent) and allocations, and
// finds the fault to inject.
func prepare(ctx context.Context, c Cluster, o Options) (*drill, error) {
	s := o.Scenario
	pre, err := settled(ctx, c, o)
	if err != nil {
		return nil, err
	}
	r := &Report{Scenario: s.Name, Agent: s.Agent, Leaders: map[string]Leaders{}}
	for _, a := range agents {
		l := leaderOf(c, pre, a)
		if l == "" {
			return nil, fmt.Errorf("verify passed but names no %s leader", a)
		}
		r.Leaders[a] = Leaders{Before: l, After: l}
	}
	if s.Name == "kill-leader" {
		s.Node = r.Leaders[s.Agent].Before
	}
	r.Node = s.Node
	before, err := c.Allocations(ctx)
	if err != nil {
		return nil, err
	}
	f, err := faultFor(s, c)
	if err != nil {
		return nil, err
	}
	return &drill{c: c, o: o, scenario: s, report: r, fault: f, before: before}, nil
}

// settled is the first verify pass that is healthy, waiting up to
// o.Settle for one; ErrUnhealthyBefore, with what failed last, when none
// is.
func settled(ctx context.Context, c Cluster, o Options) (*verify.Report, error) {
	deadline := o.Now().Add(o.Settle)
	for waited := false; ; waited = true {
		pre := c.Verify(ctx)
		if pre.Healthy {
			return pre, nil
		}
		if !o.Now().Before(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s (see `nomadbox verify`)", ErrUnhealthyBefore, failedText(pre))
		}
		if !waited {
			o.Progress("%s: the cluster fails verify (%s): waiting up to %s for it to pass before the fault", o.Scenario, failedText(pre), o.Settle)
		}
		select {
		case <-ctx.Done():
		case <-time.After(o.Poll):
		}
	}
}

// watch runs verify every o.Poll until the time until (or ctx ends), or,
// with stopWhenHealthy, until a pass is healthy and both leaders are known.
func (d *drill) watch(ctx context.Context, until time.Time, stopWhenHealthy bool) {
	for {
		d.last = d.c.Verify(ctx)
		now := d.o.Now().UTC()
		d.report.observe(d.c, d.last, now)
		if stopWhenHealthy && d.last.Healthy && d.report.leadersKnown() {
			return
		}
		wait := d.o.Poll
		if left := until.Sub(now); left < wait {
			wait = left
		}
		if wait <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// waitRecovered watches the healed cluster for up to o.Wait.
func (d *drill) waitRecovered(ctx, hctx context.Context) {
	wctx, cancel := context.WithTimeout(ctx, d.o.Wait)
	d.watch(wctx, d.report.Healed.Add(d.o.Wait), true)
	cancel()
	if d.last != nil && !d.last.Healthy && wctx.Err() != nil {
		// The last pass may have been cut short by the wait's end:
		// the checks reported are those of one whole pass.
		fctx, cancel := context.WithTimeout(hctx, time.Minute)
		d.last = d.c.Verify(fctx)
		cancel()
	}
}

// conclude writes the outcome into the report: recovered or not, what
// still fails, which allocations moved.
func (d *drill) conclude(hctx context.Context) {
	r := d.report
	if d.last != nil && d.last.Healthy {
		t := d.o.Now().UTC()
		r.Recovered = &t
		r.RecoverSeconds = seconds(t.Sub(r.Healed))
	}
	r.Healthy = r.Recovered != nil
	if d.last != nil && !d.last.Healthy {
		r.Failed = d.last.FailedChecks()
	}
	if after, err := d.c.Allocations(hctx); err == nil {
		r.Moved = moves(d.before, after)
	}
}

// observe notes the first failure and leadership changes.
func (r *Report) observe(c Cluster, rep *verify.Report, now time.Time) {
	if !rep.Healthy && r.Detected == nil {
		r.detect(now, "verify: "+failedText(rep))
	}
	for _, a := range agents {
		l := leaderOf(c, rep, a)
		if l == "" {
			continue // none elected, or the servers disagree
		}
		ls := r.Leaders[a]
		ls.After = l
		if l != ls.Before && ls.Elected == nil {
			t := now
			ls.Elected = &t
			if r.Detected == nil {
				r.detect(now, fmt.Sprintf("a new %s leader: %s", a, l))
			}
		}
		r.Leaders[a] = ls
	}
}

// leaderOf names the node that rep says leads agent's Raft ("" for none).
func leaderOf(c Cluster, rep *verify.Report, agent string) string {
	addr := rep.NomadLeader
	if agent == "consul" {
		addr = rep.ConsulLeader
	}
	if addr == "" {
		return ""
	}
	return c.NodeAt(addr)
}

func (r *Report) detect(t time.Time, by string) {
	r.Detected, r.DetectedBy = &t, by
	r.DetectSeconds = seconds(t.Sub(r.Started))
}

// leadersKnown: after a leader was killed, recovery also means a leader
// is known again.
func (r *Report) leadersKnown() bool {
	for _, l := range r.Leaders {
		if l.After == "" {
			return false
		}
	}
	return true
}

func seconds(d time.Duration) *float64 {
	s := float64(d.Round(100*time.Millisecond)) / float64(time.Second)
	return &s
}

func failedText(rep *verify.Report) string {
	var out []string
	for _, c := range rep.FailedChecks() {
		s := c.Name
		if c.Node != "" {
			s += " " + c.Node
		}
		if c.Detail != "" {
			s += " (" + c.Detail + ")"
		}
		out = append(out, s)
	}
	if len(out) > 3 {
		out = append(out[:3], fmt.Sprintf("and %d more", len(out)-3))
	}
	return strings.Join(out, "; ")
}

// moves pairs the allocations that stopped running with the new ones of
// the same job and group.
func moves(before, after []Alloc) []Move {
	running := map[string]bool{}
	for _, a := range after {
		running[a.ID] = true
	}
	existed := map[string]bool{}
	for _, a := range before {
		existed[a.ID] = true
	}
	fresh := map[string][]Alloc{}
	for _, a := range after {
		if !existed[a.ID] {
			k := a.Job + "/" + a.Group
			fresh[k] = append(fresh[k], a)
		}
	}
	out := []Move{}
	for _, a := range before {
		if running[a.ID] {
			continue
		}
		m := Move{Job: a.Job, Group: a.Group, From: a.Node}
		k := a.Job + "/" + a.Group
		if len(fresh[k]) > 0 {
			m.To, fresh[k] = fresh[k][0].Node, fresh[k][1:]
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Job != out[j].Job {
			return out[i].Job < out[j].Job
		}
		return out[i].From < out[j].From
	})
	return out
}
