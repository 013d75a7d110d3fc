//go:build toolcheck

package nomadbox_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestRealToolsConsulACL runs the nomadbox_consul_acl module through the
// real ansible-playbook against a real Consul agent (dev mode, ACLs on,
// loopback only) that holds only its initial management token, as a
// fresh cluster does: the first run creates the policies, the tokens
// with the secrets given (agent tokens bound to their node) and the
// anonymous token's DNS policy; a second run changes nothing; an agent
// token then works for its own node only; and a module run with a
// token Consul does not accept fails with a message that names the
// management token file and holds no secret.
func TestRealToolsConsulACL(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	consul := testtools.Consul(t)
	dir := t.TempDir()
	const mgmt = "5e3c0a52-0000-4000-8000-00000000000a"
	url := startConsul(t, consul, dir, mgmt)
	library, _ := filepath.Abs("ansible/library")

	const agentSecret = "5e3c0a52-0000-4000-8000-0000000000a1"
	play := func(token string, timeout int) string {
		return fmt.Sprintf(`- hosts: localhost
  gather_facts: false
  tasks:
    - name: acl
      nomadbox_consul_acl:
        url: %q
        token: %q
        timeout: %d
        policies:
          - name: nomadbox-dns
            description: dns
            rules: |
              node_prefix "" {
                policy = "read"
              }
              service_prefix "" {
                policy = "read"
              }
        tokens:
          - secret_id: 5e3c0a52-0000-4000-8000-0000000000d1
            description: "nomadbox: DNS"
            policies: [nomadbox-dns]
        agent_nodes: [n1, n2]
        agent_secret_ids: [%q, 5e3c0a52-0000-4000-8000-0000000000a2]
        datacenter: dc1
        anonymous_policies: [nomadbox-dns]
      register: acl
    - name: report
      ansible.builtin.copy:
        dest: %q
        content: "{{ acl | to_json }}"
`, url, token, timeout, agentSecret, filepath.Join(dir, "report.json"))
	}
	run := func(token string, timeout int) (map[string]any, string, error) {
		os.Remove(filepath.Join(dir, "report.json")) // a failed run writes none
		return runPlay(dir, library, play(token, timeout))
	}

	rep, out, err := run(mgmt, 30)
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	created := strings.Join(stringsOf(rep["created"]), ", ")
	if want := "policy nomadbox-dns, token nomadbox: DNS, token nomadbox: agent of n1, token nomadbox: agent of n2"; created != want || rep["changed"] != true {
		t.Errorf("first run created %q (changed %v), want %q", created, rep["changed"], want)
	}
	if updated := stringsOf(rep["updated"]); strings.Join(updated, ",") != "token anonymous" {
		t.Errorf("first run updated %v, want the anonymous token", updated)
	}
	if strings.Contains(out, mgmt) || strings.Contains(out, agentSecret) {
		t.Error("the play's output holds a token")
	}

	rep, out, err = run(mgmt, 30)
	if err != nil || rep["changed"] != false {
		t.Errorf("second run: changed %v, err %v\n%s", rep["changed"], err, out)
	}

	// The agent token is n1's: it may update n1's catalog entry only.
	for node, want := range map[string]int{"n1": 200, "n2": 403} {
		body := fmt.Sprintf(`{"Node":%q,"Address":"127.0.0.1"}`, node)
		if got := consulStatus(t, "PUT", url+"/v1/catalog/register", agentSecret, body); got != want {
			t.Errorf("n1's agent token registering node %s: HTTP %d, want %d", node, got, want)
		}
	}
	if got := consulStatus(t, "PUT", url+"/v1/kv/x", agentSecret, "1"); got != 403 {
		t.Errorf("n1's agent token wrote KV: HTTP %d, want 403", got)
	}
	// Anonymous (no token) may read the catalog, as DNS needs.
	if got := consulStatus(t, "GET", url+"/v1/catalog/nodes", "", ""); got != 200 {
		t.Errorf("anonymous catalog read: HTTP %d, want 200", got)
	}

	const wrong = "5e3c0a52-0000-4000-8000-0000000000ff"
	if _, out, err := run(wrong, 3); err == nil {
		t.Error("a run with a token Consul does not know succeeded")
	} else if !strings.Contains(out, "consul-management.token") || strings.Contains(out, wrong) {
		t.Errorf("the failure does not name the token file, or shows the token:\n%s", out)
	}
}

