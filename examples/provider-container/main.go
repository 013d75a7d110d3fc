// Command nomadbox-provider-container is an example nomadbox provider
// plugin: each node of the topology is a Docker container running the
// node image `nomadbox box build` makes (Debian with systemd as PID 1,
// sshd and a `vagrant` user), on a Docker network of the cluster's CIDR.
//
// It is written to be read. It uses only the public package
// github.com/nomadbox/nomadbox/provider and drives Docker through the
// `docker` CLI, so everything it does can be replayed by hand. Install it
// as nomadbox-provider-container in $NOMADBOX_PLUGIN_PATH,
// ~/.nomadbox/plugins or PATH and select it with
//
//	provider "container" { image = "nomadbox/node:bookworm" }
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nomadbox/nomadbox/provider"
)

const (
	version      = "0.1.0"
	defaultImage = "nomadbox/node:bookworm"

	// Labels are how the plugin finds its containers and network again:
	// it keeps no state of its own beyond the SSH key, so List, Halt and
	// Destroy work from any process, after any crash.
	labelCluster = "nomadbox.cluster"
	labelNode    = "nomadbox.node"

	// The node image's user, the one nomadbox's Ansible run logs in as.
	sshUser = "vagrant"
	// How long Up waits for sshd once a container runs: systemd boots
	// the image in a few seconds, so a minute means something is wrong.
	sshTimeout = 60 * time.Second
)

func main() {
	// The log is nomadbox's cluster log: go-plugin owns stdout.
	log.SetOutput(os.Stderr)
	log.SetFlags(0)
	log.SetPrefix("provider-container: ")
	provider.Serve(&containers{})
}

// containers is the provider. It holds nothing: every call learns the
// cluster from its argument and the machines from Docker.
type containers struct{}

// config is the topology's provider block.
type config struct {
	Image   string `json:"image"`
	Network string `json:"network"`
}

// configOf decodes the block. nomadbox applies the schema's defaults
// before calling, but a plugin is also called by tests and other hosts,
// so it applies them again rather than trust an empty value.
func configOf(c *provider.Cluster) (config, error) {
	var cfg config
	if err := c.DecodeConfig(&cfg); err != nil {
		return cfg, fmt.Errorf("the provider block: %w", err)
	}
	if cfg.Image == "" {
		cfg.Image = defaultImage
	}
	if cfg.Network == "" {
		cfg.Network = "nomadbox-" + c.Name
	}
	return cfg, nil
}

func (*containers) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{
		Name:     "container",
		Version:  version,
		Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{
			// Each container is one `docker run`; Docker is happy to
			// run several at once.
			ParallelUp: true,
			CanHalt:    true,
			// List reads each container's address from Docker rather
			// than promising Node.Address.
			ReportsAddresses: true,
		},
	}, nil
}

func (*containers) Schema(context.Context) (*provider.Schema, error) {
	return &provider.Schema{Attributes: []provider.Attribute{
		{Name: "image", Type: provider.TypeString, Default: defaultImage,
			Description: "Node image to run: systemd as PID 1, sshd and a vagrant user (`nomadbox box build` makes it)."},
		{Name: "network", Type: provider.TypeString, Default: "",
			Description: "Docker network of the cluster's CIDR; empty means nomadbox-<cluster name>."},
	}}, nil
}

// networkName is what Docker accepts as a container name. The daemon
// takes almost any network name, but a name outside this pattern does
// not survive `--network` and `--filter` arguments (":" means
// container:<id>, "," and "=" split filters).
var networkName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func (*containers) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	var cfg config
	if err := c.DecodeConfig(&cfg); err != nil {
		return nil, err
	}
	var diags []provider.Diagnostic
	if strings.TrimSpace(cfg.Image) == "" {
		diags = append(diags, provider.Diagnostic{
			Severity: provider.SeverityError, Path: provider.AtAttribute("image"), Summary: "Empty image",
			Detail: fmt.Sprintf("Name the node image to run, or leave the attribute out for %q.", defaultImage),
		})
	}
	if n := cfg.Network; n != "" {
		switch {
		case !networkName.MatchString(n):
			diags = append(diags, provider.Diagnostic{
				Severity: provider.SeverityError, Path: provider.AtAttribute("network"), Summary: "Invalid network name",
				Detail: fmt.Sprintf("%q is not a Docker network name: use letters, digits, '_', '.' and '-', starting with a letter or digit.", n),
			})
		case n == "bridge" || n == "host" || n == "none":
			// Docker's predefined networks take neither a subnet nor
			// fixed addresses.
			diags = append(diags, provider.Diagnostic{
				Severity: provider.SeverityError, Path: provider.AtAttribute("network"), Summary: "Predefined network",
				Detail: fmt.Sprintf("%q is one of Docker's own networks, which cannot carry the cluster's CIDR: name another or leave it empty.", n),
			})
		}
	}
	return diags, nil
}

