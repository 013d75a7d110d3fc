package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// probe is what one node's own agent API said when asked for the leader.
type probe struct {
	leader string
	err    error
}

// agentAPI is how to reach one product's agents (Consul's or Nomad's)
// and ask each for the leader.
type agentAPI[C any] struct {
	product     string // "Consul" or "Nomad", for details
	leaderCheck string // the name of the leader check
	dial        func(*env, topology.Node) (C, error)
	askLeader   func(context.Context, C) (string, error)
}

// agents is what every node's own agent API said when asked for the
// leader, and which server cluster state is read from.
type agents[C any] struct {
	probes  []probe // aligned with e.nodes: servers, then clients
	clients []C     // the zero C where the address was invalid
	// leader is the leader check; leaderAddr the leader's address, ""
	// when there is none.
	leader     Check
	leaderAddr string
	// from is the index of the server to read cluster state from
	// (pickServer), via names it; when no server API answered, from is
	// -1 and noServer says so in the details of what could not be read.
	from     int
	via      string
	noServer error
}

// probe asks every node's agent API for the leader, in parallel, and
// keeps each node's client: the chosen server's is reused to read the
// cluster state.
func (api agentAPI[C]) probe(ctx context.Context, e *env) *agents[C] {
	a := &agents[C]{clients: make([]C, len(e.nodes)), probes: make([]probe, len(e.nodes))}
	forEach(len(e.nodes), parallel, func(i int) {
		c, err := api.dial(e, e.nodes[i])
		if err != nil {
			a.probes[i].err = err
			return
		}
		a.clients[i] = c
		a.probes[i].leader, a.probes[i].err = fetch(ctx, e, func(ctx context.Context) (string, error) {
			return api.askLeader(ctx, c)
		})
	})
	servers := a.probes[:len(e.servers)]
	a.leader, a.leaderAddr = leaderCheck(e, api.leaderCheck, api.product, servers)
	a.from = pickServer(servers)
	a.via = viaServer(e, a.from)
	a.noServer = fmt.Errorf("no %s server API answered", api.product)
	return a
}

// fetch makes one request on its own timeout and returns what it read.
func fetch[T any](ctx context.Context, e *env, read func(context.Context) (T, error)) (T, error) {
	var v T
	err := e.request(ctx, func(ctx context.Context) error {
		var err error
		v, err = read(ctx)
		return err
	})
	return v, err
}

// parseAgentURL checks that addr, a node's agent API base URL, has a host.
func parseAgentURL(product, addr string) (*url.URL, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid %s address %q", product, addr)
	}
	return u, nil
}

// findFirst returns the first non-nil item that matches, trying each
// test in turn over all items (by name, then by address), else nil.
func findFirst[T any](items []*T, tests ...func(*T) bool) *T {
	for _, test := range tests {
		for _, it := range items {
			if it != nil && test(it) {
				return it
			}
		}
	}
	return nil
}

// memberProblems compares a serf member, Consul's or Nomad's, with the
// node it stands for: it joined as joined (name is that without any
// ".region" suffix), in state status, at address addr.
func memberProblems(n topology.Node, joined, name, status, addr string) []string {
	var problems []string
	if name != n.Name {
		problems = append(problems, fmt.Sprintf("joined as %q, not %q", joined, n.Name))
	}
	if status != "alive" {
		problems = append(problems, "member status "+status)
	}
	if ip := n.Address.String(); addr != ip {
		problems = append(problems, fmt.Sprintf("joined with address %s, not its private address %s", addr, ip))
	}
	return problems
}

// nodeCheck is the per-node check name of node n: the problems the
// cluster state showed, then any with the node's own agent API at addr.
// Without problems the check passes with okDetail.
func nodeCheck(name string, n topology.Node, problems []string, addr string, p probe, okDetail string) Check {
	c := Check{Name: name, Node: n.Name}
	if pr := apiProblem(addr, p); pr != "" {
		problems = append(problems, pr)
	}
	if len(problems) > 0 {
		c.Detail = strings.Join(problems, "; ")
		return c
	}
	c.OK = true
	c.Detail = okDetail
	return c
}

