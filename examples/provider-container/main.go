// Command nomadbox-provider-container is an example nomadbox provider
// plugin, written to be read: each node of the topology is a Docker
// container running the node image `nomadbox box build` makes (Debian
// with systemd as PID 1, sshd and a `vagrant` user with passwordless
// sudo), on a Docker network of the cluster's CIDR. It drives Docker
// through the `docker` CLI, so everything it does can be replayed by
// hand, and uses only the public package github.com/nomadbox/nomadbox/provider.
//
// Install it as nomadbox-provider-container in $NOMADBOX_PLUGIN_PATH,
// ~/.nomadbox/plugins or PATH and select it with
//
//	provider "container" { image = "nomadbox/node:bookworm" }
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/provider"
)

const (
	version      = "0.2.0"
	defaultImage = "nomadbox/node:bookworm"

	// Labels are the plugin's only memory: every call finds the cluster's
	// containers (and the address each was given) again from Docker, so
	// any process, after any crash, can list, halt or destroy them.
	clusterLabel = "nomadbox.cluster"
	nodeLabel    = "nomadbox.node"
	addressLabel = "nomadbox.address"

	// loginUser is the node image's user, the one nomadbox logs in as.
	loginUser = "vagrant"
)

func main() {
	// stderr is the cluster's log; stdout belongs to go-plugin.
	log.SetOutput(os.Stderr)
	log.SetFlags(0)
	log.SetPrefix("provider-container: ")
	provider.Serve(containerProvider{})
}

// containerProvider holds nothing: each call learns the cluster from its
// argument and the machines from Docker.
type containerProvider struct{}

// settings is the topology's provider block.
type settings struct {
	Image string `json:"image"`
}

func (containerProvider) Describe(context.Context) (*provider.Description, error) {
	return &provider.Description{
		Name: "container", Version: version, Protocol: provider.ProtocolVersion,
		Capabilities: provider.Capabilities{
			ParallelUp: true, // Up runs its `docker run`s at the same time
			CanHalt:    true,
			// The plugin picks each container's address itself; nomadbox
			// configures the agents for what List reports.
			ReportsAddresses: true,
		},
	}, nil
}

func (containerProvider) Schema(context.Context) (*provider.Schema, error) {
	// Without Docker's CLI this plugin can do nothing here: saying so
	// from Schema is what makes `nomadbox providers` list it as not ready.
	if _, err := exec.LookPath("docker"); err != nil {
		return nil, errors.New("the docker CLI is not on PATH: install Docker Engine (apt-get install docker.io)")
	}
	return &provider.Schema{Attributes: []provider.Attribute{{
		Name: "image", Type: provider.TypeString, Default: defaultImage,
		Description: "Node image to run: systemd as PID 1, sshd and a vagrant user (`nomadbox box build` makes it).",
	}}}, nil
}

func (containerProvider) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	var s settings
	if err := c.DecodeConfig(&s); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s.Image) != "" {
		return nil, nil
	}
	// nomadbox prints this at the attribute's line and column.
	return []provider.Diagnostic{{
		Severity: provider.SeverityError, Path: provider.AtAttribute("image"), Summary: "Empty image",
		Detail: fmt.Sprintf("Name the node image to run, or leave the attribute out for %q.", defaultImage),
	}}, nil
}

func (containerProvider) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	v, err := docker(ctx, "info", "--format", "{{.ServerVersion}}")
	if err != nil {
		return fmt.Errorf("the Docker daemon does not answer: start it (`sudo systemctl start docker`) and let this user use it (the docker group): %w", err)
	}
	progress("docker: daemon " + v)
	image := imageOf(c)
	if _, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", image); err != nil {
		return fmt.Errorf("image %s is missing: run `nomadbox box build` (it makes %s) or build your own: %w", image, defaultImage, err)
	}
	progress("docker: image " + image)
	_, err = publicKey(ctx, c)
	return err
}

// Up is safe to repeat, as nomadbox asks: it creates what is missing,
// starts what is stopped and leaves what runs, then (every time)
// authorizes the key and waits for sshd.
func (containerProvider) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	nodes, err := pick(c, names)
	if err != nil {
		return err
	}
	pub, err := publicKey(ctx, c) // Up must not rely on Preflight having run
	if err != nil {
		return err
	}
	if err := makeNetwork(ctx, c); err != nil {
		return err
	}
	have, err := containersOf(ctx, c)
	if err != nil {
		return err
	}
	// Addresses are chosen here, one node after the other, so that the
	// parallel part below never hands one out twice.
	addrs, err := chooseFree(c, nodes, have)
	if err != nil {
		return err
	}
	return inParallel(nodes, func(n provider.Node) error {
		ctr, did, err := startNode(ctx, c, n, have, addrs[n.Name])
		if err == nil {
			err = authorize(ctx, ctr.ref, pub)
		}
		if err == nil {
			err = provider.WaitSSH(ctx, ctr.addr, time.Minute)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		progress(fmt.Sprintf("%s: %s (%s)", n.Name, did, ctr.addr))
		return nil
	})
}

