package verify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	napi "github.com/hashicorp/nomad/api"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// nomadResult is the Nomad part of a report.
type nomadResult struct {
	leader string
	checks []Check
}

func newNomadClient(e *env, n topology.Node) (*napi.Client, error) {
	addr := e.NomadAddr(n)
	if _, err := parseAgentURL("Nomad", addr); err != nil {
		return nil, err
	}
	// With HttpClient set, the client reads nothing from NOMAD_* variables.
	return napi.NewClient(&napi.Config{
		Address:    addr,
		HttpClient: e.hc,
		SecretID:   e.NomadToken,
	})
}

func nomadQuery(ctx context.Context, stale bool) *napi.QueryOptions {
	return (&napi.QueryOptions{AllowStale: stale}).WithContext(ctx)
}

// askNomadLeader asks one agent for the leader's RPC address.
func askNomadLeader(ctx context.Context, c *napi.Client) (string, error) {
	var leader string
	_, err := c.Raw().Query("/v1/status/leader", &leader, nomadQuery(ctx, false))
	return leader, err
}

// nomadState is the cluster as one Nomad server sees it; each part
// carries the error that kept it from being read.
type nomadState struct {
	members    *napi.ServerMembers
	membersErr error
	raft       []raftServer
	raftErr    error
	nodes      []*napi.NodeListStub
	nodesErr   error
	// chosen[i] is the registration of e.clients[i], details filled in
	// from /v1/node/:id when the list lacks drivers; infoErr[i] is why
	// they could not be.
	chosen  []*napi.NodeListStub
	infoErr []error
}

var nomadAPI = agentAPI[*napi.Client]{
	product: "Nomad", leaderCheck: CheckNomadLeader, dial: newNomadClient, askLeader: askNomadLeader,
}

func checkNomad(ctx context.Context, e *env) nomadResult {
	a := nomadAPI.probe(ctx, e)
	res := nomadResult{leader: a.leaderAddr, checks: []Check{a.leader}}

	st := nomadState{
		membersErr: a.noServer, raftErr: a.noServer, nodesErr: a.noServer,
		chosen: make([]*napi.NodeListStub, len(e.clients)), infoErr: make([]error, len(e.clients)),
	}
	if a.from >= 0 {
		st = readNomad(ctx, e, a.clients[a.from])
	}
	res.checks = append(res.checks, raftCheck(e, CheckNomadServers, "Nomad", a.via, st.raft, st.raftErr))

	for i, n := range e.servers {
		problems := nomadServerProblems(e, n, st.members, st.membersErr, a.via)
		res.checks = append(res.checks, nodeCheck(CheckNomadServer, n, problems, e.NomadAddr(n), a.probes[i], "alive at "+n.Address.String()))
	}
	for i, n := range e.clients {
		p := a.probes[len(e.servers)+i]
		problems := nomadClientProblems(n, st.chosen[i], st.nodes, st.nodesErr, st.infoErr[i], a.via)
		res.checks = append(res.checks, nodeCheck(CheckNomadClient, n, problems, e.NomadAddr(n), p, clientOK(n)))
	}
	return res
}

// readNomad reads the server members, the Raft configuration and the
// node list from one server at once, then what the list lacks about the
// topology's clients.
func readNomad(ctx context.Context, e *env, c *napi.Client) nomadState {
	var (
		st   nomadState
		raft *napi.RaftConfiguration
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		st.members, st.membersErr = fetch(ctx, e, func(ctx context.Context) (*napi.ServerMembers, error) {
			return c.Agent().MembersOpts(nomadQuery(ctx, false))
		})
	})
	wg.Go(func() {
		raft, st.raftErr = fetch(ctx, e, func(ctx context.Context) (*napi.RaftConfiguration, error) {
			return c.Operator().RaftGetConfiguration(nomadQuery(ctx, true))
		})
	})
	wg.Go(func() {
		st.nodes, st.nodesErr = fetch(ctx, e, func(ctx context.Context) ([]*napi.NodeListStub, error) {
			nodes, _, err := c.Nodes().List(nomadQuery(ctx, true))
			return nodes, err
		})
		st.chosen, st.infoErr = nomadClients(ctx, e, c, st.nodes, st.nodesErr)
	})
	wg.Wait()
	if raft != nil {
		for _, s := range raft.Servers {
			if s != nil {
				st.raft = append(st.raft, raftServer{Node: s.Node, Address: s.Address, Leader: s.Leader, Voter: s.Voter})
			}
		}
	}
	return st
}

// nomadClients picks each topology client's registration out of the node
// list, asking /v1/node/:id for the drivers where the list lacks them
// (agents older than the list's Drivers field).
func nomadClients(ctx context.Context, e *env, c *napi.Client, nodes []*napi.NodeListStub, nodesErr error) ([]*napi.NodeListStub, []error) {
	chosen := make([]*napi.NodeListStub, len(e.clients))
	infoErr := make([]error, len(e.clients))
	if nodesErr != nil {
		return chosen, infoErr
	}
	for i, n := range e.clients {
		chosen[i] = findNomadNode(nodes, n)
	}
	forEach(len(e.clients), parallel, func(i int) {
		stub := chosen[i]
		if stub == nil || stub.Drivers != nil {
			return
		}
		var node *napi.Node
		node, infoErr[i] = fetch(ctx, e, func(ctx context.Context) (*napi.Node, error) {
			node, _, err := c.Nodes().Info(stub.ID, nomadQuery(ctx, true))
			return node, err
		})
		if infoErr[i] == nil {
			cp := *stub
			cp.Drivers = node.Drivers
			chosen[i] = &cp
		}
	})
	return chosen, infoErr
}

