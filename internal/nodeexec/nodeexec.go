// Package nodeexec runs commands on cluster nodes over SSH, straight to
// their private addresses with the key Ansible uses, which is much faster
// than `vagrant ssh` (no Vagrant start-up per command) and works the same
// for every provider.
package nodeexec

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/hostkeys"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// SSH reaches nodes as User with Key.
type SSH struct {
	User     string
	Key      string
	Port     int
	Topology *topology.Topology
	Runner   *execx.Runner
	// Reach overrides, per node, where and as whom it is reached: what a
	// plugin provider reports for its machines.
	Reach map[string]provider.SSH
	// KnownHosts, when set, is the only file of host keys trusted, and a
	// host not in it or with another key is refused (existing hosts).
	// Machines nomadbox creates get new keys with every rebuild and are
	// reached without the check.
	KnownHosts string
	// ClassicalKex offers only the classical key exchanges (KexAlgorithms).
	ClassicalKex bool
}

// KexAlgorithms are the key exchanges offered to the machines that a
// provider makes with Vagrant's insecure key. OpenSSH 9's default,
// sntrup761x25519, costs the client about 70 ms of CPU per connection
// (measured: 0.07 s user against 0.00 s for curve25519-sha256), paid by
// every verify pass on every node and every Ansible connection; it guards
// a session against a future quantum computer, and a session whose login
// key is published guards nothing. Machines the user owns (the ssh
// provider, a plugin's own keys) keep OpenSSH's defaults.
const KexAlgorithms = "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256"

// VagrantKey is the private key Vagrant installs in its home folder; the
// rendered Vagrantfile keeps it (insert_key = false).
func VagrantKey() string {
	home := os.Getenv("VAGRANT_HOME")
	if home == "" {
		h, _ := os.UserHomeDir()
		home = filepath.Join(h, ".vagrant.d")
	}
	return filepath.Join(home, "insecure_private_key")
}

// Login is how the ssh provider's block says nodes are logged in to
// (its user, private_key and port attributes): internal/providers/ssh
// reads its block into a Config that holds it.
type Login struct {
	User       string `json:"user"`
	PrivateKey string `json:"private_key"`
	Port       int    `json:"port"`
}

// LoginOf reads the login attributes of the ssh provider's block values.
func LoginOf(config map[string]any) Login {
	var l Login
	// The values were checked against the provider's schema.
	_ = (&provider.Cluster{Config: config}).DecodeConfig(&l)
	return l
}

// For returns the SSH settings for t's nodes; dir is the render
// directory (the ssh provider's recorded host keys).
func For(t *topology.Topology, r *execx.Runner, dir string) *SSH {
	if t.Provider.Name == "ssh" {
		l := LoginOf(t.Provider.Config)
		return &SSH{User: l.User, Key: l.PrivateKey, Port: l.Port, Topology: t, Runner: r, KnownHosts: hostkeys.Path(dir)}
	}
	return &SSH{User: "vagrant", Key: VagrantKey(), Port: 22, Topology: t, Runner: r, ClassicalKex: t.Provider.UsesVagrant()}
}

// Address is where n is reached.
func (s *SSH) Address(n topology.Node) string {
	if r, ok := s.Reach[n.Name]; ok && r.Host != "" {
		return r.Host
	}
	return s.Topology.HostAddress(n)
}

// Args are the ssh arguments that reach n (before the remote command).
func (s *SSH) Args(n topology.Node, tty bool) []string {
	args := []string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"}
	if s.KnownHosts != "" {
		args = []string{"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + s.KnownHosts}
	}
	args = append(args,
		"-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
	)
	port, key, user := s.Port, s.Key, s.User
	if r, ok := s.Reach[n.Name]; ok {
		if r.Port != 0 {
			port = r.Port
		}
		if r.PrivateKeyPath != "" {
			key = r.PrivateKeyPath
		}
		if r.User != "" {
			user = r.User
		}
	}
	if s.ClassicalKex && key == VagrantKey() {
		args = append(args, "-o", "KexAlgorithms="+KexAlgorithms)
	}
	args = append(args, "-p", strconv.Itoa(port))
	if key != "" {
		args = append(args, "-i", key)
	}
	if tty {
		args = append(args, "-t")
	}
	return append(args, user+"@"+s.Address(n))
}

// Exec runs a shell command on n and returns its standard output.
func (s *SSH) Exec(ctx context.Context, n topology.Node, cmd string) (string, error) {
	out, err := s.Runner.Output(ctx, execx.Command("ssh", append(s.Args(n, false), "--", cmd)...))
	return strings.TrimSpace(string(out)), err
}

// HostKeyTargets are the nodes as hostkeys checks them: where SSH
// reaches each.
func (s *SSH) HostKeyTargets(nodes []topology.Node) []hostkeys.Host {
	var out []hostkeys.Host
	for _, n := range nodes {
		out = append(out, hostkeys.Host{Name: n.Name, Address: s.Address(n), Port: s.Port})
	}
	return out
}
