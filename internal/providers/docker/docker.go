// Package docker is the built-in docker provider: each node a container
// of the node image, made with `docker run` or, when the provider block
// says vagrant = true, by Vagrant (internal/providers/vagrant).
package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodecontainer"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/topology"
	"github.com/nomadbox/nomadbox/provider"
)

// capabilities: Up makes the containers all at once, whichever way.
var capabilities = provider.Capabilities{CanHalt: true, ParallelUp: true}

// Spec is the docker provider.
var Spec = builtin.Spec{
	Name:         "docker",
	Capabilities: capabilities,
	Schema: []provider.Attribute{
		{Name: "image", Type: provider.TypeString, Default: topology.DefaultDockerImage, Description: "The node image `nomadbox box build` makes (systemd and sshd, no --privileged)."},
		{Name: "vagrant", Type: provider.TypeBool, Default: false, Description: "Make the containers with Vagrant from the rendered Vagrantfile (so that `vagrant status` and `vagrant ssh` in the render directory know them) instead of with `docker run`; slower, since Vagrant starts Ruby for every machine."},
	},
	Check:   check,
	Vagrant: vagrantRuby,
	// Vagrant makes the containers only when the provider block says so.
	Tools: []string{"vagrant", "docker"},
	New:   func() builtin.Machines { return newDockerProvider() },
}

// Config is the docker provider's block.
type Config struct {
	// Image is the node image built by `nomadbox box build`.
	Image string `json:"image"`
	// Vagrant: Vagrant makes the containers from the rendered
	// Vagrantfile; nomadbox itself (docker run) otherwise.
	Vagrant bool `json:"vagrant"`
}

// ConfigOf reads the docker provider's block values.
func ConfigOf(config map[string]any) Config { return builtin.ConfigOf[Config](config) }

// check validates the docker provider's block: an image reference
// Docker reads.
func check(t *topology.Topology) hcl.Diagnostics {
	p := &t.Provider
	diags := builtin.CheckNotEmpty(p, "image")
	if image := ConfigOf(p.Config).Image; p.Attrs().IsSet("image") && strings.TrimSpace(image) != "" {
		if why := topology.CheckImageReference(image); why != "" {
			diags = append(diags, topology.ErrorAt(p.Attrs().Subject("image"), "Invalid image reference",
				"%q %s. Write an image reference as Docker reads it, [REGISTRY/]NAME[:TAG][@DIGEST] with a lower-case name, for example %q (what `nomadbox box build` makes).", image, why, topology.DefaultDockerImage))
		}
	}
	return diags
}

// dockerProvider makes each node a container of the node image. By
// default it runs them itself, all at once with `docker run`: Vagrant's
// docker provider starts Ruby for every machine and made the machines
// phase grow by about 3 s per node on two cores. With `vagrant = true`
// in the provider block Vagrant makes them from the rendered Vagrantfile,
// which gives the same containers (internal/nodecontainer holds the
// options for both).
type dockerProvider struct {
	vagrant *vagrant.Machines
}

// Labels on the containers and the network nomadbox makes: the cluster,
// the node, and the render directory whose cluster they are.
const (
	labelCluster = "nomadbox.cluster"
	labelNode    = "nomadbox.node"
	labelDir     = "nomadbox.dir"
)

// sshTimeout bounds the wait for a new container's sshd.
var sshTimeout = 2 * time.Minute

func newDockerProvider() *dockerProvider {
	return &dockerProvider{vagrant: &vagrant.Machines{Name: "docker", Parallel: capabilities.ParallelUp, FastList: listContainers}}
}

func viaVagrant(env *builtin.Env) bool { return ConfigOf(env.Topology.Provider.Config).Vagrant }