// findNomadServer finds a server's serf member: Nomad names it
// "<name>.<region>". Failing that, by address.
func findNomadServer(members []*napi.AgentMember, n topology.Node) *napi.AgentMember {
	ip := n.Address.String()
	return findFirst(members,
		func(m *napi.AgentMember) bool { return serverName(m) == n.Name },
		func(m *napi.AgentMember) bool { return m.Addr == ip })
}

// serverName is a Nomad server member's node name, without ".<region>".
func serverName(m *napi.AgentMember) string {
	name, _, _ := strings.Cut(m.Name, ".")
	return name
}

// errEmptyAnswer is a read that succeeded with nothing in it.
var errEmptyAnswer = errors.New("empty answer")

// nomadServerProblems compares server n with its entry in Nomad's
// server members, read from a server (via).
func nomadServerProblems(e *env, n topology.Node, members *napi.ServerMembers, membersErr error, via string) []string {
	switch {
	case membersErr != nil:
		return []string{unavailable("server members", via, membersErr)}
	case members == nil:
		return []string{unavailable("server members", via, errEmptyAnswer)}
	}
	m := findNomadServer(members.Members, n)
	if m == nil {
		return []string{fmt.Sprintf("not among Nomad's server members%s", via)}
	}
	problems := memberProblems(n, m.Name, serverName(m), m.Status, m.Addr)
	if want := e.Topology.Cluster.Region; want != "" && m.Tags["region"] != "" && m.Tags["region"] != want {
		problems = append(problems, fmt.Sprintf("in region %s, want %s", m.Tags["region"], want))
	}
	return problems
}

// findNomadNode finds a client's registration by name, else by address.
// A node that was re-created keeps its old, down registration next to
// the new one: a ready registration wins, then the newest.
func findNomadNode(nodes []*napi.NodeListStub, n topology.Node) *napi.NodeListStub {
	match := func(f func(*napi.NodeListStub) bool) *napi.NodeListStub {
		var cands []*napi.NodeListStub
		for _, s := range nodes {
			if s != nil && f(s) {
				cands = append(cands, s)
			}
		}
		sort.SliceStable(cands, func(i, j int) bool {
			ri, rj := cands[i].Status == "ready", cands[j].Status == "ready"
			if ri != rj {
				return ri
			}
			return cands[i].CreateIndex > cands[j].CreateIndex
		})
		if len(cands) == 0 {
			return nil
		}
		return cands[0]
	}
	if s := match(func(s *napi.NodeListStub) bool { return s.Name == n.Name }); s != nil {
		return s
	}
	ip := n.Address.String()
	return match(func(s *napi.NodeListStub) bool { return s.Address == ip })
}

// nomadClientProblems compares client n with its registration (stub,
// picked out of the node list read from a server, via), its details
// filled in where the list lacks them (infoErr says why they are not).
func nomadClientProblems(n topology.Node, stub *napi.NodeListStub, nodes []*napi.NodeListStub, nodesErr, infoErr error, via string) []string {
	switch {
	case nodesErr != nil:
		return []string{unavailable("node list", via, nodesErr)}
	case stub == nil:
		return []string{fmt.Sprintf("not registered with the Nomad servers%s (%d node(s) known)", via, len(nodes))}
	}
	var problems []string
	if stub.Name != n.Name {
		problems = append(problems, fmt.Sprintf("registered as %q, not %q", stub.Name, n.Name))
	}
	if stub.Status != "ready" {
		st := "status " + stub.Status
		if stub.StatusDescription != "" {
			st += " (" + stub.StatusDescription + ")"
		}
		problems = append(problems, st)
	}
	if stub.SchedulingEligibility != "eligible" {
		problems = append(problems, "scheduling "+stub.SchedulingEligibility)
	}
	if stub.Drain {
		problems = append(problems, "draining")
	}
	if ip := n.Address.String(); stub.Address != "" && stub.Address != ip {
		problems = append(problems, fmt.Sprintf("advertises address %s, not its private address %s", stub.Address, ip))
	}
	if infoErr != nil {
		return append(problems, unavailable("node details", "", infoErr))
	}
	return append(problems, driverProblems(stub.Drivers, n.Group.Drivers)...)
}

// clientOK is the detail of a client that passes: ready, eligible and
// every driver of its group healthy.
func clientOK(n topology.Node) string {
	ok := "ready, eligible"
	if len(n.Group.Drivers) > 0 {
		ok += "; drivers " + strings.Join(n.Group.Drivers, ", ") + " healthy"
	}
	return ok
}

// driverProblems lists every configured driver that is not detected and
// healthy on the node.
func driverProblems(have map[string]*napi.DriverInfo, want []string) []string {
	var out []string
	for _, d := range want {
		info := have[d]
		switch {
		case info == nil || !info.Detected:
			out = append(out, fmt.Sprintf("driver %s not detected", d))
		case !info.Healthy:
			msg := fmt.Sprintf("driver %s unhealthy", d)
			if info.HealthDescription != "" {
				msg += ": " + oneLine(info.HealthDescription, 120)
			}
			out = append(out, msg)
		}
	}
	return out
}
