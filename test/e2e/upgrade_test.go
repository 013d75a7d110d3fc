//go:build e2e

package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// upgradeDrill upgrades a 3+3 cluster that runs the earlier releases
// (testtools.Earlier*) to the current ones while web runs one instance
// per client: the plan names a rolling upgrade of both agents and needs
// no --force; web never has fewer than 2 passing instances, sampled every
// second through any server that answers; its allocations are the same
// three afterwards; every agent reports the later release; the restarts
// went in HashiCorp's order (Consul on the servers one at a time, then on
// the clients, then Nomad the same way); Raft keeps three voters; and a
// second dry run plans nothing.
func (c *cluster) upgradeDrill(t *testing.T) {
	api := &jobsAPI{nomad: "http://" + c.hostIP(11) + ":4646", consul: "http://" + c.hostIP(11) + ":8500"}
	servers := []string{"nomad-server1", "nomad-server2", "nomad-server3"}
	clients := []string{"nomad-client1", "nomad-client2", "nomad-client3"}

	c.mustRun("run", "--var", "count=3", "jobs/web.nomad.hcl")
	allocs := api.waitAllocs(t, "web", 2*time.Minute, func(running []jobsAlloc) string {
		nodes := map[string]bool{}
		for _, a := range running {
			nodes[a.NodeName] = true
		}
		if len(running) != 3 || len(nodes) != 3 {
			return fmt.Sprintf("%d allocations running on %d clients, want 3 on 3 (web spreads over the clients)", len(running), len(nodes))
		}
		return ""
	})
	api.waitPassing(t, "web", 3, time.Minute)
	before := c.agentStartTimes(append(servers, clients...))

	c.useReleases(testtools.ConsulVersion, testtools.Consul(t), testtools.NomadVersion, testtools.Nomad(t))
	r := c.mustRun("up", "--dry-run")
	for _, want := range []string{
		fmt.Sprintf("~ consul %s -> %s: binary replaced on 6 nodes (restarts consul)", testtools.EarlierConsulVersion, testtools.ConsulVersion),
		fmt.Sprintf("~ nomad %s -> %s: binary replaced on 6 nodes (restarts nomad)", testtools.EarlierNomadVersion, testtools.NomadVersion),
		"~ restarts roll in HashiCorp's upgrade order: Consul, then Nomad, each on the servers one at a time (back with a Raft leader before the next), then on the clients 1 at a time",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "needs --force") {
		t.Errorf("a patch upgrade needs --force:\n%s", r.stdout)
	}

	var up result
	low, misses, lows := c.watchPassing("web", func() { up = c.mustRun("up") })
	t.Logf("the upgrade's up:\n%s", up.stdout)
	t.Logf("during the upgrade web had at least %d passing instances; %d samples found no leader", low, misses)
	if low < 2 {
		t.Errorf("web had %d passing instances at its lowest, want at least 2; samples below 3:\n%s", low, strings.Join(lows, "\n"))
	}
	// A sample finds no leader while one is elected after a server's
	// restart; many would mean the cluster had none for long.
	if misses > 15 {
		t.Errorf("%d samples found no Consul leader on any server", misses)
	}
	after := api.waitAllocs(t, "web", time.Minute, func(running []jobsAlloc) string {
		if len(running) != 3 {
			return fmt.Sprintf("%d allocations running, want 3", len(running))
		}
		return ""
	})
	if got, want := allocIDs(after), allocIDs(allocs); got != want {
		t.Errorf("web's allocations changed in the upgrade: before %s, after %s", want, got)
	}
	c.checkReleases(t, testtools.ConsulVersion, testtools.NomadVersion)

	starts := c.agentStartTimes(append(servers, clients...))
	for k, t0 := range before {
		if starts[k] <= t0 {
			t.Errorf("%s did not restart for the upgrade", k)
		}
	}
	checkUpgradeOrder(t, starts, servers, clients)
	for _, url := range []string{
		"http://" + c.hostIP(11) + ":4646/v1/operator/raft/configuration",
		"http://" + c.hostIP(12) + ":8500/v1/operator/raft/configuration",
	} {
		if n, voters, leaders := raftCounts(t, url); n != 3 || voters != 3 || leaders != 1 {
			t.Errorf("after the upgrade, %s: %d servers, %d voters, %d leaders; want 3, 3, 1", url, n, voters, leaders)
		}
	}
	if r := c.mustRun("up", "--dry-run"); !strings.Contains(r.stdout, "Plan: no changes.") {
		t.Errorf("after the upgrade, the dry run still plans:\n%s", r.stdout)
	}
}

