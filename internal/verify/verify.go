// Package verify proves a cluster healthy through the Consul and Nomad
// HTTP APIs (and, for DNS, a command run on each node).
//
// Run makes one pass over every check and never stops at the first
// failure; Wait repeats Run until the cluster is healthy or the context
// ends. The report is what `nomadbox verify` prints, as text (WriteText)
// or as JSON (the Report type marshals to the documented shape):
//
//	{"healthy": bool, "cluster": "...", ..., "checks": [{"name", "ok", "detail", "node"?}, ...]}
//
// Checks, in report order (per-node checks carry "node"; servers come
// before clients and nodes keep topology order):
//
//	consul-leader   the Consul servers agree on an elected leader (detail: its address)
//	consul-servers  Consul's Raft configuration has exactly one voter per server, at the servers' private addresses
//	consul-member   per node: a Consul member, alive, with the node's private address and the right role;
//	                the node's own Consul HTTP API answers and knows the leader
//	nomad-leader    the Nomad servers agree on an elected leader
//	nomad-servers   Nomad's Raft configuration has exactly one voter per server, at the servers' private addresses
//	nomad-server    per server: alive in Nomad's server members (serf) with its private address; its HTTP API answers
//	nomad-client    per client: registered, status ready, eligible, not draining, advertising its private
//	                address, every configured driver detected and healthy; its HTTP API answers
//	dns             per node: consul.service.consul resolves, through the node's own resolver (the local
//	                forwarder), to at least one server's private address
//	service:<name>  per service in Consul's catalog: every instance's health checks (node and service) pass;
//	                "nomad" and "nomad-client" are always checked and must be registered by every
//	                server and every client respectively (Nomad's Consul integration works)
//	services        only when the catalog itself cannot be read
//	canary:<driver> per client and enabled driver, only from Canaries (canary.go): a batch task
//	                constrained to the node ran and exited 0; else the first failing task event, or
//	                why it could not be placed. java and qemu are "skipped" (no workload to run).
//
// The dns checks are left out entirely (not reported as passing) when
// Options.Exec is nil or the topology's DNS forwarder is "none": there is
// then no way, or no promise, to resolve .consul names on the nodes.
//
// Only long-standing endpoints are used, so the same code verifies
// clusters from Consul 1.13 / Nomad 1.6 on: status/leader,
// agent/members, operator/raft/configuration, catalog/services,
// health/service/:name, /v1/nodes and /v1/node/:id.
package verify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nomadbox/nomadbox/internal/agentconfig"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Check names. Per-service checks are ServicePrefix + the service name.
const (
	CheckConsulLeader  = "consul-leader"
	CheckConsulServers = "consul-servers"
	CheckConsulMember  = "consul-member"
	CheckNomadLeader   = "nomad-leader"
	CheckNomadServers  = "nomad-servers"
	CheckNomadServer   = "nomad-server"
	CheckNomadClient   = "nomad-client"
	CheckDNS           = "dns"
	CheckServices      = "services"
	ServicePrefix      = "service:"
)

// Check is the outcome of one assertion about the cluster.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Node   string `json:"node,omitempty"`
	// Skipped marks a check that was not made (Detail says why); it
	// counts as passed.
	Skipped bool `json:"skipped,omitempty"`
}

// Report is the outcome of one verification pass.
type Report struct {
	Healthy bool   `json:"healthy"`
	Cluster string `json:"cluster"`
	// ConsulLeader and NomadLeader are the leaders' RPC addresses
	// ("ip:port"), empty when none is elected.
	ConsulLeader string `json:"consul_leader"`
	NomadLeader  string `json:"nomad_leader"`
	// Servers and Clients are the node counts the topology expects.
	Servers int `json:"servers"`
	Clients int `json:"clients"`
	// Passed and Failed count the checks.
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Canary says whether this report includes the canary checks.
	Canary bool    `json:"canary"`
	Checks []Check `json:"checks"`
}

// AddCanaries appends the canary checks and counts them in.
func (r *Report) AddCanaries(checks []Check) {
	r.Canary = true
	r.Checks = append(r.Checks, checks...)
	r.summarize()
}

// ReadyForWork reports whether every check passes but, at most, the
// health of services in Consul: the agents, leaders, clients with their
// drivers and DNS are fine, so a task placed now can run.
func (r *Report) ReadyForWork() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK && !strings.HasPrefix(c.Name, ServicePrefix) {
			return false
		}
	}
	return true
}

// FailedChecks returns the checks that did not pass, in report order.
func (r *Report) FailedChecks() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Options says what to verify and how to reach it.
type Options struct {
	Topology *topology.Topology

	// Exec runs a shell command on a node and returns its standard
	// output. It is used for the dns checks only; when nil they are left
	// out. DNSCommand is the command it is given. It must give up when
	// ctx ends (ExecTimeout), or a pass waits for it.
	Exec func(ctx context.Context, node topology.Node, cmd string) (string, error)

	// ConsulAddr and NomadAddr give the base URL of a node's agent API.
	// Defaults: what the topology's agents serve (agentconfig.ConsulURL,
	// NomadURL): "http://<ip>:8500" and "http://<ip>:4646", or
	// "https://<ip>:8501" and "https://<ip>:4646" with TLS on.
	ConsulAddr func(n topology.Node) string
	NomadAddr  func(n topology.Node) string

	// Timeout bounds every HTTP request (default 5s); ExecTimeout every
	// Exec call (default 30s: it may open an SSH connection first);
	// CanaryTimeout one run of the canaries (DefaultCanaryTimeout).
	Timeout       time.Duration
	ExecTimeout   time.Duration
	CanaryTimeout time.Duration

	// ConsulToken and NomadToken are ACL tokens sent with every request.
	// An empty ConsulToken lets the Consul client fall back to
	// CONSUL_HTTP_TOKEN / CONSUL_HTTP_TOKEN_FILE, as the consul CLI does.
	ConsulToken string
	NomadToken  string
	// TLSConfig is used for https addresses (CA, client certificate).
	TLSConfig *tls.Config
}

