package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/secrets"
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

// Status is what `status --json` prints.
type Status struct {
	Cluster      string          `json:"cluster"`
	Provider     string          `json:"provider"`
	Dir          string          `json:"dir"`
	Machines     []MachineStatus `json:"machines"`
	Healthy      bool            `json:"healthy"`
	ConsulLeader string          `json:"consul_leader"`
	NomadLeader  string          `json:"nomad_leader"`
	FailedChecks []verify.Check  `json:"failed_checks"`
}

// Status reads the machines' states and takes one quick look at the
// cluster through the APIs (no DNS checks, which need SSH).
func (s *Session) Status(ctx context.Context) (*Status, error) {
	st := &Status{Cluster: s.Topology.Cluster.Name, Provider: s.Topology.Provider.Name, Dir: s.Dir, FailedChecks: []verify.Check{}}
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

// Env returns the environment variables that point the consul and nomad
// command line tools at this cluster, as `export` lines for eval. Secrets
// are referred to by path, never printed: Consul reads its token file
// itself; Nomad has no such variable, so its token is read by the shell
// that evaluates the lines. token chooses Nomad's token: "management"
// (the default), "read" or "submit"; with the latter two Consul gets the
// read-only DNS token, so that nothing in the environment can change the
// cluster beyond what the chosen token allows.
func (s *Session) Env(token string) ([]string, error) {
	file, err := tokenFile(token)
	if err != nil {
		return nil, err
	}
	first := s.Topology.Servers()[0]
	a, _ := s.access() // the lines name the files whether or not they exist
	quote := func(path string) string { return execx.Quote([]string{path}) }
	lines := []string{
		"export NOMAD_ADDR=" + agentconfig.NomadURL(s.Topology, first),
		"export CONSUL_HTTP_ADDR=" + agentconfig.ConsulURL(s.Topology, first),
	}
	if a.CAFile != "" {
		lines = append(lines, "export NOMAD_CACERT="+quote(a.CAFile), "export CONSUL_CACERT="+quote(a.CAFile))
	}
	if !s.Topology.Security.ACL {
		return lines, nil
	}
	consulToken := secrets.ConsulManagementToken
	if file != secrets.NomadManagementToken {
		consulToken = secrets.ConsulDNSToken
	}
	path := secrets.Path(s.Dir, file)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("the cluster has no %s token yet (%s): run `nomadbox up` or `nomadbox provision` first", token, path)
	}
	return append(lines,
		"export CONSUL_HTTP_TOKEN_FILE="+quote(secrets.Path(s.Dir, consulToken)),
		fmt.Sprintf(`export NOMAD_TOKEN="$(cat %s)"`, quote(path))), nil
}

// Halt stops the machines, keeping them.
func (s *Session) Halt(ctx context.Context, names ...string) error {
	s.Progress.Phase("halt")
	if err := s.Provider.Halt(ctx, s.cluster(), names, s.progressLine); err != nil {
		s.Progress.Fail("")
		return err
	}
	s.Progress.Done("")
	return nil
}

// Destroy removes the machines, then what nomadbox wrote in the render
// directory, secrets included: a new `up` starts a new cluster. Open has
// already refused a directory that is not this cluster's render
// directory, before any machine was touched. A user's file in the
// directory stays, and with it the directory.
func (s *Session) Destroy(ctx context.Context) error {
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

// SSHCommand is the command that opens a shell on node, or runs args
// there.
func (s *Session) SSHCommand(node string, args []string) (*execx.Cmd, error) {
	n, err := s.node(node)
	if err != nil {
		return nil, err
	}
	return execx.Command("ssh", append(s.nodeSSH().Args(n, len(args) == 0), args...)...), nil
}
