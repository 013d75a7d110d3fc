package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// envTopology is 1 server + 1 client on 10.9.0.0/24 with the given
// security block.
func envTopology(t *testing.T, security string) *topology.Topology {
	t.Helper()
	topo, diags := providers.NewParser().Parse([]byte(`
cluster "env" {}
provider "docker" {}
network { cidr = "10.9.0.0/24" }
server "nomad-server" {}
client "nomad-client" {}
`+security+"\n"), "topology.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return topo
}

// The env lines name secrets by path and still give the shell that
// evaluates them the values: NOMAD_TOKEN is read from its file then.
func TestEnvWithEverySecurityOn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "render dir") // a path that needs quoting
	topo := envTopology(t, "security {\n  tls = true\n  acl = true\n}")
	if err := secrets.Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	s := &Session{Topology: topo, Dir: dir}
	lines, err := Env(s, "")
	if err != nil {
		t.Fatal(err)
	}
	nomadToken, _ := secrets.ReadToken(dir, secrets.NomadManagementToken)
	consulToken, _ := secrets.ReadToken(dir, secrets.ConsulManagementToken)
	script := strings.Join(lines, "\n")
	if strings.Contains(script, nomadToken) || strings.Contains(script, consulToken) {
		t.Fatalf("env printed a token:\n%s", script)
	}
	out, err := exec.Command("bash", "-c", script+"\n"+
		`printf '%s\n' "$NOMAD_ADDR" "$CONSUL_HTTP_ADDR" "$NOMAD_CACERT" "$CONSUL_HTTP_TOKEN_FILE" "$NOMAD_TOKEN"`).CombinedOutput()
	if err != nil {
		t.Fatalf("evaluating env: %v\n%s", err, out)
	}
	want := []string{
		"https://10.9.0.11:4646",
		"https://10.9.0.11:8501",
		filepath.Join(dir, "secrets", "tls", "ca.pem"),
		filepath.Join(dir, "secrets", "consul-management.token"),
		nomadToken,
	}
	if got := strings.Split(strings.TrimSpace(string(out)), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after eval:\n got %q\nwant %q", got, want)
	}
	if _, err := os.Stat(want[2]); err != nil {
		t.Errorf("env names a CA that does not exist: %v", err)
	}
}

func TestEnvPlain(t *testing.T) {
	topo := envTopology(t, "security { gossip_encryption = false }")
	s := &Session{Topology: topo, Dir: t.TempDir()}
	lines, err := Env(s, "")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lines, "\n")
	want := "export NOMAD_ADDR=http://10.9.0.11:4646\nexport CONSUL_HTTP_ADDR=http://10.9.0.11:8500"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// --token read exports the read-only Nomad token and Consul's read-only
// DNS token, never a management token; a token that nomadbox has not
// created yet, or an unknown kind, is an error rather than an export of
// nothing.
func TestEnvReadToken(t *testing.T) {
	dir := t.TempDir()
	topo := envTopology(t, "security {\n  tls = true\n  acl = true\n}")
	if err := secrets.Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	s := &Session{Topology: topo, Dir: dir}
	if _, err := Env(s, "read"); err == nil || !strings.Contains(err.Error(), "nomadbox up") {
		t.Errorf("read token missing: err = %v, want one that says to run up", err)
	}
	if err := os.WriteFile(secrets.Path(dir, secrets.NomadReadToken), []byte("read-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lines, err := Env(s, "read")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "-c", strings.Join(lines, "\n")+"\n"+`printf '%s\n' "$NOMAD_TOKEN" "$CONSUL_HTTP_TOKEN_FILE"`).CombinedOutput()
	if err != nil {
		t.Fatalf("evaluating env: %v\n%s", err, out)
	}
	want := "read-secret\n" + secrets.Path(dir, secrets.ConsulDNSToken) + "\n"
	if string(out) != want {
		t.Errorf("after eval: %q, want %q", out, want)
	}
	if _, err := Env(s, "admin"); err == nil || !strings.Contains(err.Error(), "management, read, submit") {
		t.Errorf("unknown token: err = %v", err)
	}
}
