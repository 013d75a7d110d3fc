//go:build e2e

package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestChangeTopology edits topology.hcl of a running cluster and runs up
// again, the way a user grows and shrinks a cluster: 1+2 -> 1+3 (one new
// machine, nothing else touched), 1+3 -> 3+3 (servers join the existing
// Raft; jobs and KV data survive), 3+3 -> 3+2 (the removed client is
// drained first), an upgrade of both agents in between (upgradeDrill),
// and an up with no edit that changes nothing.
func TestChangeTopology(t *testing.T) {
	const name, cidr = "e2e-grow", "192.168.184.0/24"
	c := newCluster(t, name, cidr, 1, 2)
	// The earlier releases: the cluster grows with them, then upgrades.
	c.useReleases(testtools.EarlierConsulVersion, testtools.EarlierConsul(t), testtools.EarlierNomadVersion, testtools.EarlierNomad(t))
	// web runs on raw_exec.
	c.clientDrivers(`["docker", "raw_exec"]`, false)
	// This cluster's containers are Vagrant's (vagrant = true): the one
	// cluster that keeps real Vagrant and its docker provider under
	// test, growing and shrinking included.
	c.editTopology(regexp.MustCompile(`image = "[^"]*"`), "$0\n  vagrant = true")
	c.mustRun("up")
	c.madeBy(true, "nomad-server1", "nomad-client1", "nomad-client2")
	c.mustRun("run", "jobs/web.nomad.hcl")
	server := c.hostIP(11)

	first := []string{"nomad-server1", "nomad-client1", "nomad-client2"}
	ids := c.containerIDs(first)
	agents := c.agentStarts(first)

	t.Run("1+2 -> 1+3 adds one machine and restarts nothing", func(t *testing.T) {
		c := c.with(t)
		c.editTopology(regexp.MustCompile(`count   = 2`), "count   = 3")
		r := c.mustRun("up", "--dry-run")
		if !strings.Contains(r.stdout, "1 to create, 0 to drain and remove") || !strings.Contains(r.stdout, "+ nomad-client3") {
			t.Fatalf("dry run does not plan exactly one new machine:\n%s", r)
		}
		if strings.Count(r.stdout, "\n  + ") != 1 {
			t.Errorf("dry run plans more than one machine:\n%s", r.stdout)
		}
		if len(c.containerIDs([]string{"nomad-client3"})) != 0 {
			t.Fatal("the dry run created a machine")
		}
		c.mustRun("up")
		c.madeBy(true, "nomad-client3")
		if after := c.containerIDs(first); !maps.Equal(ids, after) {
			t.Errorf("existing machines were recreated: before %v, after %v", ids, after)
		}
		if after := c.agentStarts(first); !maps.Equal(agents, after) {
			t.Errorf("agents of unchanged nodes were restarted:\nbefore %v\nafter  %v", agents, after)
		}
		rep, r := c.verify()
		if !rep.Healthy || c.countChecks(rep, "nomad-client") != 3 {
			t.Fatalf("verify after adding a client: %s", r)
		}
	})

	t.Run("1+3 -> 3+3 keeps jobs and KV data", func(t *testing.T) {
		c := c.with(t)
		putKV(t, "http://"+server+":8500/v1/kv/nomadbox/e2e", "kept")
		c.editTopology(regexp.MustCompile(`count  = 1`), "count  = 3")
		r := c.mustRun("up", "--dry-run")
		if !strings.Contains(r.stdout, "2 to create") || !strings.Contains(r.stdout, "bootstrap_expect") {
			t.Errorf("dry run for 3 servers:\n%s", r.stdout)
		}
		c.mustRun("up")
		for _, api := range []string{"http://" + server + ":4646/v1/operator/raft/configuration", "http://" + server + ":8500/v1/operator/raft/configuration"} {
			_, voters, leaders := raftCounts(t, api)
			if voters != 3 || leaders != 1 {
				t.Errorf("%s: %d voters, %d leaders; want 3 and 1", api, voters, leaders)
			}
		}
		var kv []struct{ Value string }
		getJSON(t, "http://"+c.hostIP(12)+":8500/v1/kv/nomadbox/e2e", &kv)
		if len(kv) != 1 || kv[0].Value != "a2VwdA==" { // base64("kept")
			t.Errorf("KV key lost: %+v", kv)
		}
		if n := c.passing("web"); n != 2 {
			t.Errorf("web has %d passing instances after growing the servers, want 2", n)
		}
	})

	// The upgrade of the test 2, on this cluster's 3+3: web runs
	// one instance per client while Consul and Nomad roll to the later
	// releases in HashiCorp's order.
	t.Run("upgrade 3+3 to the later releases: rolling, in order, web never below 2", func(t *testing.T) {
		c := c.with(t)
		c.upgradeDrill(t)
	})

	t.Run("3+3 -> 3+2 drains the removed client first", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("run", "--var", "count=3", "jobs/web.nomad.hcl")
		c.editTopology(regexp.MustCompile(`count   = 3`), "count   = 2")
		r := c.mustRun("up", "--dry-run")
		if !strings.Contains(r.stdout, "- nomad-client3") {
			t.Fatalf("dry run does not remove nomad-client3:\n%s", r.stdout)
		}
		// Watch the healthy count of web while up runs: it may drop by one
		// at most while allocations move off the drained client.
		low, _, lows := c.watchPassing("web", func() { c.mustRun("up") })
		if low < 2 {
			t.Errorf("web dropped to %d healthy instances during the drain, want at least 2:\n%s", low, strings.Join(lows, "\n"))
		}
		if len(c.containerIDs([]string{"nomad-client3"})) != 0 {
			t.Error("the removed client's machine still exists")
		}
		if rep, r := c.verify("--wait", "2m"); !rep.Healthy {
			t.Fatalf("verify after removing a client: %s", r)
		}
	})

	t.Run("up with no edit changes nothing", func(t *testing.T) {
		c := c.with(t)
		before := c.containerIDs([]string{"nomad-server1", "nomad-client1"})
		logPath := filepath.Join(c.dir, ".nomadbox", c.name, "nomadbox.log")
		logged, _ := os.ReadFile(logPath)
		start := time.Now()
		r := c.mustRun("up")
		t.Logf("no-op up took %.1fs", time.Since(start).Seconds())
		// The provider is only asked which machines run: no preflight
		// (docker info, the node image), nothing created or started.
		all, _ := os.ReadFile(logPath)
		var docker []string
		for _, line := range strings.Split(string(all[min(len(logged), len(all)):]), "\n") {
			// "[provider docker] $ docker ..." when the provider is served
			// over gRPC.
			if _, cmd, ok := strings.Cut(line, "$ docker "); ok && !strings.HasPrefix(cmd, "ps ") {
				docker = append(docker, "docker "+cmd)
			}
		}
		if len(docker) > 0 {
			t.Errorf("a no-op up ran docker commands other than listing the machines:\n%s", strings.Join(docker, "\n"))
		}
		if !strings.Contains(r.stdout, "Plan: no changes.") || !strings.Contains(r.stdout, "provision done in") && !strings.Contains(r.stdout, "no changes") {
			t.Errorf("no-op up:\n%s", r.stdout)
		}
		if !strings.Contains(r.stdout, "provision done in 0.0s: no changes") {
			t.Errorf("no-op up ran Ansible:\n%s", r.stdout)
		}
		if after := c.containerIDs([]string{"nomad-server1", "nomad-client1"}); !maps.Equal(before, after) {
			t.Error("no-op up recreated machines")
		}
	})
}

