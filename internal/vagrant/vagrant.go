// Package vagrant drives the vagrant command line for a render
// directory: bring machines up, read their state, halt and destroy them.
// Everything runs through execx, so commands are logged and failures
// carry their output.
package vagrant

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/nomadbox/nomadbox/internal/execx"
)

// Vagrant runs vagrant in one render directory.
type Vagrant struct {
	Dir    string // holds the Vagrantfile
	Runner *execx.Runner
}

// env keeps Vagrant from phoning home and from asking questions.
var env = []string{"VAGRANT_CHECKPOINT_DISABLE=1", "VAGRANT_NO_COLOR=1"}

func (v *Vagrant) cmd(args ...string) *execx.Cmd {
	c := execx.Command("vagrant", args...)
	c.Dir = v.Dir
	c.Env = env
	return c
}

// Up creates and starts machines (all when names is empty) without
// running the provisioner: nomadbox runs Ansible itself, once, after
// every machine is up.
func (v *Vagrant) Up(ctx context.Context, parallel bool, names ...string) error {
	args := []string{"up", "--no-provision"}
	if parallel {
		args = append(args, "--parallel")
	} else {
		args = append(args, "--no-parallel")
	}
	return v.Runner.Run(ctx, v.cmd(append(args, names...)...))
}

// Halt stops machines (all when names is empty).
func (v *Vagrant) Halt(ctx context.Context, names ...string) error {
	return v.Runner.Run(ctx, v.cmd(append([]string{"halt"}, names...)...))
}

// Destroy removes machines (all when names is empty).
func (v *Vagrant) Destroy(ctx context.Context, names ...string) error {
	return v.Runner.Run(ctx, v.cmd(append([]string{"destroy", "--force"}, names...)...))
}

// Machine is one machine as `vagrant status` reports it.
type Machine struct {
	Name     string `json:"name"`
	State    string `json:"state"` // running, stopped, not_created, ...
	Provider string `json:"provider"`
}

// Status reads `vagrant status --machine-readable`.
func (v *Vagrant) Status(ctx context.Context) ([]Machine, error) {
	out, err := v.Runner.Output(ctx, v.cmd("status", "--machine-readable"))
	if err != nil {
		return nil, err
	}
	return parseStatus(out)
}

// parseStatus reads Vagrant's machine-readable lines:
// timestamp,target,type,data... ("1700000000,nomad-server1,state,running").
func parseStatus(out []byte) ([]Machine, error) {
	byName := map[string]*Machine{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ",", 4)
		if len(f) < 4 || f[1] == "" {
			continue
		}
		name, typ, data := f[1], f[2], f[3]
		m, ok := byName[name]
		if !ok {
			m = &Machine{Name: name}
			byName[name] = m
			order = append(order, name)
		}
		switch typ {
		case "state":
			m.State = data
		case "provider-name":
			m.Provider = data
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("vagrant status printed no machines")
	}
	machines := make([]Machine, 0, len(order))
	for _, n := range order {
		machines = append(machines, *byName[n])
	}
	return machines, nil
}

// SSHConfig returns `vagrant ssh-config` for all machines: an OpenSSH
// client configuration with one Host entry per machine.
func (v *Vagrant) SSHConfig(ctx context.Context) ([]byte, error) {
	return v.Runner.Output(ctx, v.cmd("ssh-config"))
}
