// Package secrets creates the keys, certificates and tokens a cluster's
// security settings call for, in the render directory's secrets/ folder
// (mode 0700). Existing secrets are never replaced: rendering again must
// not rotate a running cluster's keys. Nothing here is ever printed.
package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Dir is the secrets folder inside a render directory.
func Dir(renderDir string) string { return filepath.Join(renderDir, "secrets") }

// Files in the secrets folder that are read outside this package. The
// Ansible roles name the same files (roles/*/defaults/main.yml).
const (
	// ConsulManagementToken bootstraps Consul's ACL system; only nomadbox
	// uses it, from this machine (servers hold it in their configuration
	// until the bootstrap is done, see the consul role).
	ConsulManagementToken = "consul-management.token"
	// NomadManagementToken is the secret Nomad's ACL system is
	// bootstrapped with (`nomad acl bootstrap` with a given secret).
	NomadManagementToken = "nomad-management.token"
	// The Consul tokens of Nomad's Consul integration, one for the
	// servers and one for the clients, with the policies HashiCorp
	// documents for Nomad agents (roles/consul/defaults/main.yml).
	ConsulNomadServerToken = "consul-nomad-server.token"
	ConsulNomadClientToken = "consul-nomad-client.token"
	// ConsulDNSToken answers DNS queries: acl.tokens.dns from Consul 1.17
	// on; older agents answer DNS with the anonymous token instead.
	ConsulDNSToken = "consul-dns.token"
	// Nomad tokens nomadbox creates through the API for `nomadbox env
	// --token read|submit` (Nomad generates their secrets).
	NomadReadToken   = "nomad-read.token"
	NomadSubmitToken = "nomad-submit.token"
	// CACert is the cluster CA's certificate, public.
	CACert = "tls/ca.pem"
)

// ConsulAgentToken is the file of node's own Consul agent token, bound
// to the node by a node identity: it may update that node's catalog entry
// and read services, nothing else.
func ConsulAgentToken(node string) string { return "consul-agent-" + node + ".token" }

// Path is the path of a file in renderDir's secrets folder.
func Path(renderDir, name string) string {
	return filepath.Join(Dir(renderDir), filepath.FromSlash(name))
}

// ReadToken reads a token file, without its trailing newline.
func ReadToken(renderDir, name string) (string, error) {
	b, err := os.ReadFile(Path(renderDir, name))
	if err != nil {
		return "", fmt.Errorf("reading the cluster's %s (render again with `nomadbox render`): %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Ensure creates every secret t needs that does not exist yet.
func Ensure(renderDir string, t *topology.Topology) error {
	dir := Dir(renderDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// MkdirAll leaves an existing folder's mode alone; secrets must not be
	// readable by others even if the folder was made by hand.
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if t.Security.GossipEncryption {
		for _, name := range []string{"consul-gossip.key", "nomad-gossip.key"} {
			if err := ensureFile(filepath.Join(dir, name), gossipKey); err != nil {
				return err
			}
		}
	}
	if t.Security.ACL {
		names := []string{ConsulManagementToken, NomadManagementToken, ConsulNomadServerToken, ConsulNomadClientToken, ConsulDNSToken}
		for _, n := range t.Nodes() {
			names = append(names, ConsulAgentToken(n.Name))
		}
		for _, name := range names {
			if err := ensureFile(filepath.Join(dir, name), uuid); err != nil {
				return err
			}
		}
	}
	if t.Security.TLS {
		if err := ensureTLS(filepath.Join(dir, "tls"), t); err != nil {
			return err
		}
	}
	return nil
}

// ensureFile writes make()'s output to path unless path exists. The file
// is written under a temporary name and renamed, so a crash never leaves
// a truncated key behind.
func ensureFile(path string, make func() ([]byte, error)) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, err := make()
	if err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// gossipKey is 32 random bytes, base64: what `consul keygen` and `nomad
// operator gossip keyring generate` produce (AES-256).
func gossipKey() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.StdEncoding.EncodeToString(b)), nil
}

// uuid is a random (version 4) UUID, the form Consul expects for tokens.
func uuid() ([]byte, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return []byte(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])), nil
}

// Values returns every secret value in renderDir's secrets folder, for
// masking and for proofs that none leaked: each token and key whole, and
// each line of a private key's body (a key leaks line by line).
// Certificates are public and left out.
func Values(renderDir string) []string {
	var out []string
	filepath.Walk(Dir(renderDir), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		text := strings.TrimSpace(string(b))
		if strings.HasSuffix(p, "-key.pem") {
			// A key appears line by line wherever it leaks: mask each
			// line of its body.
			for _, l := range strings.Split(text, "\n") {
				if l = strings.TrimSpace(l); len(l) >= 16 && !strings.HasPrefix(l, "-----") {
					out = append(out, l)
				}
			}
			return nil
		}
		if strings.HasSuffix(p, ".pem") || len(text) < 8 {
			return nil // certificates are public
		}
		out = append(out, text)
		return nil
	})
	return out
}
