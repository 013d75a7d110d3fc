package cluster

import (
	"context"
	"fmt"
	"io"
	"time"

	capi "github.com/hashicorp/consul/api"
	"github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/nodeexec"
	"github.com/nomadbox/nomadbox/internal/raftpeers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// remover takes nodes out of a running cluster: through the Nomad API of
// its servers and over SSH to the nodes themselves.
type remover struct {
	s        *Session
	nomad    *api.Client
	ssh      *nodeexec.SSH
	deadline time.Duration // bounds the drain of each client
}

// removeNodes takes nodes out of the cluster gracefully, then destroys
// their machines: clients are drained through the Nomad API (their
// allocations move to other clients, within deadline) and leave Consul;
// servers leave Consul's and Nomad's Raft before they go.
func removeNodes(ctx context.Context, s *Session, nodes []topology.Node, deadline time.Duration) error {
	jc, err := Jobs(s, io.Discard)
	if err != nil {
		return err
	}
	r := &remover{s: s, nomad: jc.Nomad, ssh: s.nodeSSH(), deadline: deadline}
	return r.remove(ctx, nodes)
}

// remove is removeNodes.
func (r *remover) remove(ctx context.Context, nodes []topology.Node) error {
	s, nomad := r.s, r.nomad
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
		if n.Role == topology.RoleClient {
			if err := r.drain(ctx, n); err != nil {
				return err
			}
			s.Progress.Detail("%s: leaving Consul", n.Name)
			if err := r.leave(ctx, n); err != nil {
				return err
			}
			if id, err := nodeID(nomad, n.Name); err == nil && id != "" {
				nomad.Nodes().Purge(id, nil)
			}
			continue
		}
		s.Progress.Detail("%s: leaving Consul and Nomad", n.Name)
		if err := r.leave(ctx, n); err != nil {
			return err
		}
		// A stopped Nomad server stays a Raft peer until removed; take it
		// out so the remaining servers count the right quorum.
		addr := fmt.Sprintf("%s:4647", n.Address)
		if _, err := raftpeers.RemoveNomad(nomad.Operator(), addr); err != nil {
			s.Logf("%s: %v", n.Name, err)
		}
		nomad.Agent().ForceLeave(n.Name + "." + s.Topology.Cluster.Region)
	}
	if s.existingHosts() {
		// The hosts stay; what nomadbox put on them goes.
		return provisioner{s}.uninstall(ctx, names)
	}
	s.Progress.Detail("destroying %v", names)
	return s.Provider.Destroy(ctx, s.cluster(), names, s.progressLine)
}

// leave stops n's Nomad agent and makes its Consul agent leave the
// cluster gracefully (which also stops it). The leave goes through the
// agent's HTTP API with the cluster's token, as `consul leave` would, so
// it works with ACLs on. An agent that is already gone (an earlier,
// interrupted removal) is fine: the machine goes either way.
func (r *remover) leave(ctx context.Context, n topology.Node) error {
	s, ssh := r.s, r.ssh
	if _, err := ssh.Exec(ctx, n, "sudo systemctl stop nomad"); err != nil {
		return fmt.Errorf("%s: stopping Nomad: %w", n.Name, err)
	}
	a, err := readAccess(s.Topology, s.Dir)
	if err != nil {
		return err
	}
	c, err := capi.NewClient(&capi.Config{
		Address:    agentconfig.ConsulURL(s.Topology, n),
		Token:      a.ConsulToken,
		HttpClient: a.httpClient(time.Minute), // a graceful leave takes seconds
	})
	if err != nil {
		return err
	}
	err = c.Agent().Leave()
	if err == nil {
		return nil
	}
	if _, serr := ssh.Exec(ctx, n, "! systemctl is-active --quiet consul"); serr == nil {
		return nil
	}
	return fmt.Errorf("%s: leaving Consul: %w", n.Name, err)
}

// nodeID is the ID of the Nomad node called name: the one that is not
// down when an earlier run left another of that name; "" when none.
func nodeID(c *api.Client, name string) (string, error) {
	nodes, _, err := c.Nodes().List(nil)
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		if n.Name == name && n.Status != "down" {
			return n.ID, nil
		}
	}
	for _, n := range nodes {
		if n.Name == name {
			return n.ID, nil
		}
	}
	return "", nil
}

// drain marks a client ineligible and moves its allocations away,
// waiting until the drain is complete.
func (r *remover) drain(ctx context.Context, n topology.Node) error {
	s, c, deadline := r.s, r.nomad, r.deadline
	id, err := nodeID(c, n.Name)
	if err != nil {
		return fmt.Errorf("%s: finding its Nomad node: %w", n.Name, err)
	}
	if id == "" {
		return nil // never registered: nothing runs there
	}
	s.Progress.Detail("%s: draining (deadline %s)", n.Name, deadline)
	if _, err := c.Nodes().UpdateDrainOpts(id, &api.DrainOptions{
		DrainSpec:    &api.DrainSpec{Deadline: deadline},
		MarkEligible: false,
	}, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("%s: starting the drain: %w", n.Name, err)
	}
	limit := time.Now().Add(deadline + time.Minute)
	for {
		node, _, err := c.Nodes().Info(id, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		allocs, _, err := c.Nodes().Allocations(id, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		live := 0
		for _, a := range allocs {
			if a.DesiredStatus == "run" && (a.ClientStatus == "running" || a.ClientStatus == "pending") && a.Job != nil && *a.Job.Type != "system" {
				live++
			}
		}
		if node.DrainStrategy == nil && live == 0 {
			s.Progress.Detail("%s: drained", n.Name)
			return nil
		}
		if time.Now().After(limit) {
			return fmt.Errorf("%s: the drain did not finish within %s (%d allocations still running)", n.Name, deadline, live)
		}
		s.Progress.Detail("%s: draining, %d allocation(s) to move", n.Name, live)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
