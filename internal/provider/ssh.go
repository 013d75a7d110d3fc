package provider

import (
	"context"
	"errors"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
)

// sshHosts is the ssh provider: the machines already exist and are not
// nomadbox's to start, stop or remove.
type sshHosts struct{}

var errNotOurs = errors.New("the ssh provider manages existing hosts: nomadbox does not start, stop or remove them")

func (sshHosts) Preflight(ctx context.Context, env *Env) error {
	_, err := execx.LookPath("ssh")
	return err
}

// Up checks every host answers over SSH.
func (sshHosts) Up(ctx context.Context, env *Env, names ...string) error {
	s := nodeexec.For(env.Topology, env.Runner)
	for _, n := range env.Topology.Nodes() {
		env.progress("%s: checking SSH", n.Name)
		if _, err := s.Exec(ctx, n, "true"); err != nil {
			return err
		}
	}
	return nil
}

func (sshHosts) Status(ctx context.Context, env *Env) ([]Machine, error) {
	s := nodeexec.For(env.Topology, env.Runner)
	var out []Machine
	for _, n := range env.Topology.Nodes() {
		state := "running"
		if _, err := s.Exec(ctx, n, "true"); err != nil {
			state = "unreachable"
		}
		out = append(out, Machine{Name: n.Name, State: state})
	}
	return out, nil
}

func (sshHosts) Halt(context.Context, *Env, ...string) error    { return errNotOurs }
func (sshHosts) Destroy(context.Context, *Env, ...string) error { return errNotOurs }

func (sshHosts) SSH(env *Env, node string, args []string) *execx.Cmd {
	s := nodeexec.For(env.Topology, env.Runner)
	for _, n := range env.Topology.Nodes() {
		if n.Name == node {
			return execx.Command("ssh", append(s.Args(n, len(args) == 0), args...)...)
		}
	}
	return execx.Command("ssh", node)
}
