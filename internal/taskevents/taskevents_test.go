package taskevents

import (
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"
)

func ev(typ, msg string, t int64) *api.TaskEvent {
	return &api.TaskEvent{Type: typ, DisplayMessage: msg, Time: t}
}

func alloc(id string, events ...*api.TaskEvent) *api.AllocationListStub {
	return &api.AllocationListStub{ID: id, NodeName: "n1", TaskStates: map[string]*api.TaskState{"web": {Events: events}}}
}

func TestHopeless(t *testing.T) {
	missing := "failed to launch command with executor: exec: \"/nope\": stat /nope: no such file or directory"
	for _, tc := range []struct {
		name   string
		allocs []*api.AllocationListStub
		want   string // substring of the reason; "" means still hopeful
	}{
		{"healthy", []*api.AllocationListStub{alloc("a", ev("Received", "", 1), ev("Started", "", 2))}, ""},
		{"one failure may still recover", []*api.AllocationListStub{
			alloc("a", ev("Driver Failure", missing, 1), ev("Restarting", "Task restarting in 15s", 2)),
		}, ""},
		{"the same failure after a restart", []*api.AllocationListStub{
			alloc("a", ev("Driver Failure", missing, 1), ev("Restarting", "", 2), ev("Driver Failure", missing, 3)),
		}, "the same failure 2 times: Driver Failure: " + missing},
		{"the same failure in a rescheduled allocation", []*api.AllocationListStub{
			alloc("a", ev("Driver Failure", missing, 1), ev("Not Restarting", "Exceeded allowed attempts", 2)),
			alloc("b", ev("Driver Failure", missing, 5)),
		}, "the same failure 2 times"},
		{"different failures", []*api.AllocationListStub{
			alloc("a", ev("Driver Failure", "one", 1)), alloc("b", ev("Driver Failure", "two", 2)),
		}, ""},
		{"unrecoverable", []*api.AllocationListStub{
			alloc("a", ev("Task hook failed", "task_dir: mount: operation not permitted", 1), ev("Not Restarting", "Error was unrecoverable", 2)),
		}, "an unrecoverable error: Task hook failed: task_dir: mount: operation not permitted"},
		{"a clean exit is no failure", []*api.AllocationListStub{
			alloc("a", &api.TaskEvent{Type: "Terminated", ExitCode: 0, Time: 1}, &api.TaskEvent{Type: "Terminated", ExitCode: 0, Time: 2}),
		}, ""},
		{"a crash loop", []*api.AllocationListStub{
			alloc("a", &api.TaskEvent{Type: "Terminated", ExitCode: 3, Time: 1}, ev("Restarting", "", 2), &api.TaskEvent{Type: "Terminated", ExitCode: 3, Time: 3}),
		}, "Terminated: exit code 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fs := Hopeless(tc.allocs)
			if tc.want == "" {
				if got != "" {
					t.Errorf("Hopeless = %q, want still hopeful", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) || len(fs) == 0 {
				t.Errorf("Hopeless = %q (%d failures), want %q", got, len(fs), tc.want)
			}
		})
	}
}

func TestFirst(t *testing.T) {
	a := alloc("a", ev("Received", "", 1), ev("Task Setup", "Building Task Directory", 2),
		ev("Driver Failure", "boom", 3), ev("Not Restarting", "Policy allows no restarts", 4))
	f, ok := First(a)
	if !ok || f.String() != "Driver Failure: boom" || f.Node != "n1" || f.Task != "web" {
		t.Errorf("First = %+v, %v", f, ok)
	}
	if _, ok := First(alloc("b", ev("Started", "", 1))); ok {
		t.Error("First found a failure in a healthy task")
	}
}
