package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// fixtureHCL describes the cluster the recorded answers come from: three
// Consul servers c1..c3 on 127.0.0.11-13 (as recorded) and two clients
// w1, w2 on 127.0.0.101-102, which the world below adds by cloning
// recorded entries (parseTopology moves 10.0.0.0/24 onto loopback).
const fixtureHCL = `
cluster "fx" {}
provider "docker" {}
network { cidr = "10.0.0.0/24" }
server "c" { count = 3 }
client "w" {
  count   = 2
  drivers = ["docker", "raw_exec"]
}
`

func parseTopology(t *testing.T, src string) *topology.Topology {
	t.Helper()
	top, diags := providers.NewParser().Parse([]byte(src), "t.hcl")
	if diags.HasErrors() {
		t.Fatalf("topology: %s", diags.Error())
	}
	// A topology's network must be private (10.x), while the fakes and
	// the e2e agents listen on loopback: each node gets the loopback
	// address with the same lower three bytes (10.0.0.11 -> 127.0.0.11),
	// as a provider that reports its machines' addresses would give them.
	top.Addresses = map[string]netip.Addr{}
	for _, n := range top.Nodes() {
		b := n.Address.As4()
		top.Addresses[n.Name] = netip.AddrFrom4([4]byte{127, b[1], b[2], b[3]})
	}
	return top
}

// obj and list are decoded JSON values, edited in place by tests.
type (
	obj  = map[string]any
	list = []any
)

// reply is a non-200 answer.
type reply struct {
	code int
	body string
}

// world is what the fake agents answer: endpoint path -> decoded JSON (or
// a reply). It starts as the recorded healthy cluster.
type world struct {
	mu     sync.Mutex
	consul map[string]any
	nomad  map[string]any
	hits   map[string]int
}

