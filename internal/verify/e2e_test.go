//go:build e2e

package verify

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	napi "github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/mounts"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// The end-to-end test runs real agents on loopback addresses only: one
// Consul server and one Nomad server on 127.93.47.11, one Consul client
// and one Nomad client (raw_exec) on 127.93.47.101 — the addresses the
// topology below gives its nodes s1 and w1. Binaries default to the ones
// nomadbox caches (the oldest versions it supports); override with
// NOMADBOX_E2E_CONSUL and NOMADBOX_E2E_NOMAD.
//
//	go test -tags e2e -run E2E -v ./internal/verify/

const e2eHCL = `
cluster "e2e" {}
provider "docker" {}
network { cidr = "10.93.47.0/24" }
server "s" { count = 1 }
client "w" {
  count   = 1
  drivers = ["raw_exec"]
}
`

func e2eBinary(t *testing.T, env, def string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("home: %v", err)
		}
		p = filepath.Join(home, ".cache", "nomadbox", "bin", def)
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		t.Fatalf("binary %s missing (set %s): %v", p, env, err)
	}
	return p
}

// agent starts a process, logs to a file and stops it when the test ends.
type agent struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startAgent(t *testing.T, name string, args ...string) *agent {
	t.Helper()
	a := &agent{name: name, log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	f, err := os.Create(a.log)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(args[0], args[1:]...)
	a.cmd.Stdout, a.cmd.Stderr = f, f
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { a.cmd.Wait(); f.Close(); close(a.done) }()
	t.Cleanup(a.stop)
	return a
}

// stop interrupts the agent's process group (only the processes this
// test started), then kills it if it lingers.
func (a *agent) stop() {
	select {
	case <-a.done:
		return
	default:
	}
	pgid := a.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-a.done
	}
}

