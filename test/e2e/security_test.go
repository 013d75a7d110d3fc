//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

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
// unreachable and holds no secret.
func TestSecurity(t *testing.T) {
	const name, cidr = "e2e-secure", "192.168.185.0/24"
	c := newCluster(t, name, cidr, 1, 1)
	c.editTopology(regexp.MustCompile(`(?s)\nsecurity \{.*?\n\}`),
		"\nsecurity {\n  gossip_encryption = true\n  tls               = true\n  acl               = true\n}")
	server, client := c.hostIP(11), c.hostIP(101)
	secrets := filepath.Join(c.dir, ".nomadbox", name, "secrets")

	c.mustRun("up")

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
			{"PUT", "http://" + server + ":8500/v1/kv/nomadbox-e2e", http.StatusForbidden},
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

	// Last: it halts the client.
	t.Run("export logs collects every node without a secret, a halted one marked", func(t *testing.T) {
		c := c.with(t)
		c.exportLogsRedacted(secrets)
	})
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
	secretValues := secretsIn(t, secretsDir)
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

// secretsIn reads every secret value nomadbox keeps: tokens and keys
// whole, and from private keys in PEM a line of their body.
func secretsIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.TrimSpace(string(b))
		switch {
		case strings.Contains(text, "PRIVATE KEY"):
			lines := strings.Split(text, "\n")
			out = append(out, lines[1])
		case !strings.Contains(text, "CERTIFICATE"):
			out = append(out, text)
		}
		return nil
	})
	return out
}

// withEnv runs a real CLI in a shell that evaluated `nomadbox env`, the
// way the README tells users to.
func (c *cluster) withEnv(t *testing.T, bin string, args ...string) string {
	t.Helper()
	script := `eval "$("$NOMADBOX" env)" && exec "$@"`
	cmd := exec.Command("bash", append([]string{"-c", script, "sh", bin}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "NOMADBOX="+nomadboxBin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s after eval \"$(nomadbox env)\": %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	return out.String()
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
