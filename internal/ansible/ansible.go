// Package ansible runs the rendered playbook once over every node and
// reads what happened from Ansible's own output: which task is running
// (for progress), which host failed in which task, and the per-host
// recap (ok, changed, failed), which is how idempotence is checked.
package ansible

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// Playbook is site.yml in a rendered ansible/ directory.
type Playbook struct {
	Dir string // the ansible/ directory (ansible.cfg, inventory.yml, site.yml)
	// File is the playbook in Dir; site.yml when empty.
	File   string
	Runner *execx.Runner
	// OnTask is called with each task's name as the run reaches it.
	OnTask func(task string)
}

// HostRecap is one line of PLAY RECAP.
type HostRecap struct {
	Host        string `json:"host"`
	OK          int    `json:"ok"`
	Changed     int    `json:"changed"`
	Unreachable int    `json:"unreachable"`
	Failed      int    `json:"failed"`
	Skipped     int    `json:"skipped"`
}

// Failure is a task that failed on a host.
type Failure struct {
	Host, Task, Message string
}

// Result is what a run did.
type Result struct {
	Recap    []HostRecap
	Failures []Failure
}

// Changed is the total number of changed tasks over all hosts.
func (r *Result) Changed() int {
	n := 0
	for _, h := range r.Recap {
		n += h.Changed
	}
	return n
}

// RunError is a failed playbook run, naming the hosts and tasks.
type RunError struct {
	Result *Result
	Err    error
}

func (e *RunError) Error() string {
	if len(e.Result.Failures) == 0 {
		return "ansible-playbook failed: " + e.Err.Error()
	}
	var b strings.Builder
	b.WriteString("provisioning failed:")
	for _, f := range e.Result.Failures {
		fmt.Fprintf(&b, "\n  %s: task %q: %s", f.Host, f.Task, f.Message)
	}
	return b.String()
}

func (e *RunError) Unwrap() error { return e.Err }

var (
	taskLine  = regexp.MustCompile(`^TASK \[(.*)\] \**$`)
	fatalLine = regexp.MustCompile(`^(?:fatal|failed): \[([^\]]+)\].*?(?:FAILED!|UNREACHABLE!) => (.*)$`)
	recapLine = regexp.MustCompile(`^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?`)
	msgField  = regexp.MustCompile(`"msg": "((?:[^"\\]|\\.)*)"`)
)

// Run runs site.yml over every host (extra are more ansible-playbook
// arguments, such as --limit). The result is returned even on failure.
func (p *Playbook) Run(ctx context.Context, extra ...string) (*Result, error) {
	res := &Result{}
	var mu sync.Mutex
	current := ""
	parser := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		if m := taskLine.FindStringSubmatch(line); m != nil {
			current = m[1]
			if p.OnTask != nil {
				p.OnTask(current)
			}
			return
		}
		if m := fatalLine.FindStringSubmatch(line); m != nil {
			msg := m[2]
			if mm := msgField.FindStringSubmatch(msg); mm != nil {
				msg = mm[1]
			}
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
			res.Failures = append(res.Failures, Failure{Host: m[1], Task: current, Message: msg})
			return
		}
		if m := recapLine.FindStringSubmatch(line); m != nil {
			atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
			res.Recap = append(res.Recap, HostRecap{
				Host: m[1], OK: atoi(m[2]), Changed: atoi(m[3]), Unreachable: atoi(m[4]), Failed: atoi(m[5]), Skipped: atoi(m[6]),
			})
		}
	}
	r := p.Runner.WithOnLine(func(_ *execx.Cmd, line string) { parser(line) })
	file := p.File
	if file == "" {
		file = "site.yml"
	}
	cmd := execx.Command("ansible-playbook", append([]string{file}, extra...)...)
	cmd.Dir = p.Dir
	// Plain, parseable output whatever the user's Ansible settings say.
	cmd.Env = []string{"ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0", "ANSIBLE_STDOUT_CALLBACK=default", "ANSIBLE_CONFIG=" + p.Dir + "/ansible.cfg"}
	err := r.Run(ctx, cmd)
	sort.SliceStable(res.Recap, func(i, j int) bool { return res.Recap[i].Host < res.Recap[j].Host })
	if err != nil {
		return res, &RunError{Result: res, Err: err}
	}
	return res, nil
}