func (*containers) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	cfg, err := configOf(c)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("the docker CLI is not on PATH: install Docker Engine (https://docs.docker.com/engine/install/)")
	}
	v, err := docker(ctx, "info", "--format", "{{.ServerVersion}}")
	if err != nil {
		return fmt.Errorf("the Docker daemon does not answer: start dockerd (`sudo systemctl start docker`) and make sure this user may use it (the docker group): %w", err)
	}
	progress("docker: daemon " + v)
	if _, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", cfg.Image); err != nil {
		if cfg.Image == defaultImage {
			return fmt.Errorf("image %s is missing: run `nomadbox box build`: %w", cfg.Image, err)
		}
		return fmt.Errorf("image %s is missing: build or pull it (`nomadbox box build` makes %s): %w", cfg.Image, defaultImage, err)
	}
	progress("docker: image " + cfg.Image)
	created, err := ensureKey(ctx, c)
	if err != nil {
		return err
	}
	if created {
		progress("ssh: key created at " + keyPath(c))
	}
	return nil
}

func (*containers) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	cfg, err := configOf(c)
	if err != nil {
		return err
	}
	nodes, err := selectNodes(c, names)
	if err != nil {
		return err
	}
	// Preflight made the key; making it here too keeps Up whole when a
	// host skips Preflight.
	if _, err := ensureKey(ctx, c); err != nil {
		return err
	}
	pub, err := run(ctx, "ssh-keygen", "-y", "-f", keyPath(c))
	if err != nil {
		return fmt.Errorf("reading the public half of %s: %w", keyPath(c), err)
	}
	if err := ensureNetwork(ctx, c, cfg.Network); err != nil {
		return err
	}
	existing, err := clusterContainers(ctx, c)
	if err != nil {
		return err
	}
	addrs, err := chooseAddresses(ctx, c, cfg.Network, nodes, existing)
	if err != nil {
		return err
	}
	return forEach(nodes, func(n provider.Node) error {
		ctr, found := existing[n.Name]
		what, ref := "already running", ctr.ID
		switch {
		case !found:
			what, ref = "created", containerName(c, n.Name)
			if _, err := docker(ctx, runArgs(c, cfg, n, addrs[n.Name])...); err != nil {
				return fmt.Errorf("%s: %w", n.Name, err)
			}
		case ctr.State.Status != "running":
			what = "started"
			if _, err := docker(ctx, "start", ctr.ID); err != nil {
				return fmt.Errorf("%s: %w", n.Name, err)
			}
		}
		// Read back what Docker gave the container: that, not the
		// address asked for, is what List reports and SSH reaches.
		ctr, err := inspectOne(ctx, ref)
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		addr := ctr.address(cfg.Network)
		if addr == "" {
			return fmt.Errorf("%s: container %s has no address on network %s", n.Name, ctr.name(), cfg.Network)
		}
		if err := installKey(ctx, ctr.ID, pub); err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		if err := waitSSH(ctx, addr); err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		progress(fmt.Sprintf("%s: %s (%s)", n.Name, what, addr))
		return nil
	})
}

