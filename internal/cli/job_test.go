package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/jobs"
)

// recordingJobs stands in for the cluster's Nomad and writes down every
// call a job command makes, with its arguments.
type recordingJobs struct {
	calls []string
	fail  error // what Run, Stop and Plan return
}

func (r *recordingJobs) note(format string, args ...any) {
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func (r *recordingJobs) Parse(_ context.Context, file string, vars map[string]string) (*api.Job, error) {
	r.note("Parse(%s, %v)", file, vars)
	id := "web"
	return &api.Job{ID: &id}, nil
}

func (r *recordingJobs) Plan(_ context.Context, job *api.Job) (*api.JobPlanResponse, error) {
	r.note("Plan(%s)", *job.ID)
	if r.fail != nil {
		return nil, r.fail
	}
	return &api.JobPlanResponse{JobModifyIndex: 42, Diff: &api.JobDiff{Type: "Edited", ID: *job.ID}}, nil
}

func (r *recordingJobs) Run(_ context.Context, job *api.Job, opts jobs.RunOptions) error {
	idx := "unset"
	if opts.CheckIndex != nil {
		idx = fmt.Sprint(*opts.CheckIndex)
	}
	r.note("Run(%s, detach=%v timeout=%s check-index=%s)", *job.ID, opts.Detach, opts.Timeout, idx)
	return r.fail
}

func (r *recordingJobs) Stop(_ context.Context, job string, purge bool) error {
	r.note("Stop(%s, purge=%v)", job, purge)
	return r.fail
}

func (r *recordingJobs) List(context.Context) ([]jobs.JobSummary, error) {
	r.note("List()")
	return []jobs.JobSummary{{ID: "web", Type: "service", Status: "running", Running: 2, Desired: 2}}, r.fail
}

// recordJobs makes the job commands talk to rec instead of a cluster.
func recordJobs(t *testing.T, rec *recordingJobs) {
	t.Helper()
	saved := openJobClient
	openJobClient = func(*cluster.Session, io.Writer) (jobClient, error) { return rec, nil }
	t.Cleanup(func() { openJobClient = saved })
}

type jobRun struct {
	code        int
	out, errOut string
	calls       []string
}

func runJobCommand(t *testing.T, dir string, fail error, args ...string) jobRun {
	t.Helper()
	rec := &recordingJobs{fail: fail}
	recordJobs(t, rec)
	code, out, errOut := runCLI(t, dir, args...)
	return jobRun{code, out, errOut, rec.calls}
}

// The old spellings run, stop and jobs do exactly what job run, job stop
// and job status do: the same calls with the same options, the same
// output on both streams and the same exit status, failing or not.
func TestOldJobSpellingsDoWhatJobDoes(t *testing.T) {
	dir := fakeCluster(t, "nomad-server1", "nomad-client1", "nomad-client2")
	for _, c := range []struct{ old, now string }{
		{"run jobs/web.nomad.hcl", "job run jobs/web.nomad.hcl"},
		{"run jobs/web.nomad.hcl --detach --var count=7 --var image=x --check-index 5 --timeout 3m", "job run --check-index 5 -d --var count=7 --var image=x --timeout 3m jobs/web.nomad.hcl"},
		{"stop web", "job stop web"},
		{"stop web --purge", "job stop --purge web"},
		{"jobs", "job status"},
		{"jobs --json", "job status --json"},
	} {
		for _, fail := range []error{nil, errors.New("the job changed since it was planned")} {
			old := runJobCommand(t, dir, fail, strings.Fields(c.old)...)
			now := runJobCommand(t, dir, fail, strings.Fields(c.now)...)
			if len(now.calls) == 0 {
				t.Errorf("%s made no call to Nomad: exit %d\n%s", c.now, now.code, now.errOut)
			}
			if !reflect.DeepEqual(old, now) {
				t.Errorf("fail=%v:\n%s: %+v\n%s: %+v", fail, c.old, old, c.now, now)
			}
		}
	}
}

// The options reach the library as given: a guard that the comparison
// above compares something.
func TestJobRunPassesItsOptions(t *testing.T) {
	dir := fakeCluster(t, "nomad-server1", "nomad-client1", "nomad-client2")
	got := runJobCommand(t, dir, nil, "job", "run", "jobs/web.nomad.hcl", "--detach", "--var", "count=7", "--check-index", "5", "--timeout", "3m")
	want := []string{"Parse(jobs/web.nomad.hcl, map[count:7])", "Run(web, detach=true timeout=3m0s check-index=5)"}
	if got.code != 0 || !slices.Equal(got.calls, want) {
		t.Errorf("exit %d, calls %q, want %q\n%s", got.code, got.calls, want, got.errOut)
	}
	got = runJobCommand(t, dir, nil, "job", "run", "jobs/web.nomad.hcl")
	want = []string{"Parse(jobs/web.nomad.hcl, map[])", "Run(web, detach=false timeout=" + jobs.DefaultRunTimeout.String() + " check-index=unset)"}
	if !slices.Equal(got.calls, want) {
		t.Errorf("calls %q, want %q", got.calls, want)
	}
}

// `nomadbox plan` is job plan with one line on standard error saying its
// new name; standard output (which scripts read for the index) and the
// exit status are job plan's.
func TestPlanIsJobPlanWithANotice(t *testing.T) {
	dir := fakeCluster(t, "nomad-server1", "nomad-client1", "nomad-client2")
	for _, fail := range []error{nil, errors.New("no such job")} {
		old := runJobCommand(t, dir, fail, "plan", "--var", "count=7", "jobs/web.nomad.hcl")
		now := runJobCommand(t, dir, fail, "job", "plan", "jobs/web.nomad.hcl", "--var", "count=7")
		if fail == nil && (now.code != 0 || !strings.Contains(now.out, "Job Modify Index: 42")) {
			t.Errorf("job plan: exit %d\n%s%s", now.code, now.out, now.errOut)
		}
		if strings.Contains(now.errOut, "job plan` now") || strings.Contains(old.out, "job plan` now") {
			t.Errorf("the notice is on stdout or job plan says it:\n%s\n%s", old.out, now.errOut)
		}
		if strings.Count(old.errOut, renamedNotice) != 1 || strings.Replace(old.errOut, renamedNotice, "", 1) != now.errOut {
			t.Errorf("plan's stderr is not the notice once and job plan's stderr:\n%s", old.errOut)
		}
		old.errOut = now.errOut
		if !reflect.DeepEqual(old, now) {
			t.Errorf("fail=%v:\nplan:     %+v\njob plan: %+v", fail, old, now)
		}
	}
	// A usage error stays the two lines every usage error is.
	usageLines(t, []string{"plan"}, "plan")
}

// Help: the group lists its subcommands and the old spellings point to
// the new ones; plan's help says it is job plan now.
func TestJobHelp(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"job", "plan, run, stop and list", "the old name of `job plan`"}},
		{[]string{"job", "--help"}, []string{"nomadbox job plan|run|stop|status", "plan ", "run ", "stop ", "status ", "`nomadbox plan` is the old name of `job plan`"}},
		{[]string{"job", "run", "--help"}, []string{"nomadbox job run [-f FILE]", "--check-index", "unchanged since `nomadbox job plan`"}},
		{[]string{"run", "--help"}, []string{"nomadbox run [-f FILE]", "The same as `nomadbox job run`", "--check-index"}},
		{[]string{"stop", "--help"}, []string{"nomadbox stop [-f FILE]", "The same as `nomadbox job stop`", "--purge"}},
		{[]string{"jobs", "--help"}, []string{"nomadbox jobs [-f FILE]", "The same as `nomadbox job status`", "--json"}},
		{[]string{"plan", "--help"}, []string{"nomadbox plan [-f FILE]", "`nomadbox plan` is `nomadbox job plan` now", "change plan", "--var"}},
	} {
		code, out, errOut := runCLI(t, dir, c.args...)
		for _, w := range c.want {
			if code != 0 || errOut != "" || !strings.Contains(out, w) {
				t.Errorf("nomadbox %s: exit %d, stderr %q, stdout lacks %q:\n%s", strings.Join(c.args, " "), code, errOut, w, out)
			}
		}
	}
}

// The old spellings take exactly the flags of the subcommands they
// stand for.
func TestOldJobSpellingsHaveTheSameFlags(t *testing.T) {
	paths := commandPaths()
	for old, now := range map[string]string{"run": "job run", "plan": "job plan", "stop": "job stop", "jobs": "job status"} {
		names := func(path string) (out []string) {
			for _, f := range paths[path].Flags {
				out = append(out, fmt.Sprintf("%T%v", f, f.Names()))
			}
			return out
		}
		if !slices.Equal(names(old), names(now)) {
			t.Errorf("%s has flags %v, %s has %v", old, names(old), now, names(now))
		}
	}
}
