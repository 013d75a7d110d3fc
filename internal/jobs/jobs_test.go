package jobs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"
)

func TestVariablesFile(t *testing.T) {
	got := variablesFile(map[string]string{"count": "7", "image": "nomadbox/microbot:test", "debug": "true", "quote": `a"b`})
	want := "count = 7\ndebug = true\nimage = \"nomadbox/microbot:test\"\nquote = \"a\\\"b\"\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseVars(t *testing.T) {
	vars, err := ParseVars([]string{"count=7", "url=http://x/?a=b"})
	if err != nil || vars["count"] != "7" || vars["url"] != "http://x/?a=b" {
		t.Errorf("got %v %v", vars, err)
	}
	for _, bad := range []string{"count", "=7"} {
		if _, err := ParseVars([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWritePlan(t *testing.T) {
	resp := &api.JobPlanResponse{
		JobModifyIndex: 42,
		Diff: &api.JobDiff{Type: "Edited", ID: "web", TaskGroups: []*api.TaskGroupDiff{{
			Type: "Edited", Name: "web",
			Fields: []*api.FieldDiff{{Type: "Edited", Name: "Count", Old: "2", New: "7"}},
			Tasks:  []*api.TaskDiff{{Type: "None", Name: "web"}},
		}}},
		Annotations: &api.PlanAnnotations{DesiredTGUpdates: map[string]*api.DesiredUpdates{"web": {Place: 5, Ignore: 2}}},
	}
	var b bytes.Buffer
	WritePlan(&b, "jobs/web.nomad.hcl", resp)
	out := b.String()
	for _, want := range []string{
		`+/- Job: "web"`,
		`+/- Task Group: "web" (2 ignore, 5 create)`,
		`+/- Count: "2" => "7"`,
		"All tasks successfully allocated.",
		"Job Modify Index: 42",
		"nomadbox job run --check-index 42 jobs/web.nomad.hcl",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}

func TestPlacementErrorExplains(t *testing.T) {
	err := &PlacementError{Job: "web", Failed: map[string]*api.AllocationMetric{
		"web": {NodesEvaluated: 2, NodesFiltered: 2, ConstraintFiltered: map[string]int{"missing drivers": 2}, CoalescedFailures: 4},
	}}
	msg := err.Error()
	for _, want := range []string{`group "web": 2 nodes evaluated, 2 filtered`, "constraint missing drivers filtered 2 nodes", "4 more allocations"} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q: %s", want, msg)
		}
	}
}
