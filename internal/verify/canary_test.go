package verify

import (
	"strings"
	"testing"
	"time"

	napi "github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// TestJudgeCanaryTask: the outcomes a shared group's task can have. Only
// a task that exited 0 passes; one a sibling's failure killed, or that
// never started because the allocation ended, is not judged from that
// allocation but run again alone; a failure of its own is its outcome.
func TestJudgeCanaryTask(t *testing.T) {
	created := time.Unix(1000, 0)
	ev := func(typ string, mod func(*napi.TaskEvent)) *napi.TaskEvent {
		e := &napi.TaskEvent{Type: typ, Time: created.Add(time.Second).UnixNano()}
		if mod != nil {
			mod(e)
		}
		return e
	}
	dead := func(failed bool, events ...*napi.TaskEvent) *napi.TaskState {
		return &napi.TaskState{State: "dead", Failed: failed, FinishedAt: created.Add(1500 * time.Millisecond), Events: events}
	}
	exit := func(code, signal int) *napi.TaskEvent {
		return ev(napi.TaskTerminated, func(e *napi.TaskEvent) { e.ExitCode, e.Signal = code, signal })
	}
	driverFailure := ev(napi.TaskDriverFailure, func(e *napi.TaskEvent) { e.DriverError = "Failed to create container: no such image" })
	cases := []struct {
		name        string
		status      string
		state       *napi.TaskState
		shared      bool
		ok, again   bool
		done        bool
		wantDetail  string
		wantPending bool
	}{
		{name: "exited 0", status: "complete", state: dead(false, ev(napi.TaskStarted, nil), exit(0, 0)), shared: true,
			ok: true, done: true, wantDetail: "a raw_exec task ran and exited 0 (1.5s from placement to exit)"},
		{name: "exited 0 while the sibling still runs", status: "running", state: dead(false, ev(napi.TaskStarted, nil), exit(0, 0)), shared: true,
			ok: true, done: true, wantDetail: "ran and exited 0"},
		{name: "killed by a failing sibling", status: "failed", shared: true, again: true,
			state: dead(false, ev(napi.TaskStarted, nil), ev(napi.TaskSiblingFailed, nil), ev(napi.TaskKilling, nil), exit(0, 9))},
		{name: "sibling failed before it started", status: "failed", shared: true, again: true,
			state: dead(false, ev(napi.TaskSiblingFailed, nil))},
		{name: "the allocation ended before the task had a state", status: "failed", shared: true, again: true},
		{name: "the allocation ended before the task had a state, alone", status: "failed", done: true,
			wantDetail: "the allocation ended (failed) before the task started"},
		{name: "its own failure", status: "failed", shared: true, done: true,
			state: dead(true, driverFailure), wantDetail: "task failed: Driver Failure: Failed to create container: no such image"},
		{name: "exit 3 alone", status: "failed", done: true,
			state: dead(true, ev(napi.TaskStarted, nil), exit(3, 0)), wantDetail: "task failed: Terminated: exit code 3"},
		{name: "still running", status: "running", shared: true, wantPending: true,
			state: &napi.TaskState{State: "running", Events: []*napi.TaskEvent{ev(napi.TaskStarted, nil)}}},
		{name: "lost", status: "lost", shared: true, done: true, wantDetail: "allocation lost"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &canaryPair{node: topology.Node{Name: "c1"}, driver: "raw_exec"}
			a := &napi.AllocationListStub{NodeName: "c1", ClientStatus: tc.status, CreateTime: created.UnixNano(),
				TaskStates: map[string]*napi.TaskState{}}
			if tc.state != nil {
				a.TaskStates["raw_exec"] = tc.state
			}
			judgeCanaryTask(p, a, tc.shared)
			if p.check.OK != tc.ok || p.again != tc.again || p.done != tc.done {
				t.Errorf("ok=%v again=%v done=%v, want ok=%v again=%v done=%v (detail %q)",
					p.check.OK, p.again, p.done, tc.ok, tc.again, tc.done, p.check.Detail)
			}
			if !strings.Contains(p.check.Detail, tc.wantDetail) {
				t.Errorf("detail %q, want it to contain %q", p.check.Detail, tc.wantDetail)
			}
			if tc.wantPending && !strings.Contains(p.progress, "running, last event Started") {
				t.Errorf("progress %q", p.progress)
			}
		})
	}
}

// TestCanaryGroups: one group per node for the first job, with a task
// per driver; the second job, for what the first left unjudged, has a
// group per pair.
func TestCanaryGroups(t *testing.T) {
	c1, c2 := topology.Node{Name: "c1"}, topology.Node{Name: "c2"}
	pairs := []*canaryPair{
		{node: c1, driver: "docker"}, {node: c1, driver: "raw_exec"},
		{node: c1, driver: "java", done: true}, {node: c2, driver: "raw_exec"},
	}
	top := &topology.Topology{}
	job := canaryJob(top, sharedGroups(pairs))
	got := map[string][]string{}
	for _, g := range job.TaskGroups {
		for _, task := range g.Tasks {
			got[*g.Name] = append(got[*g.Name], task.Name+"/"+task.Driver)
		}
		if len(g.Constraints) != 1 || g.Constraints[0].RTarget != *g.Name {
			t.Errorf("group %s is not constrained to its node: %+v", *g.Name, g.Constraints)
		}
	}
	if len(got) != 2 || strings.Join(got["c1"], " ") != "docker/docker raw_exec/raw_exec" || strings.Join(got["c2"], " ") != "raw_exec/raw_exec" {
		t.Errorf("shared groups: %v", got)
	}
	own := ownGroups(pairs[:2])
	if len(own) != 2 || own[0].name != "c1-docker" || own[1].name != "c1-raw_exec" || len(own[1].pairs) != 1 {
		t.Errorf("own groups: %+v", own)
	}
}