// DNSCommand is what Exec runs on every node for the dns check. It asks
// the node's default resolver (the local forwarder: dnsmasq or
// systemd-resolved) and falls back to getent where dig is missing.
const DNSCommand = "if command -v dig >/dev/null 2>&1; then dig +short +time=2 +tries=2 consul.service.consul A; " +
	"else getent ahostsv4 consul.service.consul; fi"

const (
	defaultTimeout     = 5 * time.Second
	defaultExecTimeout = 30 * time.Second
	// parallel bounds the concurrent requests of each kind (Consul,
	// Nomad, DNS) in one pass.
	parallel = 8
)

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.ExecTimeout <= 0 {
		o.ExecTimeout = defaultExecTimeout
	}
	if o.CanaryTimeout <= 0 {
		o.CanaryTimeout = DefaultCanaryTimeout
	}
	if o.ConsulAddr == nil && o.Topology != nil {
		o.ConsulAddr = func(n topology.Node) string { return agentconfig.ConsulURL(o.Topology, n) }
	}
	if o.NomadAddr == nil && o.Topology != nil {
		o.NomadAddr = func(n topology.Node) string { return agentconfig.NomadURL(o.Topology, n) }
	}
	return o
}

// env is what one pass shares between its parts.
type env struct {
	Options
	hc      *http.Client
	servers []topology.Node
	clients []topology.Node
	nodes   []topology.Node // servers, then clients
	// byIP names the node that owns an address.
	byIP map[string]string
}

// request runs f with a context bounded by the per-request timeout.
func (e *env) request(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	return f(ctx)
}

// nameAddr renders "ip:port" followed by the node owning ip, if any.
func (e *env) nameAddr(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if name, ok := e.byIP[host]; ok {
		return fmt.Sprintf("%s (%s)", addr, name)
	}
	return addr
}

// newEnv prepares what a pass (or the canaries) shares: the nodes by
// role and an HTTP client that never goes through a proxy. close it.
func newEnv(o Options) *env {
	t := o.Topology
	e := &env{
		Options: o,
		servers: t.Servers(),
		clients: t.ClientNodes(),
		byIP:    map[string]string{},
	}
	// Servers first, then clients: the per-node probes rely on it.
	e.nodes = append(append([]topology.Node{}, e.servers...), e.clients...)
	for _, n := range e.nodes {
		e.byIP[n.Address.String()] = n.Name
	}
	tr := &http.Transport{
		// Private cluster addresses are reached directly, never through
		// an HTTP proxy from the environment.
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       o.TLSConfig,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   parallel,
		IdleConnTimeout:       30 * time.Second,
	}
	e.hc = &http.Client{Transport: tr, Timeout: o.Timeout}
	return e
}

func (e *env) close() { e.hc.Transport.(*http.Transport).CloseIdleConnections() }

// Run makes one verification pass: every check, in a deterministic order.
// It never panics on unreachable agents and returns within a few
// request timeouts.
func Run(ctx context.Context, opts Options) *Report {
	o := opts.withDefaults()
	r := &Report{}
	t := o.Topology
	if t == nil {
		r.Checks = []Check{{Name: "topology", Detail: "no topology to verify"}}
		r.summarize()
		return r
	}
	e := newEnv(o)
	defer e.close()

	r.Cluster = t.Cluster.Name
	r.Servers = len(e.servers)
	r.Clients = len(e.clients)

	var (
		wg     sync.WaitGroup
		consul consulResult
		nomad  nomadResult
		dns    []Check
	)
	wg.Go(func() { consul = checkConsul(ctx, e) })
	wg.Go(func() { nomad = checkNomad(ctx, e) })
	wg.Go(func() { dns = checkDNS(ctx, e) })
	wg.Wait()

	r.ConsulLeader = consul.leader
	r.NomadLeader = nomad.leader
	r.Checks = append(r.Checks, consul.checks...)
	r.Checks = append(r.Checks, nomad.checks...)
	r.Checks = append(r.Checks, dns...)
	r.Checks = append(r.Checks, consul.services...)
	r.summarize()
	return r
}

func (r *Report) summarize() {
	r.Passed, r.Failed = 0, 0
	for _, c := range r.Checks {
		if c.OK {
			r.Passed++
		} else {
			r.Failed++
		}
	}
	r.Healthy = len(r.Checks) > 0 && r.Failed == 0
}

// Wait runs passes every `every` (default 2s) until one is healthy or ctx
// ends, calling onPass (when not nil) after each pass. It returns the
// healthy report, or else the last complete pass: a pass cut short by the
// end of ctx only replaces it when there was none before.
func Wait(ctx context.Context, opts Options, every time.Duration, onPass func(*Report)) *Report {
	if every <= 0 {
		every = 2 * time.Second
	}
	var last *Report
	for {
		r := Run(ctx, opts)
		if ctx.Err() != nil && last != nil && !r.Healthy {
			return last
		}
		last = r
		if onPass != nil {
			onPass(r)
		}
		if r.Healthy {
			return r
		}
		timer := time.NewTimer(every)
		select {
		case <-ctx.Done():
			timer.Stop()
			return last
		case <-timer.C:
		}
	}
}

// forEach calls f(0..n-1) with at most limit calls running at once.
func forEach(n, limit int, f func(i int)) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}
