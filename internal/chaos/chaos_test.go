package chaos

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/verify"
)

// fakeCluster answers from a script: the fault makes verify fail (and,
// for a killed leader, moves the leadership) until it is healed.
type fakeCluster struct {
	mu          sync.Mutex
	healthyPre  bool
	broken      bool
	healed      bool
	execs       []string
	leader      string
	newLeader   string
	stayBroken  bool
	before      []Alloc
	after       []Alloc
	allocsCalls int
	// unhealthyFirst verify passes fail before any fault.
	unhealthyFirst int
	verifies       int
}

func (f *fakeCluster) Exec(_ context.Context, node, cmd string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execs = append(f.execs, node+": "+cmd)
	switch {
	case strings.Contains(cmd, "systemctl kill"):
		f.leader = f.newLeader
		f.broken = true
	case strings.Contains(cmd, "systemctl start"), strings.HasPrefix(cmd, "for c in"):
		f.healed = true
		f.broken = f.stayBroken
	default:
		f.broken = true
	}
	return "", nil
}
func (f *fakeCluster) Halt(context.Context, string) error { f.broken = true; return nil }
func (f *fakeCluster) Start(context.Context, string) error {
	f.broken = f.stayBroken
	f.healed = true
	return nil
}
func (f *fakeCluster) NodeAt(addr string) string {
	return strings.TrimSuffix(strings.Split(addr, ":")[0], "-addr")
}
func (f *fakeCluster) Verify(context.Context) *verify.Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := !f.broken
	if !f.healthyPre {
		ok = false
	}
	if f.verifies++; f.verifies <= f.unhealthyFirst {
		ok = false
	}
	return &verify.Report{Healthy: ok, NomadLeader: f.leader + "-addr:4647", ConsulLeader: "nomad-server1-addr:8300",
		Checks: []verify.Check{{Name: "nomad-client", Node: "nomad-client1", OK: ok, Detail: "down"}}}
}
func (f *fakeCluster) Allocations(context.Context) ([]Alloc, error) {
	f.allocsCalls++
	if f.allocsCalls == 1 {
		return f.before, nil
	}
	return f.after, nil
}
func (f *fakeCluster) Peers(string) ([]string, error) {
	return []string{"10.0.0.11", "10.0.0.102"}, nil
}

