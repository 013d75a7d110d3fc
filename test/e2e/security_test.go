//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	nbsecrets "github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestSecurity turns every protection on (gossip encryption, TLS, ACLs)
// on 1 server + 1 client: the cluster verifies healthy through TLS with
// the management tokens nomadbox generated; anonymous API requests are
// refused while DNS still answers; jobs run through nomadbox; `env`
// points the real consul and nomad CLIs at the cluster; a second
// provision changes nothing (the ACL bootstrap is done once); `logs`
// shows one unit's journal; and `export logs`, with the client halted,
// collects the server's files through the tokens, marks the client
// unreachable and holds no secret. No secret leaves the secrets folder
// while the cluster comes up: not on a command line on this machine or a
// node, not in a rendered file, the Vagrant state or nomadbox's log, not
// in the output of verify, status, env or a plan.
func TestSecurity(t *testing.T) {
	const name, cidr = "e2e-secure", "192.168.185.0/24"
	c := newCluster(t, name, cidr, 1, 1)
	// The machines come from the example provider plugin
	// (examples/provider-container), built as its own binary: plain
	// containers, no Vagrant.
	c.useExamplePlugin()
	t.Run("the plugin is listed and checks its block at the line and column", func(t *testing.T) {
		c := c.with(t)
		c.pluginListedAndValidates(t)
	})
	// The canaries below include raw_exec's.
	c.clientDrivers(`["docker", "raw_exec"]`, false)
	c.editTopology(regexp.MustCompile(`(?s)\nsecurity \{.*?\n\}`),
		"\nsecurity {\n  gossip_encryption = true\n  tls               = true\n  acl               = true\n}")
	secrets := filepath.Join(c.dir, ".nomadbox", name, "secrets")

	// Every process argument on this machine and on the nodes, from
	// before the first command to the verified cluster.
	audit := c.startSecretAudit(t)
	c.mustRun("up")
	audit.stop()
	// The plugin chooses the machines' addresses itself.
	addrs := c.addresses()
	server, client := addrs["nomad-server1"], addrs["nomad-client1"]

	t.Run("the machines are the plugin's: its containers, no Vagrant, status through it", func(t *testing.T) {
		c := c.with(t)
		c.pluginOwnsMachines(t)
	})

	t.Run("verify is healthy through TLS with the management tokens", func(t *testing.T) {
		c := c.with(t)
		// The canaries too: registering, following and purging a job
		// through TLS with the ACL token.
		rep, r := c.verify("--canary")
		if r.code != 0 || !rep.Healthy {
			t.Fatalf("verify: %s", r)
		}
		seen := map[string]bool{}
		for _, ch := range rep.Checks {
			seen[ch.Name] = true
		}
		for _, want := range []string{"nomad-client", "dns", "service:nomad", "service:nomad-client", "canary:docker", "canary:raw_exec"} {
			if !seen[want] {
				t.Errorf("verify has no %s check: %s", want, r.stdout)
			}
		}
	})

	t.Run("anonymous requests are refused", func(t *testing.T) {
		hc := caClient(t, filepath.Join(secrets, "tls", "ca.pem"))
		for _, tc := range []struct {
			method, url string
			want        int
		}{
			{"GET", "https://" + server + ":4646/v1/jobs", http.StatusForbidden},
			{"GET", "https://" + server + ":4646/v1/nodes", http.StatusForbidden},
			{"PUT", "https://" + server + ":8501/v1/kv/nomadbox-e2e", http.StatusForbidden},
		} {
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader("x"))
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", tc.method, tc.url, err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s without a token: %s, want %d", tc.method, tc.url, resp.Status, tc.want)
			}
		}
		// Nomad speaks TLS only.
		if resp, err := hc.Get("http://" + server + ":4646/v1/status/leader"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Error("Nomad answered plain HTTP with TLS on")
			}
		}
	})

	t.Run("plain HTTP is off on every agent", func(t *testing.T) {
		c := c.with(t)
		// From this machine, and on the node itself (no firewall on
		// loopback): Consul's 8500 does not answer at all.
		if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + server + ":8500/v1/status/leader"); err == nil {
			resp.Body.Close()
			t.Errorf("Consul answered plain HTTP on %s:8500 with TLS on: %s", server, resp.Status)
		}
		for _, n := range []string{"nomad-server1", "nomad-client1"} {
			if got := c.ssh(n, "curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8500/v1/status/leader; true"); got != "000" {
				t.Errorf("%s: Consul's plain HTTP on 127.0.0.1:8500 answered %q, want no connection", n, got)
			}
		}
	})

	t.Run("the agents' units are hardened and Docker keeps its containers on restart", func(t *testing.T) {
		c := c.with(t)
		c.checkHardening(t, []string{"nomad-server1"}, []string{"nomad-client1"})
	})

	t.Run("every token may only do its own job", func(t *testing.T) {
		c := c.with(t)
		c.leastPrivilege(secrets, server, client)
	})

	t.Run("DNS answers without a token", func(t *testing.T) {
		c := c.with(t)
		if got := c.ssh("nomad-client1", "dig +short consul.service.consul"); got != server {
			t.Errorf("dig consul.service.consul on nomad-client1 answered %q, want %s", got, server)
		}
	})

	t.Run("a job runs and is found through DNS", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("run", jobFile(t, "web"))
		if got := strings.Fields(c.ssh("nomad-client1", "dig +short web.service.consul")); len(got) == 0 || got[0] != client {
			t.Errorf("dig web.service.consul answered %v, want %s", got, client)
		}
		r := c.mustRun("jobs")
		if !regexp.MustCompile(`(?m)^web\s`).MatchString(r.stdout) {
			t.Errorf("jobs does not list web:\n%s", r.stdout)
		}
	})

	t.Run("env points the consul and nomad CLIs at the cluster", func(t *testing.T) {
		c := c.with(t)
		r := c.mustRun("env")
		if strings.Contains(r.stdout, readSecret(t, secrets, "nomad-management.token")) ||
			strings.Contains(r.stdout, readSecret(t, secrets, "consul-management.token")) {
			t.Fatalf("env printed a token:\n%s", r.stdout)
		}
		nodes := c.withEnv(t, testtools.Nomad(t), "node", "status", "-short")
		if !regexp.MustCompile(`(?m)\snomad-client1\s.*\sready\s*$`).MatchString(nodes) {
			t.Errorf("nomad node status through env:\n%s", nodes)
		}
		members := c.withEnv(t, testtools.Consul(t), "members")
		for _, n := range []string{"nomad-server1", "nomad-client1"} {
			if !regexp.MustCompile(`(?m)^` + n + `\s.*\salive\s`).MatchString(members) {
				t.Errorf("consul members through env lacks %s alive:\n%s", n, members)
			}
		}
		c.withEnv(t, testtools.Consul(t), "kv", "put", "nomadbox-e2e", "written-with-the-env-token")
	})

	t.Run("env --token read and submit give the CLIs only those rights", func(t *testing.T) {
		c := c.with(t)
		nomad, consul := testtools.Nomad(t), testtools.Consul(t)
		web := jobFile(t, "web")
		if out := c.withToken(t, "read", nomad, "job", "status"); !regexp.MustCompile(`(?m)^web\s`).MatchString(out) {
			t.Errorf("nomad job status with the read token:\n%s", out)
		}
		if out, err := c.envRun("read", nomad, "job", "run", "-detach", web); err == nil || !strings.Contains(out, "403") {
			t.Errorf("the read token submitted a job (err %v):\n%s", err, out)
		}
		if out := c.withToken(t, "submit", nomad, "job", "run", "-detach", web); !strings.Contains(out, "Job registration successful") {
			t.Errorf("nomad job run with the submit token:\n%s", out)
		}
		policy := filepath.Join(t.TempDir(), "p.hcl")
		os.WriteFile(policy, []byte(`namespace "*" { policy = "write" }`), 0o644)
		if out, err := c.envRun("submit", nomad, "acl", "policy", "apply", "mine", policy); err == nil || !strings.Contains(out, "403") {
			t.Errorf("the submit token wrote an ACL policy (err %v):\n%s", err, out)
		}
		// Consul gets the read-only DNS token with these.
		if out := c.withToken(t, "read", consul, "catalog", "services"); !strings.Contains(out, "web") {
			t.Errorf("consul catalog services with the read token:\n%s", out)
		}
		if out, err := c.envRun("submit", consul, "kv", "put", "nomadbox-e2e-submit", "x"); err == nil || !strings.Contains(out, "403") {
			t.Errorf("the submit environment wrote a Consul key (err %v):\n%s", err, out)
		}
	})

	t.Run("the firewall separates peers from the world", func(t *testing.T) {
		c := c.with(t)
		c.firewallSeparates("4646", "8501")
	})

	t.Run("a second provision changes nothing", func(t *testing.T) {
		c := c.with(t)
		c.provisionChangesNothing(2)
	})

	t.Run("logs shows the journal of the unit asked for", func(t *testing.T) {
		c := c.with(t)
		out := c.mustRun("logs", "nomad-server1", "--unit", "nomad", "--since", "30m").stdout
		if !strings.Contains(out, "cluster leadership acquired") {
			t.Errorf("the server's nomad journal lacks its election:\n%s", out)
		}
		// Only the nomad unit: its agent's lines and systemd's about it.
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.Contains(l, " nomad[") && !strings.Contains(l, "nomad.service") && !strings.HasPrefix(l, "-- ") {
				t.Errorf("a line from another unit: %q", l)
				break
			}
		}
		if r := c.run("logs", "nomad-server1", "--unit", "docker"); r.code != 1 || !strings.Contains(r.stderr, "no docker unit on nomad-server1") {
			t.Errorf("logs --unit docker on a server: %s", r)
		}
	})

	// After the commands above, so their lines in the log are searched too.
	t.Run("secrets stay in secrets/", func(t *testing.T) {
		c := c.with(t)
		c.auditCoveredUp(t, audit)
		outputs := map[string]string{}
		for _, args := range [][]string{{"verify", "--json"}, {"status", "--json"}, {"env"}, {"env", "--token", "read"}, {"up", "--dry-run"}} {
			r := c.run(args...)
			outputs["stdout of "+strings.Join(args, " ")] = r.stdout
			outputs["stderr of "+strings.Join(args, " ")] = r.stderr
		}
		c.assertNoSecrets(t, audit, outputs)
	})

	// Last: it halts the client.
	t.Run("export logs collects every node without a secret, a halted one marked", func(t *testing.T) {
		c := c.with(t)
		c.exportLogsRedacted(secrets)
	})

	t.Run("destroy removes the plugin's containers and network", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("destroy", "--force")
		if left := leftovers(t, name, cidr); len(left) > 0 {
			t.Errorf("destroy left %v", left)
		}
	})
}

