package bundle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/journal"
)

// configFiles are what nomadbox's roles install and a maintainer asks
// for: the agents' configurations (not their TLS keys), the units, the
// firewall ruleset, the DNS forwarder's files and the resolver. Missing
// ones (a forwarder the topology does not use) are skipped on the node.
var configFiles = []string{
	"/etc/consul.d/*.hcl",
	"/etc/nomad.d/*.hcl",
	"/etc/systemd/system/consul.service",
	"/etc/systemd/system/nomad.service",
	"/etc/systemd/system/nomadbox-firewall.service",
	"/etc/nftables.d/nomadbox.nft",
	"/etc/docker/daemon.json",
	"/etc/dnsmasq.d/10-consul",
	"/etc/dnsmasq-upstream.conf",
	"/etc/systemd/resolved.conf.d/nomadbox.conf",
	"/etc/resolv.conf",
	"/etc/hosts",
}

// commands are the cluster's views from the node, each into its own file
// under commands/ with the command line first and its exit status last.
var commands = [][2]string{
	{"consul-members.txt", "consul members"},
	{"consul-raft-peers.txt", "consul operator raft list-peers"},
	{"nomad-server-members.txt", "nomad server members"},
	{"nomad-node-status.txt", "nomad node status -verbose"},
	{"nomad-raft-peers.txt", "nomad operator raft list-peers"},
	{"nft-ruleset.txt", "nft list ruleset"},
	{"ip-address.txt", "ip address show"},
}

// Script is the shell script a node runs as root (read from standard
// input, so the tokens in env never appear in a command line): it writes
// the journals of units, the configuration files and the commands'
// output into a temporary directory and prints it as a gzipped tar on
// standard output, which is all it prints there. env holds the
// variables the consul and nomad CLIs need beyond what the node's
// /etc/profile.d/nomadbox.sh sets (the ACL tokens).
func Script(units []journal.Unit, since string, env map[string]string) string {
	var b strings.Builder
	b.WriteString(`set -u
umask 077
out=$(mktemp -d /tmp/nomadbox-export.XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/journal" "$out/config" "$out/commands"
# run FILE CMD...: CMD's output and errors into FILE, bounded in time.
run() {
  local file=$1
  shift
  {
    printf '$ %s\n' "$*"
    timeout 60 "$@" 2>&1
    printf '# exit status %s\n' "$?"
  } >"$out/$file" </dev/null
}
[ -r /etc/profile.d/nomadbox.sh ] && . /etc/profile.d/nomadbox.sh
`)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s\n", k, execx.Quote([]string{env[k]}))
	}
	for _, u := range units {
		args := []string{"journalctl", "--no-pager", "--output=short-iso-precise", "--unit=" + u.Systemd}
		if since != "" {
			args = append(args, "--since="+since)
		}
		fmt.Fprintf(&b, "run journal/%s.log %s\n", u.Name, execx.Quote(args))
	}
	var systemd []string
	for _, u := range units {
		systemd = append(systemd, u.Systemd)
	}
	fmt.Fprintf(&b, "run commands/systemctl-status.txt systemctl status --no-pager --full %s\n", execx.Quote(systemd))
	for _, c := range commands {
		fmt.Fprintf(&b, "run commands/%s %s\n", c[0], c[1])
	}
	fmt.Fprintf(&b, `for f in %s; do
  [ -f "$f" ] || continue
  mkdir -p "$out/config${f%%/*}" && cp -L "$f" "$out/config$f"
done
tar -C "$out" -czf - .
`, strings.Join(configFiles, " "))
	return b.String()
}