func TestPartitionIsDetectedHealedAndMovesAreReported(t *testing.T) {
	f := &fakeCluster{healthyPre: true, leader: "nomad-server1",
		before: []Alloc{{"a1", "web", "web", "nomad-client1"}, {"a2", "web", "web", "nomad-client2"}},
		after:  []Alloc{{"a2", "web", "web", "nomad-client2"}, {"a3", "web", "web", "nomad-client2"}},
	}
	sc, _ := Parse([]string{"partition", "nomad-client1"})
	r, err := Run(context.Background(), f, Options{Scenario: sc, For: 50 * time.Millisecond, Wait: time.Second, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !f.healed || !r.Healthy || r.Detected == nil || !strings.Contains(r.DetectedBy, "nomad-client nomad-client1 (down)") {
		t.Fatalf("report %+v, healed %v", r, f.healed)
	}
	if !strings.Contains(f.execs[0], "ip saddr '{ 10.0.0.11, 10.0.0.102 }' drop") || !strings.Contains(f.execs[0], "hook output") {
		t.Errorf("partition script: %s", f.execs[0])
	}
	if len(r.Moved) != 1 || r.Moved[0] != (Move{"web", "web", "nomad-client1", "nomad-client2"}) {
		t.Errorf("moved %+v", r.Moved)
	}
	if !r.Healed.After(r.Started) || r.Recovered.Before(r.Healed) {
		t.Errorf("times out of order: %+v", r)
	}
}

func TestKillLeaderTargetsTheLeaderAndSeesTheNewOne(t *testing.T) {
	f := &fakeCluster{healthyPre: true, leader: "nomad-server2", newLeader: "nomad-server3"}
	sc, _ := Parse([]string{"kill-leader", "nomad"})
	r, err := Run(context.Background(), f, Options{Scenario: sc, For: 30 * time.Millisecond, Wait: time.Second, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Node != "nomad-server2" || !strings.HasPrefix(f.execs[0], "nomad-server2: sudo -n systemctl kill --signal=SIGKILL nomad.service") {
		t.Errorf("killed %v (report node %s)", f.execs, r.Node)
	}
	l := r.Leaders["nomad"]
	if l.Before != "nomad-server2" || l.After != "nomad-server3" || l.Elected == nil || r.Leaders["consul"].Elected != nil {
		t.Errorf("leaders %+v", r.Leaders)
	}
}

func TestStaysUnhealthyAndRefusesABrokenCluster(t *testing.T) {
	f := &fakeCluster{healthyPre: true, leader: "s1", stayBroken: true}
	sc, _ := Parse([]string{"stop-agent", "nomad-client1", "consul"})
	r, err := Run(context.Background(), f, Options{Scenario: sc, For: 10 * time.Millisecond, Wait: 50 * time.Millisecond, Poll: 10 * time.Millisecond})
	if err != nil || r.Healthy || len(r.Failed) != 1 || r.Recovered != nil {
		t.Errorf("report %+v, err %v", r, err)
	}
	if !strings.Contains(f.execs[len(f.execs)-1], "systemctl start consul.service") {
		t.Errorf("not healed: %v", f.execs)
	}
	_, err = Run(context.Background(), &fakeCluster{leader: "s1"}, Options{Scenario: sc, For: time.Millisecond})
	if !errors.Is(err, ErrUnhealthyBefore) {
		t.Errorf("a broken cluster: %v", err)
	}
}

// A cluster that fails verify for a moment before the drill (a restarted
// driver Nomad has not fingerprinted again) is waited for within Settle;
// without Settle, or past it, the drill refuses it.
func TestWaitsForASettlingCluster(t *testing.T) {
	sc, _ := Parse([]string{"stop-agent", "nomad-client1", "consul"})
	opts := Options{Scenario: sc, For: time.Millisecond, Wait: time.Second, Poll: time.Millisecond}
	_, err := Run(context.Background(), &fakeCluster{healthyPre: true, leader: "s1", unhealthyFirst: 3}, opts)
	if !errors.Is(err, ErrUnhealthyBefore) {
		t.Errorf("no Settle: want the cluster refused at once, got %v", err)
	}
	opts.Settle = time.Minute
	f := &fakeCluster{healthyPre: true, leader: "s1", unhealthyFirst: 3}
	r, err := Run(context.Background(), f, opts)
	if err != nil || !f.healed || r.Leaders["nomad"].Before != "s1" {
		t.Errorf("settling cluster: report %+v, err %v, healed %v", r, err, f.healed)
	}
	opts.Settle = 20 * time.Millisecond
	start := time.Now()
	_, err = Run(context.Background(), &fakeCluster{leader: "s1"}, opts)
	if !errors.Is(err, ErrUnhealthyBefore) || !strings.Contains(err.Error(), "nomad-client1") || time.Since(start) > 10*time.Second {
		t.Errorf("a broken cluster past Settle: %v after %s", err, time.Since(start))
	}
}

func TestCtrlCStillHeals(t *testing.T) {
	f := &fakeCluster{healthyPre: true, leader: "s1"}
	ctx, cancel := context.WithCancel(context.Background())
	sc, _ := Parse([]string{"halt", "nomad-client1"})
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	r, err := Run(ctx, f, Options{Scenario: sc, For: time.Hour, Wait: time.Hour, Poll: 5 * time.Millisecond})
	if err != nil || !r.Interrupted || !f.healed {
		t.Errorf("report %+v, err %v, healed %v", r, err, f.healed)
	}
}

func TestParse(t *testing.T) {
	for _, bad := range [][]string{nil, {"kill-leader"}, {"kill-leader", "vault"}, {"stop-agent", "n1"}, {"partition"}, {"flood", "n1"}} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if s, err := Parse([]string{"stop-agent", "n1", "nomad"}); err != nil || s.String() != "stop-agent n1 nomad" {
		t.Errorf("%v %v", s, err)
	}
}
