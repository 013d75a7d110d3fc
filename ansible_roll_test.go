//go:build toolcheck

package nomadbox_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// rollHosts are the nodes of the roll test: three servers and three
// clients, each its own loopback address (127.0.0.0/8 is all loopback),
// so that each node's agent APIs are servers of their own.
var rollHosts = []struct{ name, group, ip string }{
	{"s1", "servers", "127.0.0.11"}, {"s2", "servers", "127.0.0.12"}, {"s3", "servers", "127.0.0.13"},
	{"c1", "clients", "127.0.0.21"}, {"c2", "clients", "127.0.0.22"}, {"c3", "clients", "127.0.0.23"},
}

// fakeAgents answers the gates' URLs (/v1/status/leader, /v1/status/peers)
// for every node's Consul (:8500) and Nomad (:4646), and records which
// node's agent was asked first, in order: a gate asks right after its
// agent's restart.
type fakeAgents struct {
	mu    sync.Mutex
	order []string          // "s1/consul", ... in the order first asked
	seen  map[string]bool   // the same, as a set
	paths map[string]string // node/agent -> the paths asked, in order, once each
	// noLeader is the node/agent that never reports a leader.
	noLeader string
	// lost is the node/agent whose check passes only before its restart
	// (the first time its checks are asked).
	lost  string
	asked map[string]int
}

