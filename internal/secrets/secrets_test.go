package secrets

import (
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/nomadbox/nomadbox/internal/topology"
)

func secureTopology(t *testing.T) *topology.Topology {
	t.Helper()
	topo, diags := topology.NewParser().Parse([]byte(`
cluster "sec" {
  datacenter = "dc7"
  region     = "eu"
}
provider "docker" {}
server "nomad-server" { count = 3 }
client "nomad-client" {}
security {
  gossip_encryption = true
  tls = true
  acl = true
}
`), "sec.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return topo
}

func TestEnsureCreatesEverySecretOnce(t *testing.T) {
	dir := t.TempDir()
	topo := secureTopology(t)
	if err := Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "secrets/consul-gossip.key"))
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.StdEncoding.DecodeString(string(key)); err != nil || len(raw) != 32 {
		t.Errorf("gossip key is not 32 base64 bytes: %q", key)
	}
	tokens := map[string]bool{}
	for _, name := range []string{ConsulManagementToken, NomadManagementToken} {
		tok, err := ReadToken(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(tok) {
			t.Errorf("%s is not a v4 UUID: %q", name, tok)
		}
		tokens[tok] = true
	}
	if len(tokens) != 2 {
		t.Error("Consul and Nomad got the same management token")
	}
	filepath.Walk(filepath.Join(dir, "secrets"), func(p string, info os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if info.IsDir() && info.Mode().Perm() != 0o700 || !info.IsDir() && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", p, info.Mode().Perm())
		}
		return nil
	})

	// Ensure again: nothing is replaced.
	before := snapshot(t, dir)
	if err := Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed on the second Ensure", p)
		}
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func TestCertificatesCarryTheAgentsNames(t *testing.T) {
	dir := t.TempDir()
	topo := secureTopology(t)
	if err := Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(dir, "secrets/tls")
	caDER, err := readPEM(filepath.Join(tlsDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, tt := range []struct{ file, name, ip string }{
		{"nomad-server2-consul.pem", "server.dc7.consul", "192.168.56.12"},
		{"nomad-server1-nomad.pem", "server.eu.nomad", "192.168.56.11"},
		{"nomad-client1-nomad.pem", "client.eu.nomad", "192.168.56.101"},
		{"nomad-client1-consul.pem", "client.dc7.consul", "192.168.56.101"},
	} {
		der, err := readPEM(filepath.Join(tlsDir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := cert.Verify(x509.VerifyOptions{DNSName: tt.name, Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
				t.Errorf("%s does not verify as %s: %v", tt.file, tt.name, err)
			}
		}
		if err := cert.VerifyHostname(tt.ip); err != nil {
			t.Errorf("%s lacks the node address: %v", tt.file, err)
		}
	}
}

func TestNothingWhenSecurityIsOff(t *testing.T) {
	dir := t.TempDir()
	topo := secureTopology(t)
	topo.Security = topology.Security{}
	if err := Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "secrets"))
	if len(entries) != 0 {
		t.Errorf("secrets written with security off: %v", entries)
	}
}
