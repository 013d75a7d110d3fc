package provider

import (
	"context"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/vagrant"
)

// vagrantProvider makes machines with Vagrant from the rendered
// Vagrantfile.
type vagrantProvider struct {
	parallel  bool
	preflight func(ctx context.Context, env *Env) error
	// status, when set, answers Status faster than `vagrant status`.
	status func(ctx context.Context, env *Env) ([]Machine, error)
}

func (p *vagrantProvider) vagrant(env *Env) *vagrant.Vagrant {
	// Vagrant prefixes each machine's lines with "==> name: "; those are
	// the progress worth showing.
	r := env.Runner.WithOnLine(func(_ *execx.Cmd, line string) {
		if strings.HasPrefix(line, "==> ") {
			env.progress("%s", strings.TrimPrefix(line, "==> "))
		}
	})
	return &vagrant.Vagrant{Dir: env.Dir, Runner: r}
}

func (p *vagrantProvider) Preflight(ctx context.Context, env *Env) error {
	if _, err := execx.LookPath("vagrant"); err != nil {
		return err
	}
	if p.preflight != nil {
		return p.preflight(ctx, env)
	}
	return nil
}

func (p *vagrantProvider) Up(ctx context.Context, env *Env, names ...string) error {
	return p.vagrant(env).Up(ctx, p.parallel, names...)
}

func (p *vagrantProvider) Status(ctx context.Context, env *Env) ([]Machine, error) {
	if p.status != nil {
		return p.status(ctx, env)
	}
	ms, err := p.vagrant(env).Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Machine, len(ms))
	for i, m := range ms {
		out[i] = Machine{Name: m.Name, State: m.State}
	}
	return out, nil
}

func (p *vagrantProvider) Halt(ctx context.Context, env *Env, names ...string) error {
	return p.vagrant(env).Halt(ctx, names...)
}

func (p *vagrantProvider) Destroy(ctx context.Context, env *Env, names ...string) error {
	return p.vagrant(env).Destroy(ctx, names...)
}

func (p *vagrantProvider) SSH(env *Env, node string, args []string) *execx.Cmd {
	a := []string{"ssh", node}
	if len(args) > 0 {
		a = append(a, "--", strings.Join(args, " "))
	}
	c := execx.Command("vagrant", a...)
	c.Dir = env.Dir
	return c
}