// containerIDs maps node -> docker container ID for the nodes that exist.
func (c *cluster) containerIDs(nodes []string) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, n := range nodes {
		id, err := testtools.Output("", nil, "docker", "inspect", "--format", "{{.Id}}", c.name+"-"+n)
		if err == nil {
			out[n] = strings.TrimSpace(id)
		}
	}
	return out
}

// madeBy checks who made the nodes' containers: Vagrant (its state in
// the render directory holds each container's ID) or nomadbox's docker
// provider itself (the container carries the render directory's label
// and Vagrant knows nothing of it).
func (c *cluster) madeBy(vagrant bool, nodes ...string) {
	c.t.Helper()
	dir := filepath.Join(c.dir, ".nomadbox", c.name)
	ids := c.containerIDs(nodes)
	for _, n := range nodes {
		if ids[n] == "" {
			c.t.Errorf("%s has no container", n)
			continue
		}
		recorded, err := os.ReadFile(filepath.Join(dir, ".vagrant", "machines", n, "docker", "id"))
		label, _ := testtools.Output("", nil, "docker", "inspect", "--format", `{{index .Config.Labels "nomadbox.dir"}}`, ids[n])
		switch {
		case vagrant && (err != nil || strings.TrimSpace(string(recorded)) != ids[n]):
			c.t.Errorf("%s: Vagrant did not make container %s (its state says %q, %v)", n, ids[n], recorded, err)
		case !vagrant && err == nil:
			c.t.Errorf("%s: Vagrant has state for it (%q): the docker provider went through Vagrant", n, recorded)
		case !vagrant && strings.TrimSpace(label) != dir:
			c.t.Errorf("%s: container %s is labelled with directory %q, not %s", n, ids[n], strings.TrimSpace(label), dir)
		}
	}
}

// agentStarts maps node/agent -> the systemd main PID and start time of
// the consul and nomad units: a restart changes both.
func (c *cluster) agentStarts(nodes []string) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, n := range nodes {
		for _, unit := range []string{"consul", "nomad"} {
			out[n+"/"+unit] = c.ssh(n, "systemctl show -p MainPID -p ExecMainStartTimestamp --value "+unit+" | tr '\\n' ' '")
		}
	}
	return out
}

// agentStartTimes maps node/agent -> when systemd last started the consul
// and nomad units, in microseconds of the kernel's monotonic clock, which
// every container node shares: comparable across nodes.
func (c *cluster) agentStartTimes(nodes []string) map[string]int64 {
	c.t.Helper()
	out := map[string]int64{}
	for _, n := range nodes {
		for _, unit := range []string{"consul", "nomad"} {
			v := c.ssh(n, "systemctl show -p ExecMainStartTimestampMonotonic --value "+unit)
			us, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				c.t.Fatalf("%s: the start time of %s: %q", n, unit, v)
			}
			out[n+"/"+unit] = us
		}
	}
	return out
}

func (c *cluster) countChecks(rep report, name string) int {
	n := 0
	for _, ch := range rep.Checks {
		if ch.Name == name && ch.OK {
			n++
		}
	}
	return n
}

// passing is the number of passing instances of a Consul service.
func (c *cluster) passing(service string) int {
	var entries []struct{}
	if err := fetchJSON("http://"+c.hostIP(11)+":8500/v1/health/service/"+service+"?passing", &entries); err != nil {
		return -1
	}
	return len(entries)
}
