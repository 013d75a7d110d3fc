package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	capi "github.com/hashicorp/consul/api"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// consulResult is the Consul part of a report: the cluster and member
// checks, and the per-service checks that go at the end.
type consulResult struct {
	leader   string
	checks   []Check
	services []Check
}

// consulMemberStatus names serf member states as Consul's agent/members
// reports them (a number, unlike Nomad's string).
var consulMemberStatus = map[int]string{0: "none", 1: "alive", 2: "leaving", 3: "left", 4: "failed"}

func newConsulClient(e *env, n topology.Node) (*capi.Client, error) {
	addr := e.ConsulAddr(n)
	u, err := parseAgentURL("Consul", addr)
	if err != nil {
		return nil, err
	}
	return capi.NewClient(&capi.Config{
		Address:    addr,
		Scheme:     u.Scheme,
		HttpClient: e.hc,
		Token:      e.ConsulToken,
	})
}

// staleQuery reads from any server, leader or not: verification wants
// each server's view even while an election is going on.
func staleQuery(ctx context.Context) *capi.QueryOptions {
	return (&capi.QueryOptions{AllowStale: true}).WithContext(ctx)
}

// askConsulLeader asks one agent for the leader's RPC address.
func askConsulLeader(ctx context.Context, c *capi.Client) (string, error) {
	return c.Status().LeaderWithQueryOptions((&capi.QueryOptions{}).WithContext(ctx))
}

// consulState is the cluster as one Consul server sees it; each part
// carries the error that kept it from being read.
type consulState struct {
	members    []*capi.AgentMember
	membersErr error
	raft       []raftServer
	raftErr    error
	// services are the catalog's and Nomad's own, sorted, with the
	// health of each (or why it could not be read).
	services    []string
	servicesErr error
	health      map[string][]*capi.ServiceEntry
	healthErr   map[string]error
}

var consulAPI = agentAPI[*capi.Client]{
	product: "Consul", leaderCheck: CheckConsulLeader, dial: newConsulClient, askLeader: askConsulLeader,
}

func checkConsul(ctx context.Context, e *env) consulResult {
	a := consulAPI.probe(ctx, e)
	res := consulResult{leader: a.leaderAddr, checks: []Check{a.leader}}

	// Nomad's own services, expected on every server and client.
	want := e.expectedServices()
	// Cluster state comes from one server.
	st := consulState{membersErr: a.noServer, raftErr: a.noServer, servicesErr: a.noServer}
	if a.from >= 0 {
		st = readConsul(ctx, e, a.clients[a.from], want)
	}
	res.checks = append(res.checks, raftCheck(e, CheckConsulServers, "Consul", a.via, st.raft, st.raftErr))

	for i, n := range e.nodes {
		problems := consulMemberProblems(n, st.members, st.membersErr, a.via)
		res.checks = append(res.checks, nodeCheck(CheckConsulMember, n, problems, e.ConsulAddr(n), a.probes[i], "alive at "+n.Address.String()))
	}

	if st.servicesErr != nil {
		res.services = []Check{{Name: CheckServices, Detail: unavailable("service catalog", a.via, st.servicesErr)}}
		return res
	}
	for _, name := range st.services {
		res.services = append(res.services, serviceCheck(name, want[name], st.health[name], st.healthErr[name]))
	}
	return res
}

// readConsul reads the members, the Raft configuration and the catalog
// from one server at once, then the health of every service in want and
// in the catalog.
func readConsul(ctx context.Context, e *env, c *capi.Client, want map[string][]string) consulState {
	var (
		st   consulState
		raft *capi.RaftConfiguration
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		st.members, st.membersErr = fetch(ctx, e, func(ctx context.Context) (m []*capi.AgentMember, err error) {
			_, err = c.Raw().Query("/v1/agent/members", &m, (&capi.QueryOptions{}).WithContext(ctx))
			return m, err
		})
	})
	wg.Go(func() {
		raft, st.raftErr = fetch(ctx, e, func(ctx context.Context) (*capi.RaftConfiguration, error) {
			return c.Operator().RaftGetConfiguration(staleQuery(ctx))
		})
	})
	wg.Go(func() {
		var catalog map[string][]string
		catalog, st.servicesErr = fetch(ctx, e, func(ctx context.Context) (map[string][]string, error) {
			services, _, err := c.Catalog().Services(staleQuery(ctx))
			return services, err
		})
		if st.servicesErr == nil {
			st.services = serviceNames(catalog, want)
			st.health, st.healthErr = consulHealth(ctx, e, c, st.services)
		}
	})
	wg.Wait()
	if raft != nil {
		for _, s := range raft.Servers {
			st.raft = append(st.raft, raftServer{Node: s.Node, Address: s.Address, Leader: s.Leader, Voter: s.Voter})
		}
	}
	return st
}