// startNode makes n's container run: created at addr when it has none,
// started when it is stopped. It says which it did.
func startNode(ctx context.Context, c *provider.Cluster, n provider.Node, have map[string]box, addr string) (box, string, error) {
	ctr, found := have[n.Name]
	switch {
	case !found:
		ctr = box{ref: c.Name + "-" + n.Name, addr: addr}
		_, err := docker(ctx, dockerRun(c, n, addr)...)
		return ctr, "created", err
	case ctr.state != provider.StateRunning:
		_, err := docker(ctx, "start", ctr.ref)
		return ctr, "started", err
	}
	return ctr, "already running", nil
}

// dockerRun is the `docker run` of one node: what a systemd node needs
// without --privileged, and no more than its role and drivers need.
func dockerRun(c *provider.Cluster, n provider.Node, addr string) []string {
	args := []string{"run", "--detach", "--name", c.Name + "-" + n.Name,
		"--label", clusterLabel + "=" + c.Name, "--label", nodeLabel + "=" + n.Name, "--label", addressLabel + "=" + addr,
		// A fixed address, so a restarted container comes back at it.
		"--network", networkOf(c), "--ip", addr,
		// Consul and Nomad name the node after the hostname, which a
		// container cannot change from inside.
		"--hostname", n.Name,
		// systemd mounts tmpfs at /run and /run/lock at boot, which a
		// container may not: Docker provides them.
		"--tmpfs", "/run", "--tmpfs", "/run/lock",
		// nomadbox's firewall loads an nftables table.
		"--cap-add", "NET_ADMIN",
	}
	if n.MemoryMiB > 0 && n.CPUs > 0 {
		args = append(args, "--memory", fmt.Sprintf("%dm", n.MemoryMiB), "--cpus", fmt.Sprint(n.CPUs))
	}
	if n.Role != "client" {
		// systemd must see the cgroup tree; a server runs no tasks.
		return append(args, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", imageOf(c))
	}
	// Nomad's task runner mounts each task's secrets and alloc
	// directories (SYS_ADMIN, which Docker's AppArmor profile still
	// refuses) and puts tasks in cgroups of its own (a writable tree).
	args = append(args, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
		"--cap-add", "SYS_ADMIN", "--security-opt", "apparmor=unconfined")
	// docker, exec and java create namespaces and keyrings that Docker's
	// seccomp profile refuses; a client without them keeps the profile.
	// No drivers at all means a nomadbox too old to say: allow them.
	isolating := len(n.Drivers) == 0 || slices.ContainsFunc(n.Drivers, func(d string) bool {
		return d == "docker" || d == "exec" || d == "java"
	})
	if isolating {
		args = append(args, "--security-opt", "seccomp=unconfined")
	}
	return append(args, imageOf(c))
}

func (containerProvider) List(ctx context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	have, err := containersOf(ctx, c)
	if err != nil {
		return nil, err
	}
	machines := []provider.Machine{}
	for node, ctr := range have {
		machines = append(machines, provider.Machine{
			Name: node, State: ctr.state, Address: ctr.addr,
			SSH: provider.SSH{Host: ctr.addr, Port: 22, User: loginUser, PrivateKeyPath: keyFile(c)},
		})
	}
	slices.SortFunc(machines, func(a, b provider.Machine) int { return strings.Compare(a.Name, b.Name) })
	return machines, nil
}

func (containerProvider) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	// The image's stop signal is systemd's "halt": a clean shutdown.
	return onExisting(ctx, c, names, progress, "stopped", "stop")
}

func (containerProvider) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	if err := onExisting(ctx, c, names, progress, "destroyed", "rm", "--force", "--volumes"); err != nil || len(names) > 0 {
		return err
	}
	// The whole cluster: the network Up made (it carries the label) and
	// the key under Cluster.Dir, which nomadbox's destroy leaves to us.
	if _, err := docker(ctx, "network", "inspect", networkOf(c)); err == nil {
		if _, err := docker(ctx, "network", "rm", networkOf(c)); err != nil {
			return err
		}
		progress("network " + networkOf(c) + ": removed")
	}
	return os.RemoveAll(filepath.Dir(keyFile(c)))
}

// onExisting runs `docker <args> <container>` on the named nodes'
// containers (all of the cluster's for no names). A node without one
// is skipped: stopping or removing what is not there is done already.
func onExisting(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress, did string, args ...string) error {
	have, err := containersOf(ctx, c)
	if err != nil {
		return err
	}
	var nodes []string
	for node := range have {
		if len(names) == 0 || slices.Contains(names, node) {
			nodes = append(nodes, node)
		}
	}
	return inParallel(nodes, func(node string) error {
		if _, err := docker(ctx, append(args, have[node].ref)...); err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		progress(node + ": " + did)
		return nil
	})
}