// pluginListedAndValidates checks `providers --json` finds the example
// plugin through NOMADBOX_PLUGIN_PATH and that validate reports what the
// plugin's Validate says at the attribute's line and column.
func (c *cluster) pluginListedAndValidates(t *testing.T) {
	t.Helper()
	var list []struct {
		Name, Kind, Path string
		Protocol         int
		Ready            bool
		Schema           []struct{ Name string }
	}
	r := c.mustRun("providers", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("providers --json: %v\n%s", err, r)
	}
	found := false
	for _, p := range list {
		if p.Name == "container" {
			found = true
			if p.Kind != "plugin" || p.Protocol != 1 || !p.Ready || filepath.Dir(p.Path) != pluginDir || len(p.Schema) == 0 {
				t.Errorf("the example plugin is listed as %+v", p)
			}
		}
	}
	if !found {
		t.Errorf("providers does not list the example plugin:\n%s", r.stdout)
	}
	topo := filepath.Join(c.dir, "topology.hcl")
	good, err := os.ReadFile(topo)
	if err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(topo, good, 0o644)
	c.editTopology(regexp.MustCompile(`image = "nomadbox/node:bookworm"`), `image = ""`)
	line := 0
	for i, l := range strings.Split(string(good), "\n") {
		if strings.Contains(l, `image = "nomadbox/node:bookworm"`) {
			line = i + 1
		}
	}
	r = c.run("validate")
	if want := fmt.Sprintf("topology.hcl:%d:11: Empty image", line); r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("validate with an empty image: want exit 1 and %q\n%s", want, r)
	}
}

