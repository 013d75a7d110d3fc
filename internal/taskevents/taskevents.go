// Package taskevents reads what went wrong from Nomad's task events:
// the first failure of a task, whether Nomad gave up on it because the
// error is unrecoverable, and whether the same failure keeps coming back.
// verify's canaries and `nomadbox run` judge allocations with it.
package taskevents

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Failure is one failing task event.
type Failure struct {
	Alloc   string // allocation ID
	Node    string // node name
	Task    string
	Type    string // Nomad's event type, e.g. "Driver Failure"
	Message string
	Time    time.Time
}

// String is "Type: message", the way `nomad alloc status` shows events.
func (f Failure) String() string {
	if f.Message == "" {
		return f.Type
	}
	return f.Type + ": " + f.Message
}

// key identifies a failure independently of where and when it happened.
func (f Failure) key() string { return f.Task + "\x00" + f.String() }

// failureTypes are the event types that mean a task could not be set up,
// started or kept running.
var failureTypes = map[string]bool{
	api.TaskSetupFailure:           true,
	api.TaskDriverFailure:          true,
	api.TaskFailedValidation:       true,
	api.TaskArtifactDownloadFailed: true,
	"Task hook failed":             true, // structs.TaskHookFailed; the api package has no constant
}

// Message is the text Nomad shows for an event.
func Message(ev *api.TaskEvent) string {
	for _, s := range []string{ev.DisplayMessage, ev.DriverError, ev.SetupError, ev.ValidationError, ev.DownloadError, ev.KillError, ev.Message} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func isFailure(ev *api.TaskEvent) bool {
	switch {
	case ev == nil:
		return false
	case failureTypes[ev.Type], ev.FailsTask && ev.Type != api.TaskNotRestarting:
		return true
	case ev.Type == api.TaskTerminated:
		return ev.ExitCode != 0 || ev.Signal != 0
	}
	return false
}

// Failures lists every failing event of the allocation's tasks, oldest
// first.
func Failures(a *api.AllocationListStub) []Failure {
	var out []Failure
	for task, ts := range a.TaskStates {
		if ts == nil {
			continue
		}
		for _, ev := range ts.Events {
			if !isFailure(ev) {
				continue
			}
			msg := Message(ev)
			if ev.Type == api.TaskTerminated {
				msg = fmt.Sprintf("exit code %d", ev.ExitCode)
				if ev.Signal != 0 {
					msg += fmt.Sprintf(", signal %d", ev.Signal)
				}
			}
			out = append(out, Failure{Alloc: a.ID, Node: a.NodeName, Task: task, Type: ev.Type, Message: msg, Time: time.Unix(0, ev.Time)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// First is the allocation's first failing event, if any.
func First(a *api.AllocationListStub) (Failure, bool) {
	f := Failures(a)
	if len(f) == 0 {
		return Failure{}, false
	}
	return f[0], true
}

// Unrecoverable returns the failure that made Nomad give up on a task
// without restarting it because the error cannot be recovered ("Not
// Restarting: Error was unrecoverable"), if there is one.
func Unrecoverable(a *api.AllocationListStub) (Failure, bool) {
	for task, ts := range a.TaskStates {
		if ts == nil {
			continue
		}
		var last *Failure
		for _, ev := range ts.Events {
			if isFailure(ev) {
				f := Failure{Alloc: a.ID, Node: a.NodeName, Task: task, Type: ev.Type, Message: Message(ev), Time: time.Unix(0, ev.Time)}
				last = &f
			}
			if ev.Type == api.TaskNotRestarting && strings.Contains(strings.ToLower(Message(ev)+" "+ev.RestartReason), "unrecoverable") {
				if last != nil {
					return *last, true
				}
				return Failure{Alloc: a.ID, Node: a.NodeName, Task: task, Type: ev.Type, Message: Message(ev), Time: time.Unix(0, ev.Time)}, true
			}
		}
	}
	return Failure{}, false
}

// Hopeless says why allocations cannot become healthy, or "" when there
// is still hope: one of them failed with an unrecoverable error, or the
// same failure (same task, type and message) happened twice, after a
// restart or in a rescheduled or sibling allocation. Either way Nomad's
// retries only repeat it.
func Hopeless(allocs []*api.AllocationListStub) (string, []Failure) {
	for _, a := range allocs {
		if f, ok := Unrecoverable(a); ok {
			return "an unrecoverable error: " + f.String(), []Failure{f}
		}
	}
	seen := map[string][]Failure{}
	var order []string
	for _, a := range allocs {
		for _, f := range Failures(a) {
			k := f.key()
			if _, ok := seen[k]; !ok {
				order = append(order, k)
			}
			seen[k] = append(seen[k], f)
		}
	}
	for _, k := range order {
		if fs := seen[k]; len(fs) >= 2 {
			return fmt.Sprintf("the same failure %d times: %s", len(fs), fs[0].String()), fs
		}
	}
	return "", nil
}
