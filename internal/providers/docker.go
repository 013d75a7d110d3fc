package providers

import (
	"context"
	"fmt"
	"strings"

	"github.com/nomadbox/nomadbox/internal/box"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/provider"
)

// dockerPreflight makes sure the Docker daemon answers, the node image
// exists (building it when missing) and no container from an earlier,
// forgotten cluster of the same name is in the way.
func dockerPreflight(ctx context.Context, env *Env) error {
	if _, err := execx.LookPath("docker"); err != nil {
		return err
	}
	if _, err := env.Runner.Output(ctx, execx.Command("docker", "info", "--format", "{{.ServerVersion}}")); err != nil {
		return fmt.Errorf("the Docker daemon is not running or not reachable: start it (`systemctl start docker`, or `dockerd &` where no init system runs), then try again\n%w", err)
	}
	image := env.Topology.Provider.Image
	current, err := box.Current(ctx, env.Runner, image)
	if err != nil {
		return err
	}
	if !current {
		env.progress("building the node image %s (nomadbox box build)", image)
		if err := box.Build(ctx, box.Options{Image: image, Runner: env.Runner, Progress: func(s string) { env.progress("%s", s) }}); err != nil {
			return fmt.Errorf("the node image %s is missing and could not be built: %w", image, err)
		}
	}
	// Nodes of a topology that copies its binaries from this machine are
	// made from an image that already holds them (nodeimage.For).
	if name, bins := nodeimage.For(env.Topology); len(bins) > 0 {
		if _, err := box.EnsureBinaries(ctx, env.Runner, image, bins, func(s string) { env.progress("%s", s) }); err != nil {
			return fmt.Errorf("the node image %s with the cluster's binaries: %w", name, err)
		}
	}
	if err := checkStrayContainers(ctx, env); err != nil {
		return err
	}
	return ensureNetwork(ctx, env)
}

// ensureNetwork creates the private network before `vagrant up
// --parallel`: Vagrant's docker provider looks for a network with the
// subnet and creates one when none exists, and machines doing that at
// the same moment race (one inspects a network another just replaced).
// The name is the one Vagrant itself would choose, so `vagrant destroy`
// removes it.
func ensureNetwork(ctx context.Context, env *Env) error {
	subnet := env.Topology.Network.Prefix.String()
	out, err := env.Runner.Output(ctx, execx.Command("docker", "network", "ls", "-q"))
	if err != nil {
		return err
	}
	ids := strings.Fields(string(out))
	if len(ids) > 0 {
		args := append([]string{"network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, ids...)
		subnets, err := env.Runner.Output(ctx, execx.Command("docker", args...))
		if err != nil {
			return err
		}
		for _, s := range strings.Fields(string(subnets)) {
			if s == subnet {
				return nil
			}
		}
	}
	env.progress("creating the docker network for %s", subnet)
	return env.Runner.Run(ctx, execx.Command("docker", "network", "create", "--subnet", subnet, "vagrant_network_"+subnet))
}

// checkStrayContainers refuses to go on when a container with one of
// this cluster's machine names exists but this render directory's
// Vagrant state does not know it: Vagrant would fail with a name
// conflict deep into `up`.
func checkStrayContainers(ctx context.Context, env *Env) error {
	out, err := env.Runner.Output(ctx, execx.Command("docker", "ps", "-a", "--format", "{{.ID}} {{.Names}}"))
	if err != nil {
		return err
	}
	known := vagrantMachineIDs(env, "docker")
	want := map[string]bool{}
	for _, n := range env.Topology.Nodes() {
		want[env.Topology.Cluster.Name+"-"+n.Name] = true
	}
	var stray []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !want[f[1]] {
			continue
		}
		isKnown := false
		for _, id := range known {
			if strings.HasPrefix(id, f[0]) {
				isKnown = true
			}
		}
		if !isKnown {
			stray = append(stray, f[1])
		}
	}
	if len(stray) > 0 {
		return fmt.Errorf("containers %s exist but do not belong to %s (left by an earlier run?): remove them with `docker rm -f %s` and run again",
			strings.Join(stray, ", "), env.Dir, strings.Join(stray, " "))
	}
	return nil
}

// dockerList answers what `vagrant status` would, from Docker itself:
// Vagrant keeps each machine's container ID in
// .vagrant/machines/<name>/docker/id, and one `docker ps` tells their
// states in a fraction of the seconds Vagrant needs to start. A machine
// whose container is gone does not exist; a container that does not run
// is "stopped".
func dockerList(ctx context.Context, env *Env) ([]provider.Machine, error) {
	ids := vagrantMachineIDs(env, "docker")
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := env.Runner.Output(ctx, execx.Command("docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}"))
	if err != nil {
		return nil, err
	}
	states := parseDockerPS(string(out))
	var ms []provider.Machine
	for name, id := range ids {
		if st, ok := states[id]; ok {
			ms = append(ms, vagrantMachine(env, name, st))
		}
	}
	return ms, nil
}

// parseDockerPS maps container IDs to Vagrant's state names.
func parseDockerPS(out string) map[string]string {
	states := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		id, state, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		if state != "running" {
			state = "stopped" // created, exited, paused, restarting, dead
		}
		states[id] = state
	}
	return states
}
