//go:build e2e

package nomadtokens

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

// A real Nomad agent (dev mode, ACLs on, loopback only) bootstrapped
// with a management secret, as nomadbox's playbook does: Ensure creates
// both tokens; the read token lists jobs but cannot submit one; the
// submit token registers a job but cannot read ACL policies; a second
// Ensure changes nothing, and a token Nomad no longer knows is replaced.
func TestEnsureAgainstNomad(t *testing.T) {
	addr := startNomad(t)
	const mgmt = "3c1d2c9e-1111-4aaa-8bbb-000000000001"
	boot := client(t, addr, "")
	if _, _, err := boot.ACLTokens().BootstrapOpts(mgmt, nil); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	dir := t.TempDir()
	c := client(t, addr, mgmt)
	changed, err := Ensure(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "policy nomadbox-read, token read, policy nomadbox-submit, token submit"; strings.Join(changed, ", ") != want {
		t.Errorf("first Ensure changed %q, want %s", changed, want)
	}
	for _, k := range Kinds {
		if fi, err := os.Stat(secrets.Path(dir, k.File)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want a 0600 file", k.File, err, fi.Mode())
		}
	}
	read, _ := secrets.ReadToken(dir, secrets.NomadReadToken)
	submit, _ := secrets.ReadToken(dir, secrets.NomadSubmitToken)

	job := &api.Job{ID: ptr("sleeper"), Name: ptr("sleeper"), Datacenters: []string{"dc1"}, TaskGroups: []*api.TaskGroup{{
		Name: ptr("g"), Count: ptr(0),
		Tasks: []*api.Task{{Name: "t", Driver: "raw_exec", Config: map[string]any{"command": "/bin/sleep", "args": []string{"60"}}}},
	}}}
	if _, _, err := client(t, addr, read).Jobs().List(nil); err != nil {
		t.Errorf("read token cannot list jobs: %v", err)
	}
	if _, _, err := client(t, addr, read).Jobs().Register(job, nil); !denied(err) {
		t.Errorf("read token registered a job: err = %v, want 403", err)
	}
	if _, _, err := client(t, addr, submit).Jobs().Register(job, nil); err != nil {
		t.Errorf("submit token cannot register a job: %v", err)
	}
	// Listing policies is not refused (Nomad lists the token's own), but
	// writing one is.
	if _, err := client(t, addr, submit).ACLPolicies().Upsert(&api.ACLPolicy{Name: "mine", Rules: `namespace "*" { policy = "write" }`}, nil); !denied(err) {
		t.Errorf("submit token wrote an ACL policy: err = %v, want 403", err)
	}
	if _, _, err := client(t, addr, submit).ACLTokens().Create(&api.ACLToken{Type: "management"}, nil); !denied(err) {
		t.Errorf("submit token created a management token: err = %v, want 403", err)
	}

	if changed, err := Ensure(c, dir); err != nil || len(changed) != 0 {
		t.Errorf("second Ensure: changed %q, err %v; want nothing", changed, err)
	}
	if err := os.WriteFile(secrets.Path(dir, secrets.NomadReadToken), []byte("00000000-0000-4000-8000-000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := Ensure(c, dir); err != nil || strings.Join(changed, ",") != "token read" {
		t.Errorf("Ensure after the read token was lost: changed %q, err %v; want a new read token", changed, err)
	}
	if again, _ := secrets.ReadToken(dir, secrets.NomadReadToken); again == read || again == "00000000-0000-4000-8000-000000000000" {
		t.Errorf("the read token was not replaced")
	}
}

func ptr[T any](v T) *T { return &v }

func denied(err error) bool {
	var ue api.UnexpectedResponseError
	return errors.As(err, &ue) && ue.StatusCode() == 403
}

func client(t *testing.T, addr, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address, cfg.SecretID = addr, token
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startNomad runs `nomad agent -dev` with ACLs on a free loopback port
// and waits for a leader.
func startNomad(t *testing.T) string {
	t.Helper()
	bin := testtools.Nomad(t)
	dir := t.TempDir()
	ports := testtools.FreePorts(t, 3)
	cfg := fmt.Sprintf(`bind_addr = "127.0.0.1"
data_dir = %q
ports {
  http = %d
  rpc  = %d
  serf = %d
}
acl {
  enabled = true
}
consul {
  auto_advertise      = false
  server_auto_join    = false
  client_auto_join    = false
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
`, filepath.Join(dir, "data"), ports[0], ports[1], ports[2])
	if err := os.WriteFile(filepath.Join(dir, "agent.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "nomad.log")
	testtools.StartAgent(t, logPath, bin, "agent", "-dev", "-config", filepath.Join(dir, "agent.hcl"))
	addr := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	c := client(t, addr, "")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if leader, err := c.Status().Leader(); err == nil && leader != "" {
			return addr
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("nomad dev agent has no leader after 60s:\n%s", b)
		}
	}
}
