package main

// The plumbing under the provider: running docker and ssh-keygen, finding
// the cluster's containers, its network, addresses and key.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/nomadbox/nomadbox/provider"
)

// box is one of the cluster's containers as Docker reports it.
type box struct {
	ref   string // container ID (or name, for one just created)
	state string // a provider.State* value
	addr  string // the fixed address it was created with
}

// containersOf is the cluster's containers by node, found by label.
func containersOf(ctx context.Context, c *provider.Cluster) (map[string]box, error) {
	out, err := docker(ctx, "ps", "--all", "--filter", "label="+clusterLabel+"="+c.Name, "--format",
		`{{.ID}} {{.State}} {{.Label "`+nodeLabel+`"}} {{.Label "`+addressLabel+`"}}`)
	if err != nil {
		return nil, err
	}
	have := map[string]box{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 4 {
			have[f[2]] = box{ref: f[0], state: stateOf(f[1]), addr: f[3]}
		}
	}
	return have, nil
}

// stateOf maps Docker's container states onto nomadbox's; the others
// (paused, removing) pass as Docker names them.
func stateOf(docker string) string {
	switch docker {
	case "running", "restarting":
		return provider.StateRunning
	case "created", "exited", "dead":
		return provider.StateStopped
	}
	return docker
}

// chooseFree gives each node without a container the lowest address of
// the CIDR that no container of the cluster holds (.0 is the network,
// .1 Docker's gateway).
func chooseFree(c *provider.Cluster, nodes []provider.Node, have map[string]box) (map[string]string, error) {
	prefix, err := netip.ParsePrefix(c.CIDR)
	if err != nil {
		return nil, fmt.Errorf("the cluster's CIDR %q: %w", c.CIDR, err)
	}
	used := map[string]bool{}
	for _, ctr := range have {
		used[ctr.addr] = true
	}
	next := prefix.Masked().Addr().Next().Next()
	addrs := map[string]string{}
	for _, n := range nodes {
		if _, ok := have[n.Name]; ok {
			continue
		}
		for used[next.String()] {
			next = next.Next()
		}
		if !prefix.Contains(next) {
			return nil, fmt.Errorf("the cluster's CIDR %s has no free address left for %s", prefix, n.Name)
		}
		addrs[n.Name], used[next.String()] = next.String(), true
	}
	return addrs, nil
}

func networkOf(c *provider.Cluster) string { return "nomadbox-" + c.Name }

// makeNetwork creates the cluster's network, or checks the one there
// has the cluster's CIDR, which the addresses come from.
func makeNetwork(ctx context.Context, c *provider.Cluster) error {
	want, err := netip.ParsePrefix(c.CIDR)
	if err != nil {
		return fmt.Errorf("the cluster's CIDR %q: %w", c.CIDR, err)
	}
	name := networkOf(c)
	subnets, err := docker(ctx, "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", name)
	if err != nil { // none yet
		_, err = docker(ctx, "network", "create", "--subnet", want.Masked().String(), "--label", clusterLabel+"="+c.Name, name)
		return err
	}
	if slices.Contains(strings.Fields(subnets), want.Masked().String()) {
		return nil
	}
	return fmt.Errorf("docker network %s exists with subnet %q, not the cluster's %s: remove it (`docker network rm %s`)", name, subnets, want.Masked(), name)
}

func imageOf(c *provider.Cluster) string {
	var s settings
	if c.DecodeConfig(&s) != nil || s.Image == "" {
		return defaultImage
	}
	return s.Image
}

// pick is the named nodes, every node for none.
func pick(c *provider.Cluster, names []string) ([]provider.Node, error) {
	if len(names) == 0 {
		return c.Nodes, nil
	}
	var nodes []provider.Node
	for _, name := range names {
		i := slices.IndexFunc(c.Nodes, func(n provider.Node) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("node %q is not in the topology", name)
		}
		nodes = append(nodes, c.Nodes[i])
	}
	return nodes, nil
}

// inParallel runs f on every item at once and joins the failures, so one
// broken node does not hide what happened to the others.
func inParallel[T any](items []T, f func(T) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Go(func() { errs[i] = f(item) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// keyFile is the cluster's private key, under Cluster.Dir (an absolute
// path) so that List reports an absolute path and destroy removes it.
func keyFile(c *provider.Cluster) string {
	return filepath.Join(c.Dir, "container-provider", "id_ed25519")
}

// publicKey is the public half of the cluster's key, made first if need be.
func publicKey(ctx context.Context, c *provider.Cluster) (string, error) {
	key := keyFile(c)
	if _, err := os.Stat(key); err != nil {
		if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
			return "", err
		}
		// ssh-keygen writes the key readable by its owner only, as ssh
		// wants it.
		if _, err := run(ctx, "ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-C", "nomadbox-"+c.Name, "-f", key); err != nil {
			return "", fmt.Errorf("creating the cluster's SSH key (is OpenSSH's ssh-keygen installed?): %w", err)
		}
	}
	return run(ctx, "ssh-keygen", "-y", "-f", key)
}

// authorize lets the key log in as the node's user: a provider's own key
// is nothing to sshd until it is in authorized_keys. The key is an
// argument, never part of the script, and is added once however often
// Up runs.
func authorize(ctx context.Context, ref, pub string) error {
	const script = `set -e; d=/home/vagrant/.ssh; f=$d/authorized_keys
mkdir -p "$d" && touch "$f" && { grep -qxF "$1" "$f" || printf '%s\n' "$1" >>"$f"; }
chmod 700 "$d" && chmod 600 "$f" && chown -R vagrant:vagrant "$d"`
	_, err := docker(ctx, "exec", ref, "sh", "-c", script, "sh", pub)
	return err
}

func docker(ctx context.Context, args ...string) (string, error) { return run(ctx, "docker", args...) }

// run runs a command, logs it, and returns its output. A failure names
// the command and quotes what it wrote to stderr: that is what the user
// needs to fix it.
func run(ctx context.Context, name string, args ...string) (string, error) {
	line := name + " " + strings.Join(args, " ")
	log.Print(line)
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exit.Stderr)))
		}
		return "", fmt.Errorf("`%s`: %w", line, err)
	}
	return strings.TrimSpace(string(out)), nil
}