// runArgs is the `docker run` of one node. The node image boots systemd,
// which normally wants --privileged; these are the arguments nomadbox's
// own docker provider gives systemd nodes instead, so that each node gets
// only what its role needs.
func runArgs(c *provider.Cluster, cfg config, n provider.Node, addr string) []string {
	args := []string{"run", "-d",
		"--name", containerName(c, n.Name),
		"--label", labelCluster + "=" + c.Name,
		"--label", labelNode + "=" + n.Name,
		// The hostname is the node's name: Consul and Nomad name the
		// node after it.
		"--hostname", n.Name,
		// The plugin's own choice of address (chooseAddresses), fixed
		// so that a restarted container keeps it; List reports it and
		// nomadbox configures the agents for it.
		"--network", cfg.Network, "--ip", addr,
		// systemd keeps its runtime state in /run and /run/lock and
		// mounts a tmpfs there at boot, which a container without
		// SYS_ADMIN cannot: Docker provides them instead.
		"--tmpfs", "/run", "--tmpfs", "/run/lock",
		// nomadbox's firewall loads an nftables table into the node.
		"--cap-add", "NET_ADMIN",
	}
	if n.MemoryMiB > 0 {
		args = append(args, "--memory", fmt.Sprintf("%dm", n.MemoryMiB))
	}
	if n.CPUs > 0 {
		args = append(args, "--cpus", fmt.Sprint(n.CPUs))
	}
	if n.Role == "client" {
		args = append(args,
			// Nomad's task runner mounts each task's secrets/ (a tmpfs)
			// and its shared alloc directory (SYS_ADMIN, which Docker's
			// default AppArmor profile would still refuse), and puts
			// every task in Nomad's own cgroups (a writable cgroup tree).
			"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
			"--cap-add", "SYS_ADMIN",
			"--security-opt", "apparmor=unconfined",
			// The exec and java drivers (libcontainer) and the docker
			// driver (dockerd and runc inside the node) create session
			// keyrings and namespaces, which Docker's default seccomp
			// profile refuses. nomadbox's docker provider adds this only
			// for those drivers; a plugin is not told a node's drivers,
			// so every client gets it.
			"--security-opt", "seccomp=unconfined",
		)
	} else {
		// systemd needs to see the cgroup tree to boot; a server runs
		// no tasks, so a read-only view is enough.
		args = append(args, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro")
	}
	return append(args, cfg.Image)
}

func (*containers) List(ctx context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	cfg, err := configOf(c)
	if err != nil {
		return nil, err
	}
	ctrs, err := clusterContainers(ctx, c)
	if err != nil {
		return nil, err
	}
	key := keyPath(c)
	machines := []provider.Machine{}
	for node, ctr := range ctrs {
		addr := ctr.address(cfg.Network)
		machines = append(machines, provider.Machine{
			Name: node, State: ctr.state(), Address: addr,
			SSH: provider.SSH{Host: addr, Port: 22, User: sshUser, PrivateKeyPath: key},
		})
	}
	slices.SortFunc(machines, func(a, b provider.Machine) int { return strings.Compare(a.Name, b.Name) })
	return machines, nil
}

func (*containers) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	targets, err := targetContainers(ctx, c, names)
	if err != nil {
		return err
	}
	// The image's STOPSIGNAL is SIGRTMIN+3, systemd's "halt": docker
	// stop shuts the node down cleanly.
	return forEach(targets, func(t target) error {
		if _, err := docker(ctx, "stop", t.ctr.ID); err != nil {
			return fmt.Errorf("%s: %w", t.node, err)
		}
		progress(t.node + ": stopped")
		return nil
	})
}

func (*containers) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	targets, err := targetContainers(ctx, c, names)
	if err != nil {
		return err
	}
	err = forEach(targets, func(t target) error {
		if _, err := docker(ctx, "rm", "-f", "-v", t.ctr.ID); err != nil {
			return fmt.Errorf("%s: %w", t.node, err)
		}
		progress(t.node + ": destroyed")
		return nil
	})
	if err != nil || len(names) > 0 {
		return err
	}
	// The whole cluster: also what Up made for it. Only networks that
	// carry the cluster's label: one the user made and named in the
	// provider block stays theirs.
	nets, err := docker(ctx, "network", "ls", "-q", "--filter", "label="+labelCluster+"="+c.Name)
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(nets) {
		if _, err := docker(ctx, "network", "rm", id); err != nil {
			return err
		}
		progress("network " + id[:min(12, len(id))] + ": removed")
	}
	if err := os.RemoveAll(filepath.Dir(keyPath(c))); err != nil {
		return fmt.Errorf("removing the cluster's SSH key: %w", err)
	}
	return nil
}

// selectNodes is the topology's nodes by name, all of them for none.
func selectNodes(c *provider.Cluster, names []string) ([]provider.Node, error) {
	if len(names) == 0 {
		return c.Nodes, nil
	}
	var out []provider.Node
	for _, name := range names {
		i := slices.IndexFunc(c.Nodes, func(n provider.Node) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("node %q is not in the topology", name)
		}
		out = append(out, c.Nodes[i])
	}
	return out, nil
}

func containerName(c *provider.Cluster, node string) string { return c.Name + "-" + node }

// target is a node's existing container.
type target struct {
	node string
	ctr  container
}

// targetContainers is the containers of the named nodes, every container
// of the cluster for no names. A name without a container is skipped:
// halting or destroying what is not there is already done.
func targetContainers(ctx context.Context, c *provider.Cluster, names []string) ([]target, error) {
	ctrs, err := clusterContainers(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		for node := range ctrs {
			names = append(names, node)
		}
		slices.Sort(names)
	}
	var out []target
	for _, name := range names {
		if ctr, ok := ctrs[name]; ok {
			out = append(out, target{name, ctr})
		}
	}
	return out, nil
}

