// Package vagrant holds the built-in providers whose machines Vagrant
// makes from the rendered Vagrantfile: virtualbox, hyperv and parallels
// here, libvirt (which adds its own preflight and listing) in
// internal/providers/libvirt, and the docker provider when its block
// says vagrant = true.
package vagrant

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
	vagrantcli "github.com/nomadbox/nomadbox/internal/vagrant"
	"github.com/nomadbox/nomadbox/provider"
)

// Machines makes machines with Vagrant from the rendered Vagrantfile.
type Machines struct {
	Name string // Vagrant's provider name
	// Parallel: `vagrant up --parallel`, which Vagrant refuses for
	// VirtualBox and Hyper-V. The provider's ParallelUp capability is
	// this answer (NewSpec).
	Parallel bool
	// Check, when set, is the provider's own preflight, after Vagrant's.
	Check func(ctx context.Context, env *builtin.Env) error
	// FastList, when set, answers List faster than `vagrant status`.
	FastList func(ctx context.Context, env *builtin.Env) ([]provider.Machine, error)
}

// NewSpec is the built-in provider whose machines m makes: it needs
// Vagrant and tools on this machine, and its capabilities follow m.
// Its block is checked by CheckBox; a provider with more to check sets
// the Spec's Check itself.
func NewSpec(m Machines, schema []provider.Attribute, tools ...string) builtin.Spec {
	return builtin.Spec{
		Name:         m.Name,
		Capabilities: provider.Capabilities{UsesVagrant: true, CanHalt: true, ParallelUp: m.Parallel},
		Schema:       schema,
		Check:        CheckBox,
		Tools:        append([]string{"vagrant"}, tools...),
		New:          func() builtin.Machines { c := m; return &c },
	}
}

// BoxAttrs are the attributes of every provider that boots a Vagrant
// box, whose box is defaultBox unless the block names one.
func BoxAttrs(defaultBox string) []provider.Attribute {
	return []provider.Attribute{
		{Name: "box", Type: provider.TypeString, Default: defaultBox, Description: "The Vagrant box of every machine."},
		{Name: "box_version", Type: provider.TypeString, Description: "A version constraint for the box."},
	}
}

// BoxConfig is the box attributes' values.
type BoxConfig struct {
	Box        string `json:"box"`
	BoxVersion string `json:"box_version"`
}

// BoxOf reads the box attributes of a provider block's values.
func BoxOf(config map[string]any) BoxConfig { return builtin.ConfigOf[BoxConfig](config) }

// CheckBox checks the box attributes of t's provider block.
func CheckBox(t *topology.Topology) hcl.Diagnostics {
	return builtin.CheckNotEmpty(&t.Provider, "box")
}

// HyperVConfig is the hyperv provider's block.
type HyperVConfig struct {
	BoxConfig
	Switch string `json:"switch"`
}

// HyperVOf reads the hyperv provider's block values.
func HyperVOf(config map[string]any) HyperVConfig { return builtin.ConfigOf[HyperVConfig](config) }

// HyperV and Parallels are Vagrant's providers with nothing of
// nomadbox's own to check first (VirtualBox: virtualbox.go).
var (
	HyperV = withRuby(NewSpec(Machines{Name: "hyperv"}, append(BoxAttrs(topology.DefaultBox),
		provider.Attribute{Name: "switch", Type: provider.TypeString, Description: "The Hyper-V virtual switch of the public network."},
	), "powershell.exe"), boxRuby("hyperv", hypervRuby, HyperVOf))
	Parallels = withRuby(NewSpec(Machines{Name: "parallels", Parallel: true}, BoxAttrs(topology.DefaultBox), "prlctl"),
		boxRuby("parallels", parallelsRuby, BoxOf))
)

func (p *Machines) vagrant(env *builtin.Env) *vagrantcli.Vagrant {
	// Vagrant prefixes each machine's lines with "==> name: "; those are
	// the progress worth showing.
	r := env.Runner.WithOnLine(func(_ *execx.Cmd, line string) {
		if strings.HasPrefix(line, "==> ") {
			env.Progressf("%s", strings.TrimPrefix(line, "==> "))
		}
	})
	return &vagrantcli.Vagrant{Dir: env.Dir, Runner: r}
}

func (p *Machines) Preflight(ctx context.Context, env *builtin.Env) error {
	if _, err := execx.LookPath("vagrant"); err != nil {
		return err
	}
	if p.Check != nil {
		return p.Check(ctx, env)
	}
	return nil
}

func (p *Machines) Up(ctx context.Context, env *builtin.Env, names ...string) error {
	return p.vagrant(env).Up(ctx, p.Parallel, names...)
}

// List asks Vagrant only when its state in the render directory knows
// a machine: a cluster never brought up costs no Vagrant start.
func (p *Machines) List(ctx context.Context, env *builtin.Env) ([]provider.Machine, error) {
	if p.FastList != nil {
		return p.FastList(ctx, env)
	}
	ids := MachineIDs(env, p.Name)
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
			out = append(out, Machine(env, m.Name, m.State))
		}
	}
	return out, nil
}

// Machine is a machine at the address the Vagrantfile gave it,
// reached with Vagrant's key (the Vagrantfile keeps it).
func Machine(env *builtin.Env, name, state string) provider.Machine {
	m := provider.Machine{Name: name, State: state}
	for _, n := range env.Topology.Nodes() {
		if n.Name == name {
			m.Address = n.Address.String()
		}
	}
	m.SSH = provider.SSH{Host: m.Address, Port: 22, User: "vagrant", PrivateKeyPath: nodeexec.VagrantKey()}
	return m
}

func (p *Machines) Halt(ctx context.Context, env *builtin.Env, names ...string) error {
	return p.vagrant(env).Halt(ctx, names...)
}

func (p *Machines) Destroy(ctx context.Context, env *builtin.Env, names ...string) error {
	if len(names) == 0 && len(MachineIDs(env, p.Name)) == 0 {
		return nil // nothing was ever created here
	}
	return p.vagrant(env).Destroy(ctx, names...)
}

// MachineIDs maps the machines Vagrant made in this render
// directory to their IDs, which it keeps in
// .vagrant/machines/<name>/<provider>/id.
func MachineIDs(env *builtin.Env, providerName string) map[string]string {
	ids := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(env.Dir, ".vagrant", "machines", "*", providerName, "id"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.TrimSpace(string(b)) != "" {
			ids[filepath.Base(filepath.Dir(filepath.Dir(f)))] = strings.TrimSpace(string(b))
		}
	}
	return ids
}
