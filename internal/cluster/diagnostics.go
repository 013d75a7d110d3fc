package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/nomadbox/nomadbox/internal/bundle"
	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/journal"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// What the render directory keeps of the last plan and verification, for
// `export logs`.
const (
	lastPlanFile   = "last-plan.txt"
	lastVerifyFile = "last-verify.json"
)

// findNode finds a node of t by name.
func findNode(t *topology.Topology, name string) (topology.Node, error) {
	for _, n := range t.Nodes() {
		if n.Name == name {
			return n, nil
		}
	}
	return topology.Node{}, CheckNodes(t, name)
}

// UnknownNodeError is a node name that the topology does not have. The
// command line named it, so the CLI treats it as a usage error.
type UnknownNodeError struct {
	Name, Cluster string
	Nodes         []string // the topology's nodes
}

func (e *UnknownNodeError) Error() string {
	return fmt.Sprintf("no node %q in cluster %q; its nodes are %s", e.Name, e.Cluster, strings.Join(e.Nodes, ", "))
}

// CheckNodes refuses the first name that is not a node of t, before a
// command does anything with the others.
func CheckNodes(t *topology.Topology, names ...string) error {
	known := map[string]bool{}
	var all []string
	for _, n := range t.Nodes() {
		known[n.Name] = true
		all = append(all, n.Name)
	}
	for _, name := range names {
		if !known[name] {
			return &UnknownNodeError{Name: name, Cluster: t.Cluster.Name, Nodes: all}
		}
	}
	return nil
}

// LogsOptions choose which journal `nomadbox logs` shows.
type LogsOptions struct {
	Node   string
	Units  []string // journal.Names; empty for every unit on the node
	Since  string   // journal.Since's input
	Follow bool
	Out    io.Writer
}

// Logs streams the journal of the units nomadbox installed on a node of
// the session's cluster.
func Logs(ctx context.Context, s *Session, o LogsOptions) error {
	n, err := findNode(s.Topology, o.Node)
	if err != nil {
		return err
	}
	units, err := journal.Select(s.Topology, n, o.Units)
	if err != nil {
		return err
	}
	since, err := journal.Since(o.Since)
	if err != nil {
		return err
	}
	ssh := s.nodeSSH()
	cmd := execx.Command("ssh", append(ssh.Args(n, false), "--", journal.Command(units, since, o.Follow))...)
	cmd.Stdout = o.Out
	if err := s.Runner.Run(ctx, cmd); err != nil {
		if ctx.Err() != nil && o.Follow {
			return nil // Ctrl-C ends a followed journal
		}
		return fmt.Errorf("reading the journal of %s: %w", n.Name, err)
	}
	return nil
}

// ExportOptions say where `export logs` writes and how much journal.
type ExportOptions struct {
	Dir     string
	Since   string
	Version string
}

// ExportLogs writes the diagnostics archive of the session's cluster.
func ExportLogs(ctx context.Context, s *Session, o ExportOptions) (*bundle.Result, error) {
	since, err := journal.Since(o.Since)
	if err != nil {
		return nil, err
	}
	a, err := readAccess(s.Topology, s.Dir)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	if a.ConsulToken != "" {
		env["CONSUL_HTTP_TOKEN"] = a.ConsulToken
	}
	if a.NomadToken != "" {
		env["NOMAD_TOKEN"] = a.NomadToken
	}
	var nodes []bundle.Node
	for _, n := range s.Topology.Nodes() {
		nodes = append(nodes, bundle.Node{Name: n.Name, Units: journal.Units(s.Topology, n)})
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	s.Progress.Phase("export logs")
	res, err := bundle.Export(ctx, bundle.Options{
		Cluster:   s.Topology.Cluster.Name,
		Version:   o.Version,
		Dir:       dir,
		Nodes:     nodes,
		Collector: &sshCollector{s: s, ssh: s.nodeSSH()},
		Env:       env,
		Since:     since,
		Secrets:   secrets.Values(s.Dir),
		Local: []bundle.LocalFile{
			{Name: LogFile, Path: s.LogPath},
			{Name: "topology.hcl", Path: s.Topology.Filename},
			{Name: lastPlanFile, Path: filepath.Join(s.Dir, lastPlanFile), Missing: "no `up` on an existing cluster has printed a plan yet"},
			{Name: lastVerifyFile, Path: filepath.Join(s.Dir, lastVerifyFile), Missing: "the cluster has not been verified yet"},
		},
	})
	if err != nil {
		s.Progress.Fail("")
		return nil, err
	}
	if bad := res.Unreachable(); len(bad) > 0 {
		s.Progress.Done(fmt.Sprintf("%s (unreachable: %s)", res.Path, strings.Join(bad, ", ")))
	} else {
		s.Progress.Done(res.Path)
	}
	return res, nil
}

// sshCollector runs the collection script as root over the same SSH
// that verify uses. The archive it prints is kept off the log.
type sshCollector struct {
	s   *Session
	ssh *nodeexec.SSH
}

func (c *sshCollector) Collect(ctx context.Context, name string, script io.Reader) ([]byte, error) {
	n, err := findNode(c.s.Topology, name)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd := execx.Command("ssh", append(c.ssh.Args(n, false), "--", "sudo -n bash -s")...)
	cmd.Stdin, cmd.Stdout = script, &out
	if err := c.s.Runner.Run(ctx, cmd); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