func load(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return v
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch x := v.(type) {
	case obj:
		o := obj{}
		for k, e := range x {
			o[k] = clone(e)
		}
		return o
	case list:
		l := make(list, len(x))
		for i, e := range x {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// find returns the object in l whose key equals value.
func find(t *testing.T, l any, key, value string) obj {
	t.Helper()
	for _, e := range l.(list) {
		if o, ok := e.(obj); ok && o[key] == value {
			return o
		}
	}
	t.Fatalf("no entry with %s=%q", key, value)
	return nil
}

// renameNomadServers gives the recorded Nomad servers (n1..n3) the names
// nomadbox gives them (the node names, c1..c3), by address.
func renameNomadServers(w *world) {
	byAddr := map[string]string{"127.0.0.11": "c1", "127.0.0.12": "c2", "127.0.0.13": "c3"}
	members := w.nomad["/v1/agent/members"].(obj)
	for _, m := range members["Members"].(list) {
		m := m.(obj)
		m["Name"] = byAddr[m["Addr"].(string)] + ".global"
	}
	members["ServerName"] = "c1"
	for _, s := range w.nomad["/v1/operator/raft/configuration"].(obj)["Servers"].(list) {
		s := s.(obj)
		host, _, _ := net.SplitHostPort(s["Address"].(string))
		s["Node"] = byAddr[host] + ".global"
	}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{consul: map[string]any{}, nomad: map[string]any{}, hits: map[string]int{}}
	c := func(path, file string) { w.consul[path] = load(t, "consul-1.22.7/"+file) }
	n := func(path, file string) { w.nomad[path] = load(t, "nomad-2.0.5/"+file) }

	c("/v1/status/leader", "status_leader.json")
	c("/v1/agent/members", "agent_members.json")
	c("/v1/operator/raft/configuration", "operator_raft_configuration.json")
	c("/v1/catalog/services", "catalog_services.json")
	for _, s := range []string{"nomad", "web", "nomad-client", "sleeper"} {
		c("/v1/health/service/"+s, "health_service_"+s+".json")
	}
	// Consul clients: recorded server members turned into client members.
	members := w.consul["/v1/agent/members"].(list)
	tmpl := find(t, members, "Name", "c1")
	for i, name := range []string{"w1", "w2"} {
		m := clone(tmpl).(obj)
		m["Name"] = name
		m["Addr"] = fmt.Sprintf("127.0.0.%d", 101+i)
		tags := m["Tags"].(obj)
		tags["role"] = "node"
		tags["id"] = fmt.Sprintf("00000000-0000-0000-0000-00000000010%d", i+1)
		delete(tags, "expect")
		members = append(members, m)
	}
	w.consul["/v1/agent/members"] = members
	// The recorded nomad-client registration came from a dev agent; the
	// clients here register it from their own nodes.
	var clientSvc list
	recordedClient := w.consul["/v1/health/service/nomad-client"].(list)[0]
	for i, name := range []string{"w1", "w2"} {
		e := clone(recordedClient).(obj)
		node := e["Node"].(obj)
		node["Node"], node["Address"] = name, fmt.Sprintf("127.0.0.%d", 101+i)
		for _, hc := range e["Checks"].(list) {
			hc.(obj)["Node"] = name
		}
		clientSvc = append(clientSvc, e)
	}
	w.consul["/v1/health/service/nomad-client"] = clientSvc
	// The consul service: one instance per server, checked by serfHealth
	// only, built from the recorded nomad entries of the same nodes.
	var consulSvc list
	for _, name := range []string{"c1", "c2", "c3"} {
		for _, e := range w.consul["/v1/health/service/nomad"].(list) {
			e := e.(obj)
			if e["Node"].(obj)["Node"] != name {
				continue
			}
			e = clone(e).(obj)
			e["Service"] = obj{"ID": "consul", "Service": "consul", "Port": 8300, "Tags": list{}}
			e["Checks"] = list{e["Checks"].(list)[0]}
			consulSvc = append(consulSvc, e)
			break
		}
	}
	w.consul["/v1/health/service/consul"] = consulSvc

	n("/v1/status/leader", "status_leader.json")
	n("/v1/agent/members", "agent_members.json")
	n("/v1/operator/raft/configuration", "operator_raft_configuration.json")
	renameNomadServers(w)
	// Nomad clients: the recorded client registration (n1) cloned for
	// w1 and w2, and the recorded /v1/node/:id answer for each.
	recorded := load(t, "nomad-2.0.5/nodes.json").(list)[0].(obj)
	detail := load(t, "nomad-2.0.5/node.json").(obj)
	var nodes list
	for i, name := range []string{"w1", "w2"} {
		id := fmt.Sprintf("0000000%d-9b0f-0b8c-c4be-c1983576795e", i+1)
		s := clone(recorded).(obj)
		s["ID"], s["Name"], s["Address"] = id, name, fmt.Sprintf("127.0.0.%d", 101+i)
		nodes = append(nodes, s)
		d := clone(detail).(obj)
		d["ID"], d["Name"] = id, name
		w.nomad["/v1/node/"+id] = d
	}
	w.nomad["/v1/nodes"] = nodes
	return w
}

func (w *world) handler(answers map[string]any) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.hits[r.URL.Path]++
		v, ok := answers[r.URL.Path]
		var body []byte
		var err error
		if ok {
			if _, isReply := v.(reply); !isReply {
				body, err = json.Marshal(v)
			}
		}
		w.mu.Unlock()
		switch {
		case !ok:
			http.Error(rw, "no such endpoint in the fake", http.StatusNotFound)
		case err != nil:
			http.Error(rw, err.Error(), http.StatusInternalServerError)
		default:
			if rp, isReply := v.(reply); isReply {
				http.Error(rw, rp.body, rp.code)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			rw.Write(body)
		}
	})
}

// edit changes the world under its lock (a pass may be running).
func (w *world) edit(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
}

// fake is a world behind two HTTP servers, with the options that reach
// them; per-node address overrides simulate unreachable agents.
type fake struct {
	*world
	top          *topology.Topology
	consulURL    string
	nomadURL     string
	consulByNode map[string]string
	nomadByNode  map[string]string
	dnsAnswer    func(n topology.Node) (string, error)
	execCalls    int
	execMu       sync.Mutex
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{
		world:        newWorld(t),
		top:          parseTopology(t, fixtureHCL),
		consulByNode: map[string]string{},
		nomadByNode:  map[string]string{},
	}
	cs := httptest.NewServer(f.handler(f.consul))
	ns := httptest.NewServer(f.handler(f.nomad))
	t.Cleanup(cs.Close)
	t.Cleanup(ns.Close)
	f.consulURL, f.nomadURL = cs.URL, ns.URL
	f.dnsAnswer = func(topology.Node) (string, error) { return "127.0.0.11\n127.0.0.12\n127.0.0.13\n", nil }
	return f
}

func (f *fake) options() Options {
	return Options{
		Topology: f.top,
		ConsulAddr: func(n topology.Node) string {
			if u, ok := f.consulByNode[n.Name]; ok {
				return u
			}
			return f.consulURL
		},
		NomadAddr: func(n topology.Node) string {
			if u, ok := f.nomadByNode[n.Name]; ok {
				return u
			}
			return f.nomadURL
		},
		Exec: func(ctx context.Context, n topology.Node, cmd string) (string, error) {
			f.execMu.Lock()
			f.execCalls++
			f.execMu.Unlock()
			if cmd != DNSCommand {
				return "", fmt.Errorf("unexpected command %q", cmd)
			}
			return f.dnsAnswer(n)
		},
		Timeout: 2 * time.Second,
	}
}

// closedURL is an address nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// hangingURL is an agent that accepts requests and never answers.
func hangingURL(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); s.Close() })
	return s.URL
}

// get returns the check with that name and node, failing the test when
// there is none.
func get(t *testing.T, r *Report, name, node string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name && c.Node == node {
			return c
		}
	}
	t.Fatalf("no check %s %s in:\n%s", name, node, text(r))
	return Check{}
}

func text(r *Report) string {
	var b strings.Builder
	r.WriteText(&b, false)
	return b.String()
}

// onlyFailures asserts that exactly the given checks ("name node" or
// "name") failed.
func onlyFailures(t *testing.T, r *Report, want ...string) {
	t.Helper()
	var got []string
	for _, c := range r.FailedChecks() {
		got = append(got, strings.TrimSpace(c.Name+" "+c.Node))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("failed checks = %q, want %q\n%s", got, want, text(r))
	}
	if r.Healthy != (len(want) == 0) {
		t.Errorf("healthy = %v with %d failures", r.Healthy, len(want))
	}
}

func wantDetail(t *testing.T, c Check, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(c.Detail, p) {
			t.Errorf("%s %s detail %q lacks %q", c.Name, c.Node, c.Detail, p)
		}
	}
}