// Preflight makes sure the Docker daemon answers, the node image exists
// (building it when missing), Vagrant's insecure key is where the
// inventory expects it, and no container from an earlier, forgotten
// cluster of the same name is in the way.
func (p *dockerProvider) Preflight(ctx context.Context, env *builtin.Env) error {
	if viaVagrant(env) {
		if err := p.vagrant.Preflight(ctx, env); err != nil {
			return err
		}
	}
	if _, err := execx.LookPath("docker"); err != nil {
		return err
	}
	if _, err := env.Runner.Output(ctx, execx.Command("docker", "info", "--format", "{{.ServerVersion}}")); err != nil {
		return fmt.Errorf("the Docker daemon is not running or not reachable: start it (`systemctl start docker`, or `dockerd &` where no init system runs), then try again\n%w", err)
	}
	image := ConfigOf(env.Topology.Provider.Config).Image
	current, err := nodeimage.DockerImageCurrent(ctx, env.Runner, image)
	if err != nil {
		return err
	}
	if !current {
		env.Progressf("building the node image %s (nomadbox box build)", image)
		if err := nodeimage.BuildDocker(ctx, nodeimage.BuildOptions{Image: image, Runner: env.Runner, Progress: func(s string) { env.Progressf("%s", s) }}); err != nil {
			return fmt.Errorf("the node image %s is missing and could not be built: %w", image, err)
		}
	}
	// Nodes of a topology that copies its binaries from this machine are
	// made from an image that already holds them (nodeimage.For).
	name, bins, err := nodeImage(env)
	if err != nil {
		return err
	}
	if len(bins) > 0 {
		if _, err := nodeimage.EnsureBinaries(ctx, env.Runner, image, bins, func(s string) { env.Progressf("%s", s) }); err != nil {
			return fmt.Errorf("the node image %s with the cluster's binaries: %w", name, err)
		}
	}
	// The node image authorizes Vagrant's insecure key; Vagrant copies
	// the private half to ~/.vagrant.d when it first runs, which it may
	// never have done here.
	if err := nodeimage.InstallVagrantPrivateKey(nodeexec.VagrantKey()); err != nil {
		return err
	}
	if err := checkStrayContainers(ctx, env); err != nil {
		return err
	}
	if !viaVagrant(env) {
		return nil // Up makes the network it puts the containers on
	}
	_, err = ensureNetwork(ctx, env)
	return err
}

// ensureNetwork returns the name of the Docker network with the
// cluster's subnet, creating it when there is none. Before `vagrant up
// --parallel` this also spares Vagrant's machines a race: each looks for
// a network with the subnet and creates one when none exists. A network
// nomadbox creates carries the cluster's label, so destroy knows it.
func ensureNetwork(ctx context.Context, env *builtin.Env) (string, error) {
	subnet := env.Topology.Network.Prefix.String()
	out, err := env.Runner.Output(ctx, execx.Command("docker", "network", "ls", "--format", "{{.Name}}"))
	if err != nil {
		return "", err
	}
	names := strings.Fields(string(out))
	if len(names) > 0 {
		args := append([]string{"network", "inspect", "--format", "{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{end}}"}, names...)
		subnets, err := env.Runner.Output(ctx, execx.Command("docker", args...))
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(string(subnets), "\n") {
			f := strings.Fields(line)
			for _, s := range f[min(1, len(f)):] {
				if s == subnet {
					return f[0], nil
				}
			}
		}
	}
	// Vagrant's docker provider would pick this name itself.
	name := "nomadbox-" + env.Topology.Cluster.Name
	if viaVagrant(env) {
		name = "vagrant_network_" + subnet
	}
	env.Progressf("creating the docker network %s for %s", name, subnet)
	return name, env.Runner.Run(ctx, execx.Command("docker", "network", "create", "--subnet", subnet,
		"--label", labelCluster+"="+env.Topology.Cluster.Name, name))
}

// container is one of the cluster's containers.
type container struct {
	Node      string
	ID, State string // State is the provider contract's: running or stopped
}

// clusterContainers maps the node names of this render directory's
// containers to them: those nomadbox made (labelled with the directory)
// and those Vagrant made (their IDs in .vagrant), whichever made the
// cluster, so that a cluster made one way is still found, stopped and
// destroyed after the provider block changed.
func clusterContainers(ctx context.Context, env *builtin.Env) (map[string]container, error) {
	out, err := env.Runner.Output(ctx, execx.Command("docker", "ps", "-a", "--no-trunc", "--format",
		`{{.ID}} {{.State}} {{.Label "`+labelNode+`"}} {{.Label "`+labelDir+`"}}`))
	if err != nil {
		return nil, err
	}
	return parseContainers(string(out), absDir(env), vagrant.MachineIDs(env, "docker")), nil
}