func (a *agent) tail() string {
	b, _ := os.ReadFile(a.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return a.name + ":\n  " + strings.Join(lines, "\n  ")
}

func mustBeFree(t *testing.T, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Fatalf("%s is not free (another test cluster running?): %v", a, err)
		}
		l.Close()
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func nomadConfig(name, ip, consulIP, dataDir string, server bool, serverIP string) string {
	role := `server {
  enabled          = true
  bootstrap_expect = 1
}`
	if !server {
		role = fmt.Sprintf(`client {
  enabled           = true
  servers           = ["%s:4647"]
  network_interface = "lo"
  # Not fingerprinted: the canaries' group of raw_exec and exec cannot
  # be placed here, and each must then run alone.
  options = {
    "driver.denylist" = "exec"
  }
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}`, serverIP)
	}
	return fmt.Sprintf(`name       = %q
data_dir   = %q
bind_addr  = %q
log_level  = "INFO"
disable_update_check = true
advertise {
  http = %[3]q
  rpc  = %[3]q
  serf = %[3]q
}
consul {
  address = "%[4]s:8500"
}
%[5]s
`, name, dataDir, ip, consulIP, role)
}

func TestE2EOldestAgents(t *testing.T) {
	top := parseTopology(t, e2eHCL)
	sIP, wIP := top.Servers()[0].Address.String(), top.ClientNodes()[0].Address.String()
	c := startE2ECluster(t, top)
	opts := e2eOptions(top)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	start := time.Now()
	r := Wait(ctx, opts, time.Second, nil)
	t.Logf("after %v:\n%s", time.Since(start).Round(time.Second), text(r))
	if !r.Healthy {
		c.dumpLogs(t)
		t.Fatal("cluster of real agents never verified healthy")
	}
	for _, want := range []string{"consul-leader", "consul-servers", "consul-member s1", "consul-member w1",
		"nomad-leader", "nomad-servers", "nomad-server s1", "nomad-client w1", "dns s1", "dns w1",
		"service:consul", "service:nomad", "service:nomad-client"} {
		name, node, _ := strings.Cut(want, " ")
		get(t, r, name, node)
	}
	wantDetail(t, get(t, r, CheckDNS, "w1"), "-> "+sIP)
	wantDetail(t, get(t, r, CheckNomadClient, "w1"), "drivers raw_exec healthy")

	checkE2ECanaries(ctx, t, c, opts, sIP)

	// Lose the Nomad client: the next pass must say so, promptly.
	c.nomadClient.stop()
	start = time.Now()
	r = Run(context.Background(), opts)
	t.Logf("without the Nomad client (%v):\n%s", time.Since(start).Round(time.Millisecond), text(r))
	if r.Healthy {
		t.Fatal("healthy without its Nomad client")
	}
	wantDetail(t, get(t, r, CheckNomadClient, "w1"), "HTTP API http://"+wIP+":4646", "connection refused")
}

// e2eCluster is the real agents of the end-to-end test.
type e2eCluster struct {
	agents      []*agent
	nomadClient *agent
}

// dumpLogs logs the tail of every agent's log, for a failure.
func (c *e2eCluster) dumpLogs(t *testing.T) {
	for _, a := range c.agents {
		t.Log(a.tail())
	}
}

// startE2ECluster starts a Consul and a Nomad server on top's server s1
// and their clients on its client w1.
func startE2ECluster(t *testing.T, top *topology.Topology) *e2eCluster {
	consul := e2eBinary(t, "NOMADBOX_E2E_CONSUL", "consul-1.13.9/consul")
	nomad := e2eBinary(t, "NOMADBOX_E2E_NOMAD", "nomad-1.6.1/nomad")
	s1, w1 := top.Servers()[0], top.ClientNodes()[0]
	sIP, wIP := s1.Address.String(), w1.Address.String()
	mustBeFree(t, sIP+":8500", sIP+":4646", wIP+":8500", wIP+":4646")

	c := &e2eCluster{}
	c.agents = append(c.agents, startAgent(t, "consul-server", consul, "agent", "-dev", "-node", s1.Name,
		"-bind", sIP, "-client", sIP, "-log-level", "warn"))
	c.agents = append(c.agents, startAgent(t, "consul-client", consul, "agent", "-node", w1.Name,
		"-bind", wIP, "-client", wIP, "-data-dir", t.TempDir(), "-retry-join", sIP, "-log-level", "warn"))
	cfg := t.TempDir()
	c.agents = append(c.agents, startAgent(t, "nomad-server", nomad, "agent", "-config",
		writeFile(t, cfg, "server.hcl", nomadConfig(s1.Name, sIP, sIP, t.TempDir(), true, ""))))
	// The client mounts each task's secrets/ in its data directory; once
	// the client has stopped (cleanups run last-in first-out), unmount
	// them, or the directory cannot be removed.
	clientData := t.TempDir()
	t.Cleanup(func() {
		if err := mounts.RemoveTree(clientData); err != nil {
			t.Error(err)
		}
	})
	c.nomadClient = startAgent(t, "nomad-client", nomad, "agent", "-config",
		writeFile(t, cfg, "client.hcl", nomadConfig(w1.Name, wIP, wIP, clientData, false, sIP)))
	c.agents = append(c.agents, c.nomadClient)
	return c
}

// e2eOptions verifies top's agents. No dnsmasq here: each node's Consul
// DNS is asked directly, with dig, so the check parses a real Consul
// answer.
func e2eOptions(top *topology.Topology) Options {
	return Options{
		Topology: top,
		Exec: func(ctx context.Context, n topology.Node, cmd string) (string, error) {
			out, err := exec.CommandContext(ctx, "dig", "+short", "+time=2", "+tries=1",
				"@"+n.Address.String(), "-p", "8600", "consul.service.consul", "A").Output()
			return string(out), err
		},
		Timeout: 3 * time.Second,
	}
}

// checkE2ECanaries runs the canaries through the same agents. Each
// node's raw_exec and exec tasks share a group: on w1 that group cannot
// be placed (w1 denies exec), so both run again alone, and raw_exec
// passes there while exec says why it could not be placed; java is
// enabled but has no canary workload; w2 exists only in this topology,
// so its canaries cannot be placed and must say so.
func checkE2ECanaries(ctx context.Context, t *testing.T, cl *e2eCluster, opts Options, sIP string) {
	canaryTop := parseTopology(t, strings.Replace(e2eHCL, `count   = 1
  drivers = ["raw_exec"]`, `count   = 2
  drivers = ["raw_exec", "exec", "java"]`, 1))
	copts := opts
	copts.Topology = canaryTop
	copts.CanaryTimeout = time.Minute
	start := time.Now()
	canaries := Canaries(ctx, copts)
	cr := &Report{Checks: canaries}
	cr.summarize()
	t.Logf("canaries (%v):\n%s", time.Since(start).Round(time.Millisecond), text(cr))
	if len(canaries) != 6 {
		t.Fatalf("want 6 canary checks (w1, w2 x raw_exec, exec, java), got %d", len(canaries))
	}
	if c := get(t, cr, CanaryPrefix+"exec", "w1"); c.OK {
		t.Errorf("the exec canary passed on w1, which denies exec: %+v", c)
	} else {
		wantDetail(t, c, "could not be placed on w1", "missing drivers")
	}
	if c := get(t, cr, CanaryPrefix+"exec", "w2"); c.OK {
		t.Errorf("the exec canary passed on w2, which does not exist: %+v", c)
	} else {
		wantDetail(t, c, "could not be placed on w2")
	}
	if c := get(t, cr, CanaryPrefix+"raw_exec", "w1"); !c.OK || c.Skipped {
		cl.dumpLogs(t)
		t.Errorf("the raw_exec canary on w1 did not pass: %+v", c)
	} else {
		wantDetail(t, c, "ran and exited 0")
	}
	if c := get(t, cr, CanaryPrefix+"java", "w1"); !c.OK || !c.Skipped {
		t.Errorf("the java canary should be skipped with its reason: %+v", c)
	} else {
		wantDetail(t, c, "not checked")
	}
	if c := get(t, cr, CanaryPrefix+"raw_exec", "w2"); c.OK {
		t.Errorf("the canary on a node that does not exist passed: %+v", c)
	} else {
		wantDetail(t, c, "could not be placed on w2")
	}
	left, err := nomadJobsWithPrefix(sIP, CanaryJobPrefix)
	if err != nil || len(left) > 0 {
		t.Errorf("canary jobs left behind: %v (%v)", left, err)
	}
}

// nomadJobsWithPrefix lists the IDs of jobs on the Nomad server at ip.
func nomadJobsWithPrefix(ip, prefix string) ([]string, error) {
	c, err := napi.NewClient(&napi.Config{Address: "http://" + ip + ":4646"})
	if err != nil {
		return nil, err
	}
	stubs, _, err := c.Jobs().PrefixList(prefix)
	var ids []string
	for _, s := range stubs {
		ids = append(ids, s.ID)
	}
	return ids, err
}
