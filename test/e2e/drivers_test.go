//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Client groups of TestThreeServersAndDrivers, one per kind of driver:
// each container gets only what its drivers need, and a canary proves
// each driver runs work.
const driverGroups = `
client "raw" {
  count   = 1
  drivers = ["raw_exec"]
}

client "isolated" {
  count   = 1
  drivers = ["exec"]
}
`

// TestThreeServersAndDrivers is 3 servers and three client groups
// (nomad-client1: docker + raw_exec, raw1: raw_exec only, isolated1:
// exec only): Raft has three voters and one leader; up runs a canary per
// client and driver and every one passes; web runs on the raw_exec-only
// node; a stopped Docker is named by its canary and repaired by
// provision; a job whose task cannot start fails fast.
func TestThreeServersAndDrivers(t *testing.T) {
	const name, cidr = "e2e-three", "192.168.182.0/24"
	c := newCluster(t, name, cidr, 3, 1)
	c.editTopology(regexp.MustCompile(`(?s)(client "nomad-client" \{.*?\n\}\n)`), "${1}"+driverGroups)
	api := &jobsAPI{nomad: "http://" + c.hostIP(11) + ":4646", consul: "http://" + c.hostIP(11) + ":8500"}
	pairs := []string{"canary:docker nomad-client1", "canary:raw_exec nomad-client1", "canary:raw_exec raw1", "canary:exec isolated1"}

	c.mustRun("up")

	t.Run("up ran the canaries", func(t *testing.T) {
		c := c.with(t)
		log, _ := os.ReadFile(filepath.Join(c.dir, ".nomadbox", name, "nomadbox.log"))
		if !strings.Contains(string(log), "verify: canaries took") {
			t.Errorf("up did not run the canaries (no canary line in its log):\n%s", c.logTail(30))
		}
	})

	t.Run("verify --canary passes a canary for every client and driver", func(t *testing.T) {
		c := c.with(t)
		rep, r := c.verify("--canary")
		if r.code != 0 || !rep.Healthy {
			t.Fatalf("verify --canary: %s", r)
		}
		got := canaryChecks(rep)
		for _, want := range pairs {
			ch, ok := got[want]
			switch {
			case !ok:
				t.Errorf("no check %s in %v", want, r.stdout)
			case !ch.OK || ch.Skipped || !strings.Contains(ch.Detail, "exited 0"):
				t.Errorf("%s: %+v", want, ch)
			}
		}
		if len(got) != len(pairs) {
			t.Errorf("%d canary checks, want %d: %v", len(got), len(pairs), got)
		}
		// A plain verify stays cheap: no canaries.
		rep, r = c.verify()
		if len(canaryChecks(rep)) != 0 {
			t.Errorf("plain verify ran canaries: %s", r.stdout)
		}
		// Canary jobs are purged.
		out := c.mustRun("jobs", "--json").stdout
		if strings.Contains(out, "nomadbox-canary") {
			t.Errorf("nomadbox jobs lists a canary job:\n%s", out)
		}
		var left []struct{ ID string }
		getJSON(t, api.nomad+"/v1/jobs?prefix=nomadbox-canary", &left)
		if len(left) > 0 {
			t.Errorf("canary jobs left in Nomad: %+v", left)
		}
	})

	t.Run("Raft has three voters and one leader", func(t *testing.T) {
		for _, url := range []string{
			"http://" + c.hostIP(11) + ":4646/v1/operator/raft/configuration",
			"http://" + c.hostIP(12) + ":8500/v1/operator/raft/configuration",
		} {
			servers, voters, leaders := raftCounts(t, url)
			if servers != 3 || voters != 3 || leaders != 1 {
				t.Errorf("%s: %d servers, %d voters, %d leaders; want 3, 3, 1", url, servers, voters, leaders)
			}
		}
	})

	t.Run("web runs 2/2 on the raw_exec-only node and answers", func(t *testing.T) {
		c := c.with(t)
		src, err := os.ReadFile(jobFile(t, "web"))
		if err != nil {
			t.Fatal(err)
		}
		pinned := strings.Replace(string(src), `group "web" {`, `group "web" {
    constraint {
      attribute = "${node.unique.name}"
      value     = "raw1"
    }
`, 1)
		file := filepath.Join(t.TempDir(), "web-raw1.nomad.hcl")
		os.WriteFile(file, []byte(pinned), 0o644)
		c.mustRun("run", file)
		allocs := api.waitAllocs(t, "web", 2*time.Minute, func(running []jobsAlloc) string {
			if len(running) != 2 {
				return fmt.Sprintf("%d allocations running, want 2", len(running))
			}
			return ""
		})
		for _, a := range allocs {
			if a.NodeName != "raw1" {
				t.Errorf("web allocation %s runs on %s, want raw1", a.ID, a.NodeName)
			}
		}
		entries := api.waitPassing(t, "web", 2, time.Minute)
		api.checkAnswersAllocIDs(t, entries, allocs)
		c.mustRun("stop", "--purge", "web")
	})

	t.Run("a job whose task cannot start fails fast with its task event", func(t *testing.T) {
		c := c.with(t)
		file := filepath.Join(t.TempDir(), "broken.nomad.hcl")
		os.WriteFile(file, []byte(`job "broken" {
  group "broken" {
    task "broken" {
      driver = "raw_exec"
      config {
        command = "/nonexistent/nomadbox-no-such-command"
      }
      resources {
        cpu    = 20
        memory = 32
      }
    }
  }
}
`), 0o644)
		start := time.Now()
		r := c.run("run", file)
		took := time.Since(start)
		if r.code != 1 {
			t.Errorf("run of a job that cannot start: want exit 1: %s", r)
		}
		if took > 90*time.Second {
			t.Errorf("run took %s to give up, want under 90s", took.Round(time.Second))
		}
		if !strings.Contains(r.stderr, "Driver Failure") || !strings.Contains(r.stderr, "nomadbox-no-such-command") {
			t.Errorf("run does not print the failing task event: %s", r)
		}
		t.Logf("run gave up after %s:\n%s", took.Round(time.Second), r.stderr)
		c.mustRun("stop", "--purge", "broken")
	})

	t.Run("a stopped Docker is named by its canary and provision repairs it", func(t *testing.T) {
		c := c.with(t)
		c.ssh("nomad-client1", "sudo systemctl stop docker.socket docker.service")
		rep, r := c.verify("--canary")
		if r.code != 1 || rep.Healthy {
			t.Fatalf("verify --canary with Docker stopped on nomad-client1: want exit 1: %s", r)
		}
		got := canaryChecks(rep)
		docker := got["canary:docker nomad-client1"]
		t.Logf("with Docker stopped: %s", docker.Detail)
		if docker.OK || !strings.Contains(strings.ToLower(docker.Detail), "docker") {
			t.Errorf("the docker canary on nomad-client1 does not fail naming Docker: %+v", docker)
		}
		// Either the task was placed and failed (its task event), or
		// Nomad had already seen the driver go unhealthy (the reason).
		if !strings.Contains(docker.Detail, "task failed: ") && !strings.Contains(docker.Detail, "driver docker unhealthy") {
			t.Errorf("the docker canary's detail has neither the task event nor the driver's health: %q", docker.Detail)
		}
		for _, p := range pairs[1:] {
			if ch := got[p]; !ch.OK {
				t.Errorf("%s failed too: %+v", p, ch)
			}
		}
		c.mustRun("provision")
		if rep, r := c.verify("--canary", "--wait", "3m"); r.code != 0 || !rep.Healthy {
			t.Fatalf("verify --canary after provision: %s", r)
		}
	})
}

// canaryChecks indexes a report's canary checks by "name node".
func canaryChecks(rep report) map[string]check {
	out := map[string]check{}
	for _, ch := range rep.Checks {
		if strings.HasPrefix(ch.Name, "canary:") {
			out[ch.Name+" "+ch.Node] = ch
		}
	}
	return out
}