// parseContainers reads `docker ps` lines of ID, state, node label and
// directory label: the containers labelled with dir, and those whose
// IDs Vagrant recorded (vagrantIDs, node name -> ID).
func parseContainers(out, dir string, vagrantIDs map[string]string) map[string]container {
	byID := map[string]string{} // ID -> state
	found := map[string]container{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		state := contractState(f[1])
		byID[f[0]] = state
		if len(f) == 4 && f[3] == dir {
			found[f[2]] = container{Node: f[2], ID: f[0], State: state}
		}
	}
	for name, id := range vagrantIDs {
		if st, ok := byID[id]; ok {
			found[name] = container{Node: name, ID: id, State: st}
		}
	}
	return found
}

// contractState is Docker's container state as the contract's.
func contractState(s string) string {
	if s == "running" {
		return provider.StateRunning
	}
	return provider.StateStopped // created, exited, paused, restarting, dead
}

func absDir(env *builtin.Env) string {
	if abs, err := filepath.Abs(env.Dir); err == nil {
		return abs
	}
	return env.Dir
}

// checkStrayContainers refuses to go on when a container with one of
// this cluster's machine names exists but does not belong to this render
// directory: creating it would fail with a name conflict.
func checkStrayContainers(ctx context.Context, env *builtin.Env) error {
	out, err := env.Runner.Output(ctx, execx.Command("docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"))
	if err != nil {
		return err
	}
	ours, err := clusterContainers(ctx, env)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range ours {
		known[c.ID] = true
	}
	want := map[string]bool{}
	for _, n := range env.Topology.Nodes() {
		want[containerName(env, n.Name)] = true
	}
	var stray []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && want[f[1]] && !known[f[0]] {
			stray = append(stray, f[1])
		}
	}
	if len(stray) > 0 {
		return fmt.Errorf("containers %s exist but do not belong to %s (left by an earlier run?): remove them with `docker rm -f %s` and run again",
			strings.Join(stray, ", "), env.Dir, strings.Join(stray, " "))
	}
	return nil
}

func containerName(env *builtin.Env, node string) string {
	return env.Topology.Cluster.Name + "-" + node
}

// Up creates the named nodes' containers (every node's for none) and
// starts stopped ones, all at once, then waits until each one's sshd
// answers.
func (p *dockerProvider) Up(ctx context.Context, env *builtin.Env, names ...string) error {
	if viaVagrant(env) {
		return p.vagrant.Up(ctx, env, names...)
	}
	nodes := env.Nodes(names)
	network, err := ensureNetwork(ctx, env)
	if err != nil {
		return err
	}
	existing, err := clusterContainers(ctx, env)
	if err != nil {
		return err
	}
	image, _, err := nodeImage(env)
	if err != nil {
		return err
	}
	return each(nodes, func(n topology.Node) string { return n.Name }, func(n topology.Node) error {
		c, found := existing[n.Name]
		what := "already running"
		switch {
		case !found:
			what = "created"
			if err := env.Runner.Run(ctx, execx.Command("docker", runArgs(env, n, network, image)...)); err != nil {
				return err
			}
		case c.State != provider.StateRunning:
			what = "started"
			if err := env.Runner.Run(ctx, execx.Command("docker", "start", c.ID)); err != nil {
				return err
			}
		}
		if err := provider.WaitSSH(ctx, n.Address.String(), sshTimeout); err != nil {
			return fmt.Errorf("%w: look at `docker logs %s` and `journalctl -u ssh` inside it", err, containerName(env, n.Name))
		}
		env.Progressf("%s: %s (%s)", n.Name, what, n.Address)
		return nil
	})
}

// runArgs is the `docker run` of n's container: detached, named and
// labelled, at its address on the cluster's network, with the options
// its role and drivers need. The image's STOPSIGNAL halts systemd.
func runArgs(env *builtin.Env, n topology.Node, network, image string) []string {
	args := []string{"run", "--detach",
		"--name", containerName(env, n.Name),
		"--label", labelCluster + "=" + env.Topology.Cluster.Name,
		"--label", labelNode + "=" + n.Name,
		"--label", labelDir + "=" + absDir(env),
		"--network", network, "--ip", n.Address.String(),
	}
	args = append(args, nodecontainer.Options(n)...)
	return append(args, image)
}

