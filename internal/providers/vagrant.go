package providers

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/vagrant"
	"github.com/nomadbox/nomadbox/provider"
)

// vagrantProvider makes machines with Vagrant from the rendered
// Vagrantfile.
type vagrantProvider struct {
	name      string // Vagrant's provider name
	parallel  bool
	preflight func(ctx context.Context, env *builtin.Env) error
	// list, when set, answers List faster than `vagrant status`.
	list func(ctx context.Context, env *builtin.Env) ([]provider.Machine, error)
}

func (p *vagrantProvider) vagrant(env *builtin.Env) *vagrant.Vagrant {
	// Vagrant prefixes each machine's lines with "==> name: "; those are
	// the progress worth showing.
	r := env.Runner.WithOnLine(func(_ *execx.Cmd, line string) {
		if strings.HasPrefix(line, "==> ") {
			env.Progressf("%s", strings.TrimPrefix(line, "==> "))
		}
	})
	return &vagrant.Vagrant{Dir: env.Dir, Runner: r}
}

func (p *vagrantProvider) Preflight(ctx context.Context, env *builtin.Env) error {
	if _, err := execx.LookPath("vagrant"); err != nil {
		return err
	}
	if p.preflight != nil {
		return p.preflight(ctx, env)
	}
	return nil
}

func (p *vagrantProvider) Up(ctx context.Context, env *builtin.Env, names ...string) error {
	return p.vagrant(env).Up(ctx, p.parallel, names...)
}

// List asks Vagrant only when its state in the render directory knows
// a machine: a cluster never brought up costs no Vagrant start.
func (p *vagrantProvider) List(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	if p.list != nil {
		return p.list(ctx, env)
	}
	ids := vagrantMachineIDs(env, p.name)
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := p.vagrant(env).Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []provider.Machine
	for _, m := range ms {
		if _, ok := ids[m.Name]; ok && m.State != provider.StateNotCreated {
			out = append(out, vagrantMachine(env, m.Name, m.State))
		}
	}
	return out, nil
}

// vagrantMachine is a machine at the address the Vagrantfile gave it,
// reached with Vagrant's key (the Vagrantfile keeps it).
func vagrantMachine(env *builtin.Env, name, state string) provider.Machine {
	m := provider.Machine{Name: name, State: state}
	for _, n := range env.Topology.Nodes() {
		if n.Name == name {
			m.Address = n.Address.String()
		}
	}
	m.SSH = provider.SSH{Host: m.Address, Port: 22, User: "vagrant", PrivateKeyPath: nodeexec.VagrantKey()}
	return m
}

func (p *vagrantProvider) Halt(ctx context.Context, env *builtin.Env, names ...string) error {
	return p.vagrant(env).Halt(ctx, names...)
}

func (p *vagrantProvider) Destroy(ctx context.Context, env *builtin.Env, names ...string) error {
	if len(names) == 0 && len(vagrantMachineIDs(env, p.name)) == 0 {
		return nil // nothing was ever created here
	}
	return p.vagrant(env).Destroy(ctx, names...)
}

// vagrantMachineIDs maps the machines Vagrant made in this render
// directory to their IDs, which it keeps in
// .vagrant/machines/<name>/<provider>/id.
func vagrantMachineIDs(env *builtin.Env, providerName string) map[string]string {
	ids := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(env.Dir, ".vagrant", "machines", "*", providerName, "id"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.TrimSpace(string(b)) != "" {
			ids[filepath.Base(filepath.Dir(filepath.Dir(f)))] = strings.TrimSpace(string(b))
		}
	}
	return ids
}
