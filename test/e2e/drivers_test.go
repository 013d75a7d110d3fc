//go:build e2e

package e2e

import (
	"encoding/json"
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
// provision; a job whose task cannot start fails fast; then the chaos
// drills (chaosDrills).
func TestThreeServersAndDrivers(t *testing.T) {
	const name, cidr = "e2e-three", "192.168.182.0/24"
	c := newCluster(t, name, cidr, 3, 1)
	// nomad-client1 runs both a docker and a raw_exec canary.
	c.clientDrivers(`["docker", "raw_exec"]`, false)
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

	c.chaosDrills(t, api)
}

// chaosReport is `nomadbox chaos --json`.
type chaosReport struct {
	Scenario, Node      string
	DetectedBy          string `json:"detected_by"`
	Started, Healed     time.Time
	Detected, Recovered *time.Time
	Leaders             map[string]struct {
		Before, After string
		Elected       *time.Time
	}
	Moved   []struct{ Job, Group, From, To string }
	Healthy bool
}

func (c *cluster) chaos(args ...string) chaosReport {
	c.t.Helper()
	r := c.mustRun(append([]string{"chaos", "--json"}, args...)...)
	var rep chaosReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		c.t.Fatalf("chaos --json: %v\n%s", err, r)
	}
	c.t.Logf("chaos %v:\n%s", args, r.stdout)
	return rep
}

// chaosDrills runs web at count 2 on the raw_exec clients, then: kills
// the Nomad leader (a new one is elected, web keeps running, the new
// leader's journal tells of it), and cuts a node holding web off from
// its peers for a minute (verify names it meanwhile, its allocations are
// replaced on the other client, the times agree with Nomad's node events,
// and the cluster is healthy after healing).
func (c *cluster) chaosDrills(t *testing.T, api *jobsAPI) {
	c.mustRun("run", jobFile(t, "web"))
	twoRunning := func(running []jobsAlloc) string {
		if len(running) != 2 {
			return fmt.Sprintf("%d allocations running, want 2", len(running))
		}
		return ""
	}
	api.waitAllocs(t, "web", 2*time.Minute, twoRunning)

	t.Run("chaos kill-leader nomad: a new leader, web keeps running", func(t *testing.T) {
		c := c.with(t)
		rep := c.chaos("kill-leader", "nomad", "--for", "15s")
		l := rep.Leaders["nomad"]
		if !rep.Healthy || rep.Node != l.Before || l.After == l.Before || !strings.HasPrefix(l.After, "nomad-server") || l.Elected == nil {
			t.Fatalf("report: %+v", rep)
		}
		if l.Elected.Before(rep.Started) || rep.Detected == nil || rep.Detected.Before(rep.Started) {
			t.Errorf("times out of order: started %s, elected %s, detected %v", rep.Started, l.Elected, rep.Detected)
		}
		api.waitAllocs(t, "web", time.Minute, twoRunning)
		servers, voters, leaders := raftCounts(t, "http://"+c.hostIP(12)+":4646/v1/operator/raft/configuration")
		if servers != 3 || voters != 3 || leaders != 1 {
			t.Errorf("Raft after the drill: %d servers, %d voters, %d leaders", servers, voters, leaders)
		}
		out := c.mustRun("logs", l.After, "--unit", "nomad", "--since", "5m").stdout
		if !strings.Contains(out, "cluster leadership acquired") {
			t.Errorf("the journal of %s does not tell of its election:\n%s", l.After, out)
		}
	})

	t.Run("chaos partition: verify names the node, its allocations move, times agree with Nomad", func(t *testing.T) {
		c := c.with(t)
		victim := api.waitAllocs(t, "web", time.Minute, twoRunning)[0].NodeName
		done := make(chan chaosReport, 1)
		go func() {
			// c.chaos may not call t.Fatal from here: its checks wait.
			r := c.run("chaos", "--json", "partition", victim, "--for", "60s")
			var rep chaosReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
				t.Errorf("chaos partition %s: %v\n%s", victim, err, r)
			}
			done <- rep
		}()
		named := ""
		deadline := time.Now().Add(60 * time.Second)
		for named == "" && time.Now().Before(deadline) {
			time.Sleep(3 * time.Second)
			rep, _ := c.verify()
			for _, ch := range rep.Checks {
				if !ch.OK && ch.Node == victim {
					named = ch.Name + ": " + ch.Detail
				}
			}
		}
		if named == "" {
			t.Errorf("verify never named %s while it was cut off", victim)
		}
		rep := <-done
		t.Logf("verify named the node: %s; report %+v", named, rep)
		if !rep.Healthy || rep.Detected == nil || rep.Recovered == nil {
			t.Fatalf("report: %+v", rep)
		}
		moved := 0
		for _, m := range rep.Moved {
			if m.Job == "web" && m.From == victim && m.To != "" && m.To != victim {
				moved++
			}
		}
		if moved == 0 {
			t.Errorf("no web allocation moved off %s: %+v", victim, rep.Moved)
		}
		for _, a := range api.waitAllocs(t, "web", time.Minute, twoRunning) {
			if a.NodeName == victim {
				t.Errorf("web still runs on %s after it was cut off: %s", victim, a.ID)
			}
		}
		// Nomad's own account: the heartbeat was missed during the
		// partition, and the node was ready again after it.
		var nodes []struct{ ID, Name, Status string }
		getJSON(t, api.nomad+"/v1/nodes", &nodes)
		for _, n := range nodes {
			if n.Name != victim {
				continue
			}
			if n.Status != "ready" {
				t.Errorf("%s is %s after healing", victim, n.Status)
			}
			var node struct {
				Events []struct {
					Message   string
					Timestamp time.Time
				}
			}
			getJSON(t, api.nomad+"/v1/node/"+n.ID, &node)
			missed := time.Time{}
			for _, ev := range node.Events {
				if strings.Contains(ev.Message, "heartbeat missed") && ev.Timestamp.After(rep.Started) {
					missed = ev.Timestamp
				}
			}
			slack := 2 * time.Second // the clocks of this machine and the server's container are one clock
			switch {
			case missed.IsZero():
				t.Errorf("Nomad has no missed heartbeat of %s after %s: %+v", victim, rep.Started, node.Events)
			case missed.Before(rep.Started.Add(-slack)) || missed.After(rep.Healed.Add(slack)):
				t.Errorf("Nomad missed the heartbeat at %s, outside the partition %s..%s", missed, rep.Started, rep.Healed)
			case rep.Detected.After(missed.Add(10 * time.Second)):
				t.Errorf("the drill detected the fault at %s, long after Nomad did (%s)", rep.Detected, missed)
			}
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
