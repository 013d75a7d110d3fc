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
	"github.com/nomadbox/nomadbox/internal/topology"
)

// SSH reaches nodes as User with Key.
type SSH struct {
	User     string
	Key      string
	Port     int
	Topology *topology.Topology
	Runner   *execx.Runner
}

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

// For returns the SSH settings for t's nodes.
func For(t *topology.Topology, r *execx.Runner) *SSH {
	if t.Provider.Name == "ssh" {
		return &SSH{User: t.Provider.User, Key: t.Provider.PrivateKey, Port: t.Provider.Port, Topology: t, Runner: r}
	}
	return &SSH{User: "vagrant", Key: VagrantKey(), Port: 22, Topology: t, Runner: r}
}

// Address is where n is reached.
func (s *SSH) Address(n topology.Node) string { return s.Topology.HostAddress(n) }

// Args are the ssh arguments that reach n (before the remote command).
func (s *SSH) Args(n topology.Node, tty bool) []string {
	args := []string{
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-p", strconv.Itoa(s.Port),
	}
	if s.Key != "" {
		args = append(args, "-i", s.Key)
	}
	if tty {
		args = append(args, "-t")
	}
	return append(args, s.User+"@"+s.Address(n))
}

// Exec runs a shell command on n and returns its standard output.
func (s *SSH) Exec(ctx context.Context, n topology.Node, cmd string) (string, error) {
	out, err := s.Runner.Output(ctx, execx.Command("ssh", append(s.Args(n, false), "--", cmd)...))
	return strings.TrimSpace(string(out)), err
}
