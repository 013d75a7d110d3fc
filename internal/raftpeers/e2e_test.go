//go:build e2e

package raftpeers

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// Three real Nomad servers on loopback addresses (127.93.48.11-13, the
// same ports on each) elect a leader; the third is stopped the way
// nomadbox stops a server it removes (SIGINT: the server does not leave
// Raft on its own), and RemoveNomad takes it out by ID through the
// first: Raft is left with two voters and no trace of the third, and a
// second removal finds nothing to do.
func TestRemoveNomadFromThreeServers(t *testing.T) {
	bin := testtools.Nomad(t)
	ips := []string{"127.93.48.11", "127.93.48.12", "127.93.48.13"}
	stops := make([]func(), len(ips))
	for i, ip := range ips {
		stops[i] = startServer(t, bin, ip, ips)
	}
	c := client(t, ips[0])
	waitFor(t, 90*time.Second, "three voters and a leader", func() bool {
		cfg, err := c.Operator().RaftGetConfiguration(nil)
		return err == nil && voters(cfg) == 3 && leader(cfg) != ""
	})

	// Stop a follower, so the cluster keeps its leader.
	cfg, _ := c.Operator().RaftGetConfiguration(nil)
	victim := -1
	for i, ip := range ips {
		if i > 0 && leader(cfg) != ip+":4647" {
			victim = i
			break
		}
	}
	stops[victim]()
	removed, err := RemoveNomad(c.Operator(), ips[victim]+":4647")
	if err != nil || !removed {
		t.Fatalf("RemoveNomad: removed %v, err %v", removed, err)
	}
	cfg, err = c.Operator().RaftGetConfiguration(nil)
	if err != nil {
		t.Fatal(err)
	}
	if voters(cfg) != 2 {
		t.Errorf("Raft has %d voters after the removal, want 2: %+v", voters(cfg), cfg.Servers)
	}
	for _, s := range cfg.Servers {
		if s.Address == ips[victim]+":4647" {
			t.Errorf("the removed server is still a peer: %+v", s)
		}
	}
	if removed, err := RemoveNomad(c.Operator(), ips[victim]+":4647"); err != nil || removed {
		t.Errorf("a second removal: removed %v, err %v; want nothing to do", removed, err)
	}
}

func voters(cfg *api.RaftConfiguration) int {
	n := 0
	for _, s := range cfg.Servers {
		if s.Voter {
			n++
		}
	}
	return n
}

func leader(cfg *api.RaftConfiguration) string {
	for _, s := range cfg.Servers {
		if s.Leader {
			return s.Address
		}
	}
	return ""
}

func client(t *testing.T, ip string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = "http://" + ip + ":4646"
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startServer runs a Nomad server bound to ip that joins the others,
// and returns a func that stops it with SIGINT.
func startServer(t *testing.T, bin, ip string, all []string) func() {
	t.Helper()
	dir := t.TempDir()
	var join string
	for _, o := range all {
		join += fmt.Sprintf("%q, ", o+":4648")
	}
	cfg := fmt.Sprintf(`name      = %[1]q
bind_addr = %[2]q
data_dir  = %[3]q
log_level = "INFO"
# Nomad refuses to advertise a loopback address it guessed.
advertise {
  http = %[2]q
  rpc  = %[2]q
  serf = %[2]q
}
server {
  enabled          = true
  bootstrap_expect = 3
  server_join {
    retry_join     = [%[4]s]
    retry_interval = "1s"
  }
}
client {
  enabled = false
}
consul {
  auto_advertise   = false
  server_auto_join = false
  client_auto_join = false
}
`, "s-"+ip, ip, filepath.Join(dir, "data"), join)
	path := filepath.Join(dir, "server.hcl")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return testtools.StartAgent(t, filepath.Join(dir, "nomad.log"), bin, "agent", "-config", path)
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, d)
		}
	}
}