// serviceNames lists the catalog's services and Nomad's own, sorted.
// Nomad's are looked at even when absent from the catalog: their absence
// is what must be reported.
func serviceNames(catalog, want map[string][]string) []string {
	var names []string
	for name := range catalog {
		names = append(names, name)
	}
	for name := range want {
		if _, ok := catalog[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// consulHealth reads every named service's instances with their checks,
// in parallel, each request on its own timeout.
func consulHealth(ctx context.Context, e *env, c *capi.Client, names []string) (map[string][]*capi.ServiceEntry, map[string]error) {
	var (
		health    = map[string][]*capi.ServiceEntry{}
		healthErr = map[string]error{}
		mu        sync.Mutex
	)
	forEach(len(names), parallel, func(i int) {
		name := names[i]
		entries, err := fetch(ctx, e, func(ctx context.Context) ([]*capi.ServiceEntry, error) {
			entries, _, err := c.Health().Service(name, "", false, staleQuery(ctx))
			return entries, err
		})
		mu.Lock()
		health[name], healthErr[name] = entries, err
		mu.Unlock()
	})
	return health, healthErr
}

// findConsulMember finds the node's member entry by node name, else by
// address (an agent that took its host name instead of the configured
// node name is still the node's agent).
func findConsulMember(members []*capi.AgentMember, n topology.Node) *capi.AgentMember {
	ip := n.Address.String()
	return findFirst(members,
		func(m *capi.AgentMember) bool { return m.Name == n.Name },
		func(m *capi.AgentMember) bool { return m.Addr == ip })
}

// consulMemberProblems compares n with its entry in Consul's member
// list, read from a server (via).
func consulMemberProblems(n topology.Node, members []*capi.AgentMember, membersErr error, via string) []string {
	if membersErr != nil {
		return []string{unavailable("member list", via, membersErr)}
	}
	m := findConsulMember(members, n)
	if m == nil {
		return []string{fmt.Sprintf("not a Consul member%s", via)}
	}
	status, ok := consulMemberStatus[m.Status]
	if !ok {
		status = fmt.Sprint(m.Status)
	}
	problems := memberProblems(n, m.Name, m.Name, status, m.Addr)
	wantRole := "node"
	if n.Role == topology.RoleServer {
		wantRole = "consul"
	}
	if role := m.Tags["role"]; role != "" && role != wantRole {
		problems = append(problems, fmt.Sprintf("runs as a Consul %s, want a %s", consulRole(role), consulRole(wantRole)))
	}
	return problems
}

func consulRole(tag string) string {
	if tag == "consul" {
		return "server"
	}
	return "client"
}

// expectedServices names the services Nomad registers in Consul for
// itself, and the nodes that must have registered them: "nomad" on every
// server, "nomad-client" on every client. Their presence proves the
// Nomad-Consul integration that jobs' service blocks rely on.
func (e *env) expectedServices() map[string][]string {
	want := map[string][]string{}
	for _, n := range e.servers {
		want["nomad"] = append(want["nomad"], n.Name)
	}
	for _, n := range e.clients {
		want["nomad-client"] = append(want["nomad-client"], n.Name)
	}
	return want
}

// serviceCheck asserts that every instance of a service has all its
// health checks (node checks included, as Consul's own health filter
// counts them) passing, and that each node in wantNodes has registered
// at least one instance.
func serviceCheck(name string, wantNodes []string, entries []*capi.ServiceEntry, err error) Check {
	c := Check{Name: ServicePrefix + name}
	if err != nil {
		c.Detail = unavailable("health", "", err)
		return c
	}
	registered := map[string]bool{}
	for _, en := range entries {
		if en != nil && en.Node != nil {
			registered[en.Node.Node] = true
		}
	}
	var missing []string
	for _, n := range wantNodes {
		if !registered[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		c.Detail = fmt.Sprintf("not registered in Consul by %s (%d of %d node(s) have it)",
			strings.Join(missing, ", "), len(wantNodes)-len(missing), len(wantNodes))
		return c
	}
	if len(entries) == 0 {
		c.OK = true
		c.Detail = "no instances registered"
		return c
	}
	badInst, nChecks, failing := tallyHealth(entries)
	if badInst > 0 {
		c.Detail = fmt.Sprintf("%d of %d instance(s) failing: %s", badInst, len(entries), strings.Join(failing, "; "))
		return c
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%d instance(s), %d check(s) passing", len(entries), nChecks)
	return c
}

// tallyHealth counts a service's instances with a check not passing and
// its distinct checks (a node check shows under every instance on the
// node), and describes each distinct failing check once.
func tallyHealth(entries []*capi.ServiceEntry) (badInst, nChecks int, failing []string) {
	seenCheck := map[string]bool{}
	for _, en := range entries {
		if en == nil {
			continue
		}
		node := ""
		if en.Node != nil {
			node = en.Node.Node
		}
		bad := false
		for _, hc := range en.Checks {
			if hc == nil {
				continue
			}
			key := hc.Node + "\x00" + hc.CheckID
			first := !seenCheck[key]
			seenCheck[key] = true
			if first {
				nChecks++
			}
			if hc.Status == capi.HealthPassing {
				continue
			}
			bad = true
			if !first {
				continue
			}
			where := hc.Node
			if where == "" {
				where = node
			}
			f := fmt.Sprintf("%s: %s is %s", where, hc.Name, hc.Status)
			if out := oneLine(hc.Output, 120); out != "" {
				f += " (" + out + ")"
			}
			failing = append(failing, f)
		}
		if bad {
			badInst++
		}
	}
	return badInst, nChecks, failing
}