// pluginOwnsMachines checks the example plugin made the machines: the
// plugin's labelled containers run, Vagrant holds no state for them,
// status lists them through the plugin, and the plugin's process wrote
// its commands to the cluster's log.
func (c *cluster) pluginOwnsMachines(t *testing.T) {
	t.Helper()
	out, err := testtools.Output("", nil, "docker", "ps", "--filter", "label=nomadbox.cluster="+c.name, "--format", "{{.Names}}")
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(out)
	sort.Strings(names)
	if want := []string{c.name + "-nomad-client1", c.name + "-nomad-server1"}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("running containers with the plugin's label: %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(c.dir, ".nomadbox", c.name, ".vagrant")); err == nil {
		t.Error("the render directory has Vagrant state: Vagrant made machines")
	}
	var st struct {
		Provider string
		Machines []struct{ Name, State, Address string }
	}
	r := c.mustRun("status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r)
	}
	if st.Provider != "container" || len(st.Machines) != 2 {
		t.Errorf("status: provider %q with %d machines, want container with 2\n%s", st.Provider, len(st.Machines), r.stdout)
	}
	for _, m := range st.Machines {
		if m.State != "running" {
			t.Errorf("status: %s is %s", m.Name, m.State)
		}
	}
	if c.providerLogLines("container") == 0 {
		t.Errorf("the log has no line from the plugin's process\n%s", c.logTail(30))
	}
	// The agents run at the addresses the plugin chose (the low end of
	// the network), not at the ones the CIDR would give (.11, .101).
	for _, m := range st.Machines {
		ip := strings.TrimSpace(dockerOut(t, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", c.name+"-"+m.Name))
		if m.Address != ip || ip == c.hostIP(11) || ip == c.hostIP(101) {
			t.Errorf("%s: status says %s, its container has %s (the derived addresses are %s and %s)", m.Name, m.Address, ip, c.hostIP(11), c.hostIP(101))
		}
		conf := c.ssh(m.Name, "sudo cat /etc/consul.d/consul.hcl")
		if !strings.Contains(conf, `"`+ip+`"`) {
			t.Errorf("%s: consul.hcl does not bind to the plugin's address %s:\n%s", m.Name, ip, conf)
		}
	}
}

// auditCoveredUp fails unless the audit window saw what `up` runs: the
// Ansible run on this machine, and each node's agents.
func (c *cluster) auditCoveredUp(t *testing.T, a *secretAudit) {
	t.Helper()
	if !a.sampled("host process arguments", "ansible-playbook") {
		t.Error("the host sampler never saw ansible-playbook: the audit missed the provisioning")
	}
	for _, n := range c.topology(t).Nodes() {
		where := "node " + c.name + "-" + n.Name + " process arguments"
		for _, agent := range []string{"consul agent", "nomad agent"} {
			if !a.sampled(where, agent) {
				t.Errorf("%s never shows %q: the node's sampler missed the agents' start", where, agent)
			}
		}
	}
}

// exportLogsRedacted halts nomad-client1, exports the logs, and checks
// that the archive holds every listed file of the server (the CLIs'
// answers obtained with the ACL tokens), marks the client unreachable,
// and contains none of the values in the secrets folder.
func (c *cluster) exportLogsRedacted(secretsDir string) {
	t := c.t
	c.mustRun("halt", "nomad-client1")
	out := t.TempDir()
	r := c.mustRun("export", "logs", "--json", out)
	var res struct {
		Path  string
		Nodes []struct {
			Name  string
			Files int
			Error string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("export logs --json: %v\n%s", err, r)
	}
	if filepath.Dir(res.Path) != out {
		t.Errorf("archive %s is not in %s", res.Path, out)
	}
	for _, n := range res.Nodes {
		if (n.Name == "nomad-client1") != (n.Error != "") {
			t.Errorf("node %s: %+v (only the halted client may be unreachable)", n.Name, n)
		}
	}
	files := testtools.ReadTarGz(t, res.Path)
	root := strings.TrimSuffix(filepath.Base(res.Path), ".tar.gz") + "/"
	server := root + "nodes/nomad-server1/"
	want := map[string]string{
		root + "index.txt":                            "nomad-client1        UNREACHABLE",
		root + "nomadbox/nomadbox.log":                "nomadbox halt",
		root + "nomadbox/topology.hcl":                "acl               = true",
		root + "nomadbox/last-verify.json":            `"healthy": true`,
		server + "journal/nomad.log":                  "cluster leadership acquired",
		server + "journal/consul.log":                 "agent",
		server + "journal/firewall.log":               "nomadbox host firewall",
		server + "journal/dnsmasq.log":                "dnsmasq",
		server + "config/etc/consul.d/consul.hcl":     "bootstrap_expect",
		server + "config/etc/consul.d/encrypt.hcl":    "[redacted]",
		server + "config/etc/consul.d/acl-tokens.hcl": "[redacted]",
		server + "config/etc/nomad.d/nomad.hcl":       "bootstrap_expect",
		server + "config/etc/nftables.d/nomadbox.nft": "table inet nomadbox",
		server + "config/etc/dnsmasq.d/10-consul":     "server=/consul/127.0.0.1#8600",
		server + "config/etc/resolv.conf":             "nameserver",
		server + "commands/consul-members.txt":        "# exit status 0",
		server + "commands/consul-raft-peers.txt":     "leader",
		server + "commands/nomad-server-members.txt":  "# exit status 0",
		server + "commands/nomad-node-status.txt":     "nomad-client1",
		server + "commands/nomad-raft-peers.txt":      "# exit status 0",
		server + "commands/nft-ruleset.txt":           "table inet nomadbox",
		server + "commands/systemctl-status.txt":      "nomad.service",
	}
	for name, text := range want {
		body, ok := files[name]
		if !ok {
			t.Errorf("archive lacks %s", name)
		} else if !strings.Contains(body, text) {
			t.Errorf("%s lacks %q:\n%s", name, text, body)
		}
	}
	if t.Failed() {
		var names []string
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Logf("archive holds:\n%s", strings.Join(names, "\n"))
	}
	secretValues := nbsecrets.Values(filepath.Dir(secretsDir))
	if len(secretValues) < 3 {
		t.Fatalf("found only %d secrets in %s", len(secretValues), secretsDir)
	}
	for name, body := range files {
		for _, s := range secretValues {
			if strings.Contains(body, s) {
				t.Errorf("%s holds a secret from %s", name, secretsDir)
			}
		}
	}
}

// withEnv runs a real CLI in a shell that evaluated `nomadbox env`, the
// way the README tells users to.
func (c *cluster) withEnv(t *testing.T, bin string, args ...string) string {
	t.Helper()
	return c.withToken(t, "management", bin, args...)
}

// withToken is withEnv with `nomadbox env --token token`; the command
// must succeed.
func (c *cluster) withToken(t *testing.T, token, bin string, args ...string) string {
	t.Helper()
	out, err := c.envRun(token, bin, args...)
	if err != nil {
		t.Fatalf("%s %s after eval \"$(nomadbox env --token %s)\": %v\n%s", filepath.Base(bin), strings.Join(args, " "), token, err, out)
	}
	return out
}

// envRun runs bin in a shell that evaluated `nomadbox env --token
// token`, returning its output and how it ended.
func (c *cluster) envRun(token, bin string, args ...string) (string, error) {
	script := `eval "$("$NOMADBOX" env --token "$TOKEN")" && exec "$@"`
	cmd := exec.Command("bash", append([]string{"-c", script, "sh", bin}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = append(append(os.Environ(), c.env...), "NOMADBOX="+nomadboxBin, "TOKEN="+token)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// leastPrivilege checks Consul's tokens on the nodes: no node's
// configuration holds a management token once the ACL system exists, and
// a client's own agent token may update that node's catalog entry but
// not another node's, nor write KV or read other tokens.
func (c *cluster) leastPrivilege(secretsDir, server, client string) {
	t := c.t
	management := []string{readSecret(t, secretsDir, "consul-management.token"), readSecret(t, secretsDir, "nomad-management.token")}
	for _, n := range []string{"nomad-server1", "nomad-client1"} {
		conf := c.ssh(n, "sudo sh -c 'cat /etc/consul.d/*.hcl /etc/nomad.d/*.hcl'")
		for _, m := range management {
			if strings.Contains(conf, m) {
				t.Errorf("%s: the agents' configuration holds a management token", n)
			}
		}
		if strings.Contains(conf, "initial_management") {
			t.Errorf("%s: Consul's configuration still bootstraps ACLs (initial_management)", n)
		}
		if !strings.Contains(conf, readSecret(t, secretsDir, "consul-agent-"+n+".token")) {
			t.Errorf("%s: Consul does not use the node's own agent token", n)
		}
	}
	hc := caClient(t, filepath.Join(secretsDir, "tls", "ca.pem"))
	api := "https://" + server + ":8501"
	mine := readSecret(t, secretsDir, "consul-agent-nomad-client1.token")
	serverAccessor := c.consulAccessor(hc, api, readSecret(t, secretsDir, "consul-agent-nomad-server1.token"))
	for _, tc := range []struct {
		what, method, path, body string
		want                     int
	}{
		{"update its own node", "PUT", "/v1/catalog/register", `{"Node":"nomad-client1","Address":"` + client + `"}`, http.StatusOK},
		{"update another node", "PUT", "/v1/catalog/register", `{"Node":"nomad-server1","Address":"` + server + `"}`, http.StatusForbidden},
		{"register a service for another node", "PUT", "/v1/catalog/register", `{"Node":"nomad-server1","Address":"` + server + `","Service":{"Service":"intruder","Port":1}}`, http.StatusForbidden},
		{"write a KV key", "PUT", "/v1/kv/nomadbox-e2e-intruder", "x", http.StatusForbidden},
		{"read another node's token", "GET", "/v1/acl/token/" + serverAccessor, "", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(tc.method, api+tc.path, strings.NewReader(tc.body))
		req.Header.Set("X-Consul-Token", mine)
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("nomad-client1's agent token may %s? %s, want %d", tc.what, resp.Status, tc.want)
		}
	}
}

// consulAccessor is the accessor ID of the token with this secret.
func (c *cluster) consulAccessor(hc *http.Client, api, secret string) string {
	t := c.t
	req, _ := http.NewRequest("GET", api+"/v1/acl/token/self", nil)
	req.Header.Set("X-Consul-Token", secret)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ AccessorID string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessorID == "" {
		t.Fatalf("reading a token's accessor: %s %v", resp.Status, err)
	}
	return tok.AccessorID
}

// caClient trusts the cluster's CA and nothing else.
func caClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:           nil,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
}

func readSecret(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		t.Fatalf("secret %s: %v", name, err)
	}
	return string(bytes.TrimSpace(b))
}