func (f *fakeAgents) serve(t *testing.T, ip, node, agent, port, raftPort string) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, port))
	if err != nil {
		t.Fatalf("listening on %s:%s for the fake %s of %s: %v", ip, port, agent, node, err)
	}
	key := node + "/" + agent
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if !f.seen[key] {
			f.seen[key] = true
			f.order = append(f.order, key)
		}
		if !strings.Contains(f.paths[key], r.URL.Path) {
			f.paths[key] += " " + r.URL.Path
		}
		f.mu.Unlock()
		switch {
		case r.URL.Path == "/v1/status/leader" && key == f.noLeader:
			fmt.Fprint(w, `""`)
		case r.URL.Path == "/v1/status/leader":
			fmt.Fprintf(w, "%q", ip+":"+raftPort)
		case r.URL.Path == "/v1/status/peers":
			fmt.Fprintf(w, "[%q]", ip+":"+raftPort)
		case r.URL.Path == "/v1/agent/self":
			fmt.Fprintf(w, `{"Config": {"NodeName": %q}}`, node)
		case r.URL.Path == "/v1/health/node/"+node && !r.URL.Query().Has("consistent"):
			// The gates read the catalog in consistent mode only.
			http.Error(w, "the gate must read with ?consistent", http.StatusBadRequest)
		case r.URL.Path == "/v1/health/node/"+node:
			f.mu.Lock()
			f.asked[key]++
			status := "passing"
			if key == f.lost && f.asked[key] > 1 {
				status = "critical"
			}
			f.mu.Unlock()
			fmt.Fprintf(w, `[{"Node": %q, "CheckID": "serfHealth", "Status": "passing"}, {"Node": %q, "CheckID": "web-check", "Status": %q}]`, node, node, status)
		case r.URL.Path == "/v1/operator/autopilot/health":
			fmt.Fprintf(w, `{"Healthy": true, "Servers": [{"Address": %q, "Healthy": true, "Voter": true, "LastContact": "0s"}]}`, ip+":"+raftPort)
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// TestRealToolsRoll runs the roll plays of site.yml (ansible/roll.yml)
// with the real ansible-playbook over six local nodes whose systemctl
// only records what it is asked and whose agent APIs are fakes: every
// deferred agent restarts in HashiCorp's order (Consul on the servers
// one at a time, then on the clients one at a time, then Nomad the same
// way), servers each a healthy voter in autopilot's view before the
// next; and a gate that never passes stops the roll at its node, says
// which node and check failed, and leaves every later node untouched, as
// does a client whose service check does not pass again.
func TestRealToolsRoll(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	roll, err := filepath.Abs("ansible/roll.yml")
	if err != nil {
		t.Fatal(err)
	}
	library, _ := filepath.Abs("ansible/library")

	t.Run("every agent restarts in HashiCorp's order", func(t *testing.T) {
		f, out, err := runRoll(t, roll, library, "")
		if err != nil {
			t.Fatalf("the roll failed: %v\n%s", err, out)
		}
		want := "s1/consul s2/consul s3/consul c1/consul c2/consul c3/consul s1/nomad s2/nomad s3/nomad c1/nomad c2/nomad c3/nomad"
		if got := strings.Join(f.order, " "); got != want {
			t.Errorf("gates asked in the order\n  %s\nwant\n  %s\n%s", got, want, out)
		}
		if n := restarts(t, out); n != 12 {
			t.Errorf("systemctl restarted %d units, want 12", n)
		}
		// Servers wait to be a healthy voter in autopilot's view; clients
		// for a leader.
		// Every Consul keeps the checks that passed before its restart,
		// as the servers' catalog reports them for its node.
		for key, paths := range f.paths {
			want := " /v1/status/leader /v1/status/peers /v1/operator/autopilot/health"
			if strings.HasPrefix(key, "c") {
				want = " /v1/status/leader"
			}
			if strings.HasSuffix(key, "/consul") {
				want = " /v1/agent/self /v1/health/node/" + strings.Split(key, "/")[0] + want
			}
			if paths != want {
				t.Errorf("%s's gate asked%s, want%s", key, paths, want)
			}
		}
	})

	t.Run("a gate that does not pass stops the roll at its node", func(t *testing.T) {
		f, out, err := runRoll(t, roll, library, "no leader: s2/consul")
		if err == nil {
			t.Fatalf("the roll passed with s2's Consul reporting no leader:\n%s", out)
		}
		if got := strings.Join(f.order, " "); got != "s1/consul s2/consul" {
			t.Errorf("nodes touched: %s, want s1/consul s2/consul (the roll goes no further than the failing node)\n%s", got, out)
		}
		for _, want := range []string{"fatal: [s2]", "consul: (re)started, but http://127.0.0.12:8500/v1/status/leader did not answer within 3s", "the roll stops here"} {
			if !strings.Contains(out, want) {
				t.Errorf("the output does not say %q:\n%s", want, out)
			}
		}
		if n := restarts(t, out); n != 2 {
			t.Errorf("systemctl restarted %d units, want 2 (s1's and s2's Consul)", n)
		}
	})

	t.Run("a client whose service does not come back stops the roll before the next client", func(t *testing.T) {
		f, out, err := runRoll(t, roll, library, "lost: c1/consul")
		if err == nil {
			t.Fatalf("the roll passed with c1's check critical after its restart:\n%s", out)
		}
		if got := strings.Join(f.order, " "); got != "s1/consul s2/consul s3/consul c1/consul" {
			t.Errorf("nodes touched: %s, want the servers' Consul and c1's\n%s", got, out)
		}
		for _, want := range []string{"fatal: [c1]", "(the checks that passed before the restart)", "not passing again: web-check"} {
			if !strings.Contains(out, want) {
				t.Errorf("the output does not say %q:\n%s", want, out)
			}
		}
	})
}

// runRoll serves fake agents for rollHosts, with fault "no leader: N/A"
// (that agent never reports a leader) or "lost: N/A" (its check does
// not pass again after the restart), then runs a playbook that marks every node's Consul and Nomad
// as deferred (what site.yml's first play registers) and imports roll.
// It returns the fakes, the output and the run's error.
func runRoll(t *testing.T, roll, library, fault string) (*fakeAgents, string, error) {
	dir := t.TempDir()
	f := &fakeAgents{seen: map[string]bool{}, paths: map[string]string{}, asked: map[string]int{}}
	switch {
	case strings.HasPrefix(fault, "no leader: "):
		f.noLeader = strings.TrimPrefix(fault, "no leader: ")
	case strings.HasPrefix(fault, "lost: "):
		f.lost = strings.TrimPrefix(fault, "lost: ")
	}
	var inv strings.Builder
	inv.WriteString("all:\n  vars:\n    ansible_connection: local\n    ansible_become: false\n    ansible_python_interpreter: python3\n    nomadbox_tls: false\n    nomadbox_acl: false\n    nomadbox_max_parallel: 1\n    nomadbox_gate_timeout: 3\n  children:\n")
	for _, group := range []string{"servers", "clients"} {
		fmt.Fprintf(&inv, "    %s:\n      hosts:\n", group)
		for _, h := range rollHosts {
			if h.group != group {
				continue
			}
			role := strings.TrimSuffix(group, "s")
			fmt.Fprintf(&inv, "        %s: {nomadbox_role: %s, roll_test_ip: %s}\n", h.name, role, h.ip)
			f.serve(t, h.ip, h.name, "consul", "8500", "8300")
			f.serve(t, h.ip, h.name, "nomad", "4646", "4647")
		}
	}
	os.WriteFile(filepath.Join(dir, "inventory.yml"), []byte(inv.String()), 0o644)

	// systemctl that only records: every unit is enabled and active.
	bin := fakeSystemctl(dir)

	// set_fact outranks the roll plays' vars_files (the roles' defaults):
	// each node's APIs are its own loopback address.
	play := `- name: What the first play of site.yml leaves behind
  hosts: all
  gather_facts: false
  tasks:
    - name: Every agent ran and waits for a restart
      ansible.builtin.set_fact:
        nomadbox_started: {deferred: [consul, nomad]}
        nomadbox_private_ip: "{{ roll_test_ip }}"
        consul_api_url: "http://{{ roll_test_ip }}:8500"
        nomad_self_api: "http://{{ roll_test_ip }}:4646"

- name: The roll
  ansible.builtin.import_playbook: ` + roll + "\n"
	p := filepath.Join(dir, "play.yml")
	os.WriteFile(p, []byte(play), 0o644)
	start := time.Now()
	out, err := testtools.Output(dir, []string{
		"ANSIBLE_LIBRARY=" + library, "ANSIBLE_MODULE_UTILS=" + filepath.Join(filepath.Dir(library), "module_utils"), "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=0",
		"PATH=" + bin + ":" + os.Getenv("PATH"),
	}, "ansible-playbook", "-i", "inventory.yml", p)
	t.Logf("the roll took %s", time.Since(start).Round(time.Millisecond))
	log, _ := os.ReadFile(filepath.Join(dir, "systemctl.log"))
	f.mu.Lock()
	defer f.mu.Unlock()
	return f, out + "\n--- systemctl.log ---\n" + string(log), err
}

// restarts counts the restarts in runRoll's output (its systemctl log).
func restarts(t *testing.T, out string) int {
	t.Helper()
	_, log, _ := strings.Cut(out, "--- systemctl.log ---\n")
	return strings.Count(log, "restart ")
}