// each runs f for every item at once and returns the errors of all that
// failed, each with its node's name.
func each[T any](items []T, name func(T) string, f func(T) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() {
			if err := f(it); err != nil {
				errs[i] = fmt.Errorf("%s: %w", name(it), err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// List answers from one `docker ps`: every container of this render
// directory, whichever made it.
func (p *dockerProvider) List(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	return listContainers(ctx, env)
}

// listContainers is List for either way of making the containers:
// Vagrant's own `status` takes seconds to start, and Docker knows the
// same.
func listContainers(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	cs, err := clusterContainers(ctx, env)
	if err != nil {
		return nil, err
	}
	var ms []provider.Machine
	for name, c := range cs {
		ms = append(ms, vagrant.Machine(env, name, c.State))
	}
	return ms, nil
}

// targets is the named machines' containers (every one for none); a
// name without a container is skipped, as Vagrant does.
func targets(ctx context.Context, env *builtin.Env, names []string) ([]container, error) {
	cs, err := clusterContainers(ctx, env)
	if err != nil {
		return nil, err
	}
	var picked []container
	for node, c := range cs {
		if len(names) == 0 || slices.Contains(names, node) {
			picked = append(picked, c)
		}
	}
	return picked, nil
}

func nodeOf(c container) string { return c.Node }

// Halt stops the containers; the image's STOPSIGNAL (SIGRTMIN+3) is
// systemd's halt, so each node shuts down cleanly.
func (p *dockerProvider) Halt(ctx context.Context, env *builtin.Env, names ...string) error {
	if viaVagrant(env) {
		return p.vagrant.Halt(ctx, env, names...)
	}
	ts, err := targets(ctx, env, names)
	if err != nil {
		return err
	}
	return each(ts, nodeOf, func(c container) error {
		if c.State != provider.StateRunning {
			return nil
		}
		if err := env.Runner.Run(ctx, execx.Command("docker", "stop", c.ID)); err != nil {
			return err
		}
		env.Progressf("%s: stopped", c.Node)
		return nil
	})
}

// Destroy removes the containers with their anonymous volumes; for the
// whole cluster also the network nomadbox made for it and Vagrant's
// state of a cluster Vagrant made.
func (p *dockerProvider) Destroy(ctx context.Context, env *builtin.Env, names ...string) error {
	ts, err := targets(ctx, env, names)
	if err != nil {
		return err
	}
	if viaVagrant(env) && len(vagrant.MachineIDs(env, "docker")) > 0 {
		// Vagrant removes its own machines and forgets them.
		if err := p.vagrant.Destroy(ctx, env, names...); err != nil || len(names) > 0 {
			return err
		}
		return removeNetworks(ctx, env)
	}
	err = each(ts, nodeOf, func(c container) error {
		if err := env.Runner.Run(ctx, execx.Command("docker", "rm", "--force", "--volumes", c.ID)); err != nil {
			return err
		}
		env.Progressf("%s: destroyed", c.Node)
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range ts {
		if err := os.RemoveAll(filepath.Join(env.Dir, ".vagrant", "machines", c.Node)); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		return nil
	}
	return removeNetworks(ctx, env)
}

// removeNetworks removes the networks that carry the cluster's label and
// no longer have containers; one the user made stays theirs.
func removeNetworks(ctx context.Context, env *builtin.Env) error {
	out, err := env.Runner.Output(ctx, execx.Command("docker", "network", "ls", "--quiet", "--filter", "label="+labelCluster+"="+env.Topology.Cluster.Name))
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(string(out)) {
		used, err := env.Runner.Output(ctx, execx.Command("docker", "network", "inspect", "--format", "{{len .Containers}}", id))
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(used)) != "0" {
			env.Progressf("network %s: kept, other containers use it", id[:min(12, len(id))])
			continue
		}
		if err := env.Runner.Run(ctx, execx.Command("docker", "network", "rm", id)); err != nil {
			return err
		}
		env.Progressf("network %s: removed", id[:min(12, len(id))])
	}
	return nil
}

// nodeImage is the image env's nodes are made from and the binaries it
// carries (nodeimage.For), with the checksums of the local binaries read
// here (cached in the render directory) rather than left in the topology
// by a render.
func nodeImage(env *builtin.Env) (string, []nodeimage.Binary, error) {
	sums, err := nodeimage.ReadChecksums(env.Topology, env.Dir)
	if err != nil {
		return "", nil, err
	}
	name, bins := nodeimage.For(env.Topology, ConfigOf(env.Topology.Provider.Config).Image, sums)
	return name, bins, nil
}
