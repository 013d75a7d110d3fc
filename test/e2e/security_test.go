//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestSecurity turns every protection on (gossip encryption, TLS, ACLs)
// on 1 server + 1 client: the cluster verifies healthy through TLS with
// the management tokens nomadbox generated; anonymous API requests are
// refused while DNS still answers; jobs run through nomadbox; `env`
// points the real consul and nomad CLIs at the cluster; and a second
// provision changes nothing (the ACL bootstrap is done once).
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

	t.Run("a second provision changes nothing", func(t *testing.T) {
		c := c.with(t)
		c.provisionChangesNothing(2)
	})
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