// pickServer returns the index of the server to read cluster state from:
// the first (in topology order) whose API answered and knows a leader,
// else the first that answered at all, else -1.
func pickServer(probes []probe) int {
	first := -1
	for i, p := range probes {
		if p.err != nil {
			continue
		}
		if p.leader != "" {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// leaderCheck asserts that the servers that answered agree on one
// elected leader. probes are aligned with e.servers. It returns the check
// and the leader's address ("" when there is none).
func leaderCheck(e *env, name, product string, probes []probe) (Check, string) {
	c := Check{Name: name}
	var (
		unanswered []string
		noLeader   []string
		seen       = map[string][]string{} // leader -> servers that say so
		leaders    []string
	)
	for i, p := range probes {
		srv := e.servers[i].Name
		switch {
		case p.err != nil:
			unanswered = append(unanswered, fmt.Sprintf("%s: %v", srv, errText(p.err)))
		case p.leader == "":
			noLeader = append(noLeader, srv)
		default:
			if _, ok := seen[p.leader]; !ok {
				leaders = append(leaders, p.leader)
			}
			seen[p.leader] = append(seen[p.leader], srv)
		}
	}
	switch {
	case len(leaders) == 0 && len(noLeader) == 0:
		c.Detail = fmt.Sprintf("no %s server API answered: %s", product, strings.Join(unanswered, "; "))
		return c, ""
	case len(leaders) == 0:
		c.Detail = fmt.Sprintf("no leader elected (asked %s)", strings.Join(noLeader, ", "))
		return c, ""
	case len(leaders) > 1:
		var parts []string
		for _, l := range leaders {
			parts = append(parts, fmt.Sprintf("%s says %s", strings.Join(seen[l], ", "), e.nameAddr(l)))
		}
		c.Detail = "servers disagree on the leader: " + strings.Join(parts, "; ")
		return c, ""
	}
	leader := leaders[0]
	c.Detail = e.nameAddr(leader)
	if len(noLeader) > 0 {
		c.Detail += fmt.Sprintf("; but %s see(s) no leader", strings.Join(noLeader, ", "))
		return c, leader
	}
	c.OK = true
	if len(unanswered) > 0 {
		c.Detail += fmt.Sprintf(" (%d of %d servers did not answer)", len(unanswered), len(probes))
	}
	return c, leader
}

// raftServer is one entry of a Raft configuration, Consul's or Nomad's.
type raftServer struct {
	Node    string
	Address string
	Leader  bool
	Voter   bool
}

// raftCheck asserts that the Raft configuration has exactly one voter per
// server and that every voter is at a server's private address.
func raftCheck(e *env, name, product, via string, servers []raftServer, err error) Check {
	c := Check{Name: name}
	if err != nil {
		c.Detail = unavailable("raft configuration", via, err)
		return c
	}
	want := map[string]string{} // server ip -> node name
	for _, n := range e.servers {
		want[n.Address.String()] = n.Name
	}
	var (
		voters   []string
		problems []string
		found    = map[string]bool{}
	)
	sort.SliceStable(servers, func(i, j int) bool { return servers[i].Address < servers[j].Address })
	for _, s := range servers {
		host, _, splitErr := net.SplitHostPort(s.Address)
		if splitErr != nil {
			host = s.Address
		}
		desc := s.Node + " " + s.Address
		if s.Leader {
			desc += " (leader)"
		}
		if !s.Voter {
			problems = append(problems, fmt.Sprintf("%s is not a voter", desc))
			continue
		}
		voters = append(voters, desc)
		if _, ok := want[host]; !ok {
			problems = append(problems, fmt.Sprintf("voter %s is not at a server's private address", desc))
			continue
		}
		found[host] = true
	}
	if len(voters) != len(e.servers) {
		problems = append([]string{fmt.Sprintf("%d voters, want %d", len(voters), len(e.servers))}, problems...)
	}
	for _, n := range e.servers {
		if !found[n.Address.String()] {
			problems = append(problems, fmt.Sprintf("%s (%s) is not a voter", n.Name, n.Address))
		}
	}
	list := strings.Join(voters, ", ")
	if list == "" {
		list = "none"
	}
	if len(problems) > 0 {
		c.Detail = strings.Join(problems, "; ") + "; voters: " + list
		return c
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%d %s voter(s): %s", len(voters), product, list)
	return c
}

// unavailable says which part of the cluster state could not be read,
// from which server (via, "" when none or not one in particular), and why.
func unavailable(what, via string, err error) string {
	return fmt.Sprintf("%s unavailable%s: %v", what, via, errText(err))
}

// apiProblem describes what is wrong with a node's own agent API, or "".
func apiProblem(addr string, p probe) string {
	switch {
	case p.err != nil:
		return fmt.Sprintf("HTTP API %s: %v", addr, errText(p.err))
	case p.leader == "":
		return fmt.Sprintf("agent at %s sees no leader", addr)
	}
	return ""
}

// via names the server cluster state was read from, for details.
func viaServer(e *env, idx int) string {
	if idx < 0 {
		return ""
	}
	return " (from " + e.servers[idx].Name + ")"
}

// oneLine shortens check output to one readable line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// errText drops the request URL a transport error repeats ("Get
// \"http://…/v1/status/leader\": dial tcp …"): details already name the
// agent, and the cause is what matters.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}