// forEach runs f on every item at once and joins every failure, so that
// one broken node does not hide what happened to the others.
func forEach[T any](items []T, f func(T) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Go(func() { errs[i] = f(item) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// chooseAddresses gives each node still to be created an address of its
// own: the lowest one of the network that no container (and not the
// gateway) holds. This provider chooses addresses itself
// (ReportsAddresses) instead of taking Node.Address, the one nomadbox
// derives from the CIDR; nomadbox then configures the agents for what
// List reports.
func chooseAddresses(ctx context.Context, c *provider.Cluster, network string, nodes []provider.Node, existing map[string]container) (map[string]string, error) {
	out, err := docker(ctx, "network", "inspect", "--format",
		"{{range .IPAM.Config}}{{.Gateway}} {{end}}{{range .Containers}}{{.IPv4Address}} {{end}}", network)
	if err != nil {
		return nil, err
	}
	used := map[netip.Addr]bool{}
	for _, f := range strings.Fields(out) {
		if p, err := netip.ParsePrefix(f); err == nil {
			used[p.Addr()] = true
		} else if a, err := netip.ParseAddr(f); err == nil {
			used[a] = true
		}
	}
	prefix, err := netip.ParsePrefix(c.CIDR)
	if err != nil {
		return nil, fmt.Errorf("the cluster's CIDR %q: %w", c.CIDR, err)
	}
	// .0 is the network, .1 usually Docker's gateway.
	next := prefix.Masked().Addr().Next()
	addrs := map[string]string{}
	for _, n := range nodes {
		if _, ok := existing[n.Name]; ok {
			continue
		}
		for used[next] || next == prefix.Masked().Addr().Next() {
			next = next.Next()
		}
		if !prefix.Contains(next) {
			return nil, fmt.Errorf("network %s has no free address left for %s", network, n.Name)
		}
		addrs[n.Name] = next.String()
		used[next] = true
	}
	return addrs, nil
}

// ensureNetwork makes the cluster's network, or checks the one that
// exists has the cluster's CIDR: the addresses chosen come from it.
func ensureNetwork(ctx context.Context, c *provider.Cluster, name string) error {
	want, err := netip.ParsePrefix(c.CIDR)
	if err != nil {
		return fmt.Errorf("the cluster's CIDR %q: %w", c.CIDR, err)
	}
	want = want.Masked()
	all, err := docker(ctx, "network", "ls", "--format", "{{.Name}}")
	if err != nil {
		return err
	}
	if !slices.Contains(strings.Fields(all), name) {
		_, err := docker(ctx, "network", "create", "--driver", "bridge",
			"--subnet", want.String(), "--label", labelCluster+"="+c.Name, name)
		return err
	}
	subnets, err := docker(ctx, "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", name)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(subnets) {
		if p, err := netip.ParsePrefix(s); err == nil && p.Masked() == want {
			return nil
		}
	}
	return fmt.Errorf("docker network %s exists with subnet %q, not the cluster's %s: remove it (`docker network rm %s`) or name another network in the provider block",
		name, strings.TrimSpace(subnets), want, name)
}

// container is the part of `docker inspect` the plugin reads.
type container struct {
	ID    string `json:"Id"`
	Name  string
	State struct {
		Status string
	}
	Config struct {
		Labels map[string]string
	}
	NetworkSettings struct {
		Networks map[string]struct {
			IPAddress  string
			IPAMConfig *struct {
				IPv4Address string
			}
		}
	}
}

func (c container) name() string { return strings.TrimPrefix(c.Name, "/") }

// state maps Docker's states onto nomadbox's. Docker names the others
// (paused, removing) well enough to pass on.
func (c container) state() string {
	switch c.State.Status {
	case "running", "restarting":
		return provider.StateRunning
	case "created", "exited", "dead":
		return provider.StateStopped
	}
	return c.State.Status
}

// address is the container's IP on the cluster network. A stopped
// container has none; the one it asked for is where it comes back.
func (c container) address(network string) string {
	n, ok := c.NetworkSettings.Networks[network]
	switch {
	case !ok:
		return ""
	case n.IPAddress != "":
		return n.IPAddress
	case n.IPAMConfig != nil:
		return n.IPAMConfig.IPv4Address
	}
	return ""
}

// clusterContainers is every container of the cluster, by node name.
func clusterContainers(ctx context.Context, c *provider.Cluster) (map[string]container, error) {
	ids, err := docker(ctx, "ps", "-a", "-q", "--no-trunc", "--filter", "label="+labelCluster+"="+c.Name)
	if err != nil {
		return nil, err
	}
	out := map[string]container{}
	if len(strings.Fields(ids)) == 0 {
		return out, nil
	}
	ctrs, err := inspect(ctx, strings.Fields(ids)...)
	if err != nil {
		return nil, err
	}
	for _, ctr := range ctrs {
		if node := ctr.Config.Labels[labelNode]; node != "" {
			out[node] = ctr
		}
	}
	return out, nil
}

func inspect(ctx context.Context, refs ...string) ([]container, error) {
	raw, err := docker(ctx, append([]string{"container", "inspect"}, refs...)...)
	if err != nil {
		return nil, err
	}
	var ctrs []container
	if err := json.Unmarshal([]byte(raw), &ctrs); err != nil {
		return nil, fmt.Errorf("reading docker container inspect: %w", err)
	}
	return ctrs, nil
}

func inspectOne(ctx context.Context, ref string) (container, error) {
	ctrs, err := inspect(ctx, ref)
	if err != nil {
		return container{}, err
	}
	if len(ctrs) != 1 {
		return container{}, fmt.Errorf("docker container inspect %s: %d containers", ref, len(ctrs))
	}
	return ctrs[0], nil
}

// keyPath is the cluster's private key. One key per cluster, in the
// render directory, so that destroying the cluster forgets it.
func keyPath(c *provider.Cluster) string {
	p := filepath.Join(c.Dir, "container-provider", "id_ed25519")
	if abs, err := filepath.Abs(p); err == nil {
		return abs // nomadbox's ssh may run from another directory
	}
	return p
}

// ensureKey makes the cluster's key pair unless it exists, and says
// whether it made it.
func ensureKey(ctx context.Context, c *provider.Cluster) (bool, error) {
	key := keyPath(c)
	if _, err := os.Stat(key); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
		return false, err
	}
	if _, err := run(ctx, "ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-C", "nomadbox-"+c.Name, "-f", key); err != nil {
		return false, fmt.Errorf("creating the cluster's SSH key (is OpenSSH's ssh-keygen installed?): %w", err)
	}
	// ssh refuses a private key others can read.
	return true, os.Chmod(key, 0o600)
}

// installKey authorizes pub for the vagrant user. The key is an argument,
// not part of the script, so that no quoting can break it, and it is
// appended only once: Up runs again on every `nomadbox up`.
func installKey(ctx context.Context, id, pub string) error {
	const script = `set -e
d=/home/vagrant/.ssh f=/home/vagrant/.ssh/authorized_keys
mkdir -p "$d" && touch "$f"
grep -qxF "$1" "$f" || printf '%s\n' "$1" >>"$f"
chmod 700 "$d" && chmod 600 "$f" && chown vagrant:vagrant "$d" "$f"`
	_, err := docker(ctx, "exec", id, "sh", "-c", script, "sh", pub)
	return err
}

// waitSSH waits until sshd answers on addr: a container runs long
// before systemd has started sshd.
func waitSSH(ctx context.Context, addr string) error {
	if err := provider.WaitSSH(ctx, addr, sshTimeout); err != nil {
		return fmt.Errorf("%w: look at `journalctl -u ssh` inside the container; on Docker Desktop container addresses are not reachable from the host", err)
	}
	return nil
}

func docker(ctx context.Context, args ...string) (string, error) { return run(ctx, "docker", args...) }

// run runs a command and returns its stdout, trimmed. A failure carries
// the command line and everything it printed, stdout and stderr
// interleaved as a terminal would show them, because that is what the
// user needs to see to fix it. Each command goes to the log.
func run(ctx context.Context, name string, args ...string) (string, error) {
	var stdout bytes.Buffer
	var combined lockedBuffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = io.MultiWriter(&stdout, &combined)
	cmd.Stderr = &combined
	start := time.Now()
	err := cmd.Run()
	line := commandLine(name, args)
	log.Printf("%s (%s)", line, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return "", fmt.Errorf("`%s`: %w: %s", line, err, strings.TrimSpace(combined.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// commandLine is the command as one would type it, quoting the arguments
// a shell would split (installKey's script, a key with its comment).
func commandLine(name string, args []string) string {
	words := []string{name}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$;&|<>()*?`\\") {
			a = strconv.Quote(a)
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// lockedBuffer is written by the goroutines os/exec runs for stdout and
// stderr at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