// TestRealToolsACLTokensTemplate renders the consul role's acl-tokens.hcl
// with and without acl.tokens.dns (Consul 1.17 and later), and has the
// Consul this machine runs (1.13) validate the older form, which must
// not name the dns token it would reject.
func TestRealToolsACLTokensTemplate(t *testing.T) {
	testtools.Require(t, "ansible-playbook")
	consul := testtools.Consul(t)
	dir := t.TempDir()
	for _, name := range []string{"mgmt", "agent", "dns"} {
		os.WriteFile(filepath.Join(dir, name+".token"), []byte("5e3c0a52-0000-4000-8000-00000000"+fmt.Sprintf("%04d", len(name))+"\n"), 0o600)
	}
	tmpl, _ := filepath.Abs("ansible/roles/consul/templates/acl-tokens.hcl.j2")
	render := func(dnsToken, bootstrapping bool) string {
		out := filepath.Join(dir, fmt.Sprintf("acl-%v-%v.hcl", dnsToken, bootstrapping))
		play := fmt.Sprintf(`- hosts: localhost
  gather_facts: false
  vars:
    consul_management_token_file: %q
    consul_agent_token_file: %q
    consul_dns_token_file: %q
    nomadbox_consul_dns_token: %v
    consul_acl_bootstrapping: %v
  tasks:
    - ansible.builtin.template:
        src: %q
        dest: %q
`, filepath.Join(dir, "mgmt.token"), filepath.Join(dir, "agent.token"), filepath.Join(dir, "dns.token"), dnsToken, bootstrapping, tmpl, out)
		p := filepath.Join(dir, "play.yml")
		os.WriteFile(p, []byte(play), 0o644)
		if o, err := testtools.Output(dir, []string{"ANSIBLE_NOCOLOR=1"}, "ansible-playbook", "-i", "localhost,", "-c", "local", p); err != nil {
			t.Fatalf("rendering: %v\n%s", err, o)
		}
		b, _ := os.ReadFile(out)
		return string(b)
	}
	old, current := render(false, true), render(true, false)
	if !strings.Contains(old, "initial_management") || strings.Contains(old, "dns =") {
		t.Errorf("Consul 1.13 form, bootstrapping:\n%s", old)
	}
	if strings.Contains(current, "initial_management") || !strings.Contains(current, "dns =") {
		t.Errorf("Consul 1.17+ form, bootstrapped:\n%s", current)
	}
	// consul validate wants a whole configuration.
	cfgDir := filepath.Join(dir, "consul.d")
	os.MkdirAll(cfgDir, 0o755)
	os.WriteFile(filepath.Join(cfgDir, "base.hcl"), []byte("data_dir = \""+filepath.Join(dir, "data")+"\"\nbind_addr = \"127.0.0.1\"\nacl {\n  enabled = true\n}\n"), 0o644)
	os.WriteFile(filepath.Join(cfgDir, "acl-tokens.hcl"), []byte(old), 0o644)
	if out, err := testtools.Output(dir, nil, consul, "validate", cfgDir); err != nil {
		t.Errorf("consul validate rejects the Consul 1.13 form: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(cfgDir, "acl-tokens.hcl"), []byte(current), 0o644)
	if out, err := testtools.Output(dir, nil, consul, "validate", cfgDir); err == nil {
		t.Logf("note: this Consul accepts acl.tokens.dns too:\n%s", out)
	}
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func consulStatus(t *testing.T, method, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// startConsul runs `consul agent -dev` with ACLs on free loopback ports,
// bootstrapped by initial_management, and returns its HTTP URL once it
// has a leader.
func startConsul(t *testing.T, bin, dir, mgmt string) string {
	t.Helper()
	p := testtools.FreePorts(t, 5)
	cfg := fmt.Sprintf(`acl {
  enabled        = true
  default_policy = "deny"
  tokens {
    initial_management = %q
  }
}
ports {
  http     = %d
  dns      = %d
  serf_lan = %d
  serf_wan = %d
  server   = %d
  grpc     = -1
}
bind_addr   = "127.0.0.1"
client_addr = "127.0.0.1"
`, mgmt, p[0], p[1], p[2], p[3], p[4])
	cfgFile := filepath.Join(dir, "consul-dev.hcl")
	os.WriteFile(cfgFile, []byte(cfg), 0o600)
	logPath := filepath.Join(dir, "consul.log")
	testtools.StartAgent(t, logPath, bin, "agent", "-dev", "-config-file", cfgFile)
	url := fmt.Sprintf("http://127.0.0.1:%d", p[0])
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if resp, err := http.Get(url + "/v1/status/leader"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(strings.Trim(string(b), `"`+"\n")) > 0 {
				return url
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("consul dev agent has no leader after 60s:\n%s", b)
		}
	}
}
