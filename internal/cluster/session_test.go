package cluster

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/secrets"
)

// The exec layer masks every secret: each token, the gossip keys and
// every line of a private key's body, but no certificate (public).
func TestReadSecrets(t *testing.T) {
	dir := t.TempDir()
	topo := envTopology(t, "security {\n  gossip_encryption = true\n  tls = true\n  acl = true\n}")
	if err := secrets.Ensure(dir, topo); err != nil {
		t.Fatal(err)
	}
	got := secrets.Values(dir)
	for _, name := range []string{secrets.ConsulManagementToken, secrets.NomadManagementToken, secrets.ConsulAgentToken("nomad-client1"), secrets.ConsulDNSToken, "consul-gossip.key"} {
		v, err := secrets.ReadToken(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got, v) {
			t.Errorf("%s is not masked", name)
		}
	}
	keys, _ := filepath.Glob(filepath.Join(secrets.Dir(dir), "tls", "*-key.pem"))
	if len(keys) == 0 {
		t.Fatal("no private keys were created")
	}
	key, _ := os.ReadFile(keys[0])
	body := strings.Split(strings.TrimSpace(string(key)), "\n")[1]
	if !slices.Contains(got, body) {
		t.Errorf("a line of %s is not masked", filepath.Base(keys[0]))
	}
	ca, _ := os.ReadFile(secrets.Path(dir, secrets.CACert))
	for _, l := range strings.Split(string(ca), "\n") {
		if l != "" && slices.Contains(got, l) {
			t.Errorf("the CA certificate's line %q is masked: certificates are public", l)
		}
	}
}

// A name the topology lacks is refused with every node it has; the
// first unknown name is the one named.
func TestCheckNodes(t *testing.T) {
	topo := envTopology(t, "")
	if err := CheckNodes(topo, "nomad-server1", "nomad-client1"); err != nil {
		t.Fatal(err)
	}
	err := CheckNodes(topo, "nomad-client1", "nomad-client9", "x")
	var unknown *UnknownNodeError
	if !errors.As(err, &unknown) || unknown.Name != "nomad-client9" ||
		err.Error() != `no node "nomad-client9" in cluster "env"; its nodes are nomad-server1, nomad-client1` {
		t.Errorf("err = %v", err)
	}
}
