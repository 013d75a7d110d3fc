package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/verify"
	"github.com/nomadbox/nomadbox/provider"
)

// MachineStatus is one machine in `status`.
type MachineStatus struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Address string `json:"address"`
	State   string `json:"state"`
}

// StatusReport is what `status --json` prints.
type StatusReport struct {
	Cluster      string          `json:"cluster"`
	Provider     string          `json:"provider"`
	Dir          string          `json:"dir"`
	Machines     []MachineStatus `json:"machines"`
	Healthy      bool            `json:"healthy"`
	ConsulLeader string          `json:"consul_leader"`
	NomadLeader  string          `json:"nomad_leader"`
	FailedChecks []verify.Check  `json:"failed_checks"`
}

// Status reads the states of the session's machines and takes one quick
// look at the cluster through the APIs (no DNS checks, which need SSH).
func Status(ctx context.Context, s *Session) (*StatusReport, error) {
	st := &StatusReport{Cluster: s.Topology.Cluster.Name, Provider: s.Topology.Provider.Name, Dir: s.Dir, FailedChecks: []verify.Check{}}
	states := map[string]string{}
	ms, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		states[m.Name] = m.State
	}
	running := 0
	for _, n := range s.Topology.Nodes() {
		state := states[n.Name]
		if state == "" {
			state = provider.StateNotCreated
		}
		if state == provider.StateRunning {
			running++
		}
		st.Machines = append(st.Machines, MachineStatus{Name: n.Name, Role: string(n.Role), Address: n.Address.String(), State: state})
	}
	if running == 0 {
		return st, nil
	}
	opts := verifyOptions(s)
	opts.Exec = nil
	opts.Timeout = 3 * time.Second
	r := verify.Run(ctx, opts)
	st.Healthy, st.ConsulLeader, st.NomadLeader = r.Healthy, r.ConsulLeader, r.NomadLeader
	st.FailedChecks = append(st.FailedChecks, r.FailedChecks()...)
	return st, nil
}

// Halt stops the session's machines (those named, or all), keeping them.
func Halt(ctx context.Context, s *Session, names ...string) error {
	s.Progress.Phase("halt")
	if err := s.Provider.Halt(ctx, s.cluster(), names, s.progressLine); err != nil {
		s.Progress.Fail("")
		return err
	}
	s.Progress.Done("")
	return nil
}

// Destroy removes the session's machines, then what nomadbox wrote in
// the render directory, secrets included: a new `up` starts a new
// cluster. Open has already refused a directory that is not this
// cluster's render directory, before any machine was touched. A user's
// file in the directory stays, and with it the directory.
func Destroy(ctx context.Context, s *Session) error {
	s.Progress.Phase("destroy")
	// The secrets go only once the provider has removed every machine
	// they protect, or nomadbox has uninstalled from every existing host.
	if s.existingHosts() && s.Exists(ctx) {
		if err := (provisioner{s}).uninstall(ctx, nil); err != nil {
			s.Progress.Fail("")
			return fmt.Errorf("%w\nThe render directory %s and its secrets were kept: the hosts may still run the agents they protect.", err, s.Dir)
		}
	}
	if err := s.Provider.Destroy(ctx, s.cluster(), nil, s.progressLine); err != nil {
		s.Progress.Fail("")
		return fmt.Errorf("%w\nThe render directory %s and its secrets were kept.", err, s.Dir)
	}
	s.Close()
	kept, err := renderdir.Remove(s.Dir, s.Topology.Cluster.Name)
	if err != nil {
		s.Progress.Fail("")
		return err
	}
	what := s.Dir
	if len(kept) > 0 {
		what = fmt.Sprintf("nomadbox's files in %s (the directory stays: it holds %s, which nomadbox did not make)", s.Dir, strings.Join(kept, ", "))
	}
	if s.existingHosts() {
		s.Progress.Done("uninstalled from the hosts (they keep running) and removed " + what)
		return nil
	}
	s.Progress.Done("removed the machines and " + what)
	return nil
}

// SSHCommand is the command that opens a shell on node of the session's
// cluster, or runs args there.
func SSHCommand(s *Session, node string, args []string) (*execx.Cmd, error) {
	n, err := findNode(s.Topology, node)
	if err != nil {
		return nil, err
	}
	return execx.Command("ssh", append(s.nodeSSH().Args(n, len(args) == 0), args...)...), nil
}