// checkUpgradeOrder checks the restart times (systemd's monotonic start
// times, one clock for every container) against HashiCorp's order: each
// server's Consul after the one before it (one at a time), every client's
// Consul after the last server's, every server's Nomad after the last
// Consul, one at a time, and every client's Nomad after the last server's.
func checkUpgradeOrder(t *testing.T, starts map[string]int64, servers, clients []string) {
	t.Helper()
	step := func(nodes []string, agent string) []string {
		keys := make([]string, len(nodes))
		for i, n := range nodes {
			keys[i] = n + "/" + agent
		}
		sort.Slice(keys, func(i, j int) bool { return starts[keys[i]] < starts[keys[j]] })
		return keys
	}
	steps := [][]string{step(servers, "consul"), step(clients, "consul"), step(servers, "nomad"), step(clients, "nomad")}
	var order []string
	for _, s := range steps {
		order = append(order, s...)
	}
	for i := 1; i < len(order); i++ {
		if starts[order[i]] <= starts[order[i-1]] {
			t.Errorf("%s restarted at %d, not after %s at %d: the order is Consul on the servers one at a time, Consul on the clients, then Nomad the same way (%v)",
				order[i], starts[order[i]], order[i-1], starts[order[i-1]], order)
		}
	}
}

// watchPassing runs f while it samples, every second, the passing
// instances of service through the first server that answers with the
// leader's view, as a consistent read: a server that has just restarted may
// answer from an old snapshot, and Consul's default mode lets a server that
// believes it leads answer from its own state around a leader change (a CI
// run's default read found no instance for one sample, 2 s after a server's
// restart, with every instance before and after it). It returns the lowest
// count, how many samples found no leader on any server, and the samples
// below 3.
func (c *cluster) watchPassing(service string, f func()) (low, misses int, lows []string) {
	low = 1 << 30
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			n, from := -1, ""
			var nodes []string
			for _, h := range []int{11, 12, 13} {
				var entries []struct{ Node struct{ Node string } }
				if err := fetchJSON("http://"+c.hostIP(h)+":8500/v1/health/service/"+service+"?passing&consistent", &entries); err == nil {
					n, from = len(entries), c.hostIP(h)
					for _, e := range entries {
						nodes = append(nodes, e.Node.Node)
					}
					break
				}
			}
			mu.Lock()
			switch {
			case n < 0:
				misses++
			case n < low:
				low = n
			}
			if n >= 0 && n < 3 {
				lows = append(lows, fmt.Sprintf("%s: %d passing (%v), from %s", time.Now().Format("15:04:05"), n, nodes, from))
			}
			mu.Unlock()
		}
	}()
	f()
	close(stop)
	wg.Wait()
	return low, misses, lows
}

// checkReleases checks that every Consul agent, Nomad server and Nomad
// client reports the given releases.
func (c *cluster) checkReleases(t *testing.T, consul, nomad string) {
	t.Helper()
	var members []struct {
		Name string
		Tags map[string]string
	}
	getJSON(t, "http://"+c.hostIP(11)+":8500/v1/agent/members", &members)
	for _, m := range members {
		if !strings.HasPrefix(m.Tags["build"], consul+":") {
			t.Errorf("Consul agent %s runs %q, want %s", m.Name, m.Tags["build"], consul)
		}
	}
	if len(members) != 6 {
		t.Errorf("%d Consul members, want 6", len(members))
	}
	var serf struct {
		Members []struct {
			Name string
			Tags map[string]string
		}
	}
	getJSON(t, "http://"+c.hostIP(11)+":4646/v1/agent/members", &serf)
	for _, m := range serf.Members {
		if !strings.HasPrefix(m.Tags["build"], nomad) {
			t.Errorf("Nomad server %s runs %q, want %s", m.Name, m.Tags["build"], nomad)
		}
	}
	var nodes []struct{ Name, Version, Status string }
	getJSON(t, "http://"+c.hostIP(11)+":4646/v1/nodes", &nodes)
	for _, n := range nodes {
		if n.Status == "ready" && n.Version != nomad {
			t.Errorf("Nomad client %s runs %s, want %s", n.Name, n.Version, nomad)
		}
	}
	if len(serf.Members) != 3 || len(nodes) < 3 {
		t.Errorf("%d Nomad servers and %d clients, want 3 and 3", len(serf.Members), len(nodes))
	}
}

// allocIDs is the sorted, joined IDs of allocations.
func allocIDs(allocs []jobsAlloc) string {
	ids := make([]string, len(allocs))
	for i, a := range allocs {
		ids[i] = a.ID
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}
