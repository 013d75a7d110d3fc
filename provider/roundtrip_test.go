package provider_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/internal/pluginwire"
	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
	"github.com/nomadbox/nomadbox/provider"
)

// nomadbox's end of the contract is a Provider.
var _ provider.Provider = (*pluginhost.Client)(nil)

// call is one call the fake received, with its arguments as it saw them.
type call struct {
	method  string
	cluster *provider.Cluster
	names   []string
	node    string
}

// recordingProvider answers with whatever the test put in its fields and
// records every call it gets.
type recordingProvider struct {
	desc     *provider.Description
	schema   *provider.Schema
	diags    []provider.Diagnostic
	ruby     string
	machines []provider.Machine
	// progress is reported, in order, by every long call.
	progress []string
	// err, when set, is returned by every call (after the progress lines).
	err error
	// long, when set, replaces the body of Preflight, Up, Halt and Destroy.
	long func(ctx context.Context, progress provider.Progress) error

	mu    sync.Mutex
	calls []call
}

func (f *recordingProvider) record(c call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// last is the last call the fake got; the test fails if it got none or
// another method.
func (f *recordingProvider) last(t *testing.T, method string) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatalf("the provider got no call, want %s", method)
	}
	c := f.calls[len(f.calls)-1]
	if c.method != method {
		t.Fatalf("the provider's last call is %s, want %s", c.method, method)
	}
	return c
}

func (f *recordingProvider) Describe(context.Context) (*provider.Description, error) {
	f.record(call{method: "Describe"})
	if f.err != nil {
		return nil, f.err
	}
	return f.desc, nil
}

func (f *recordingProvider) Schema(context.Context) (*provider.Schema, error) {
	f.record(call{method: "Schema"})
	if f.err != nil {
		return nil, f.err
	}
	return f.schema, nil
}

func (f *recordingProvider) Validate(_ context.Context, c *provider.Cluster) ([]provider.Diagnostic, error) {
	f.record(call{method: "Validate", cluster: c})
	if f.err != nil {
		return nil, f.err
	}
	return f.diags, nil
}

// recordingVagrant is a recordingProvider that makes its machines with
// Vagrant (it implements provider.VagrantMachines).
type recordingVagrant struct{ *recordingProvider }

func (f recordingVagrant) VagrantFragment(_ context.Context, c *provider.Cluster, node string) (string, error) {
	f.record(call{method: "VagrantFragment", cluster: c, node: node})
	if f.err != nil {
		return "", f.err
	}
	return f.ruby, nil
}

func (f *recordingProvider) List(_ context.Context, c *provider.Cluster) ([]provider.Machine, error) {
	f.record(call{method: "List", cluster: c})
	if f.err != nil {
		return nil, f.err
	}
	return f.machines, nil
}

func (f *recordingProvider) longCall(ctx context.Context, c call, progress provider.Progress) error {
	f.record(c)
	if f.long != nil {
		return f.long(ctx, progress)
	}
	for _, l := range f.progress {
		progress(l)
	}
	return f.err
}

func (f *recordingProvider) Preflight(ctx context.Context, c *provider.Cluster, progress provider.Progress) error {
	return f.longCall(ctx, call{method: "Preflight", cluster: c}, progress)
}

func (f *recordingProvider) Up(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return f.longCall(ctx, call{method: "Up", cluster: c, names: names}, progress)
}

func (f *recordingProvider) Halt(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return f.longCall(ctx, call{method: "Halt", cluster: c, names: names}, progress)
}

func (f *recordingProvider) Destroy(ctx context.Context, c *provider.Cluster, names []string, progress provider.Progress) error {
	return f.longCall(ctx, call{method: "Destroy", cluster: c, names: names}, progress)
}

// connect serves impl in this process over go-plugin's gRPC transport,
// as Serve does, and returns the client nomadbox would get.
func connect(t *testing.T, impl provider.Provider) *pluginhost.Client {
	t.Helper()
	c, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{pluginwire.PluginName: &pluginwire.GRPCPlugin{Impl: provider.NewServer(impl)}})
	// Close also stops the server (go-plugin's controller does; stopping
	// it again here would race with that).
	t.Cleanup(func() { _ = c.Close() })
	raw, err := c.Dispense(pluginwire.PluginName)
	if err != nil {
		t.Fatalf("Dispense: %v", err)
	}
	rpc, ok := raw.(pb.ProviderClient)
	if !ok {
		t.Fatalf("Dispense gave a %T, not a pb.ProviderClient", raw)
	}
	return pluginhost.NewClient(rpc)
}

// testCluster has a value of every kind the provider block may hold, as
// encoding/json decodes them (what the provider gets on the other side).
func testCluster() *provider.Cluster {
	return &provider.Cluster{
		Name:         "demo",
		Dir:          "/home/me/.nomadbox/clusters/demo",
		TopologyFile: "/home/me/demo/topology.hcl",
		CIDR:         "10.42.0.0/24",
		Nodes: []provider.Node{
			{Name: "server-1", Role: "server", Group: "servers", Address: "10.42.0.10", MemoryMiB: 2048, CPUs: 2},
			{Name: "client-1", Role: "client", Group: "web", Address: "10.42.0.20", MemoryMiB: 4096, CPUs: 4, Drivers: []string{"docker", "raw_exec"}},
		},
		Config: map[string]any{
			"box":     "bento/ubuntu-24.04",
			"memory":  float64(1536),
			"ratio":   0.75,
			"gui":     true,
			"nested":  false,
			"tags":    []any{"a", "b", "c"},
			"labels":  map[string]any{"team": "infra", "env": "dev"},
			"empty":   "",
			"nothing": nil,
		},
	}
}

func TestRoundTripCluster(t *testing.T) {
	f := &recordingProvider{}
	p := connect(t, recordingVagrant{f})
	ctx := context.Background()
	want := testCluster()
	names := []string{"server-1", "client-1"}

	calls := []struct {
		method string
		do     func() error
		names  []string
		node   string
	}{
		{"Validate", func() error { _, err := p.Validate(ctx, want); return err }, nil, ""},
		{"VagrantFragment", func() error { _, err := p.VagrantFragment(ctx, want, "client-1"); return err }, nil, "client-1"},
		{"List", func() error { _, err := p.List(ctx, want); return err }, nil, ""},
		{"Preflight", func() error { return p.Preflight(ctx, want, nil) }, nil, ""},
		{"Up", func() error { return p.Up(ctx, want, names, nil) }, names, ""},
		{"Halt", func() error { return p.Halt(ctx, want, names[1:], nil) }, names[1:], ""},
		{"Destroy", func() error { return p.Destroy(ctx, want, names[:1], nil) }, names[:1], ""},
	}
	for _, c := range calls {
		t.Run(c.method, func(t *testing.T) {
			if err := c.do(); err != nil {
				t.Fatalf("%s: %v", c.method, err)
			}
			got := f.last(t, c.method)
			if !reflect.DeepEqual(got.cluster, want) {
				t.Errorf("%s: the provider got cluster\n%#v\nwant\n%#v", c.method, got.cluster, want)
			}
			if !reflect.DeepEqual(got.names, c.names) {
				t.Errorf("%s: the provider got names %q, want %q", c.method, got.names, c.names)
			}
			if got.node != c.node {
				t.Errorf("%s: the provider got node %q, want %q", c.method, got.node, c.node)
			}
		})
	}
}

func TestRoundTripConfigIsJSON(t *testing.T) {
	// The provider gets the block as encoding/json decodes it, whatever
	// Go types nomadbox built it from.
	f := &recordingProvider{}
	p := connect(t, f)
	c := &provider.Cluster{Name: "demo", Config: map[string]any{
		"cpus":  2,
		"ports": []string{"80", "443"},
		"env":   map[string]string{"A": "1"},
	}}
	if _, err := p.Validate(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"cpus":  float64(2),
		"ports": []any{"80", "443"},
		"env":   map[string]any{"A": "1"},
	}
	if got := f.last(t, "Validate").cluster.Config; !reflect.DeepEqual(got, want) {
		t.Errorf("config = %#v, want %#v", got, want)
	}
}

func TestRoundTripConfigNotJSON(t *testing.T) {
	f := &recordingProvider{}
	p := connect(t, f)
	c := &provider.Cluster{Name: "demo", Config: map[string]any{"ch": make(chan int)}}
	_, err := p.Validate(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "the provider block as JSON") {
		t.Fatalf("Validate with a block that is not JSON: err = %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 0 {
		t.Errorf("the provider was called: %v", f.calls)
	}
}

func TestRoundTripDescribe(t *testing.T) {
	cases := map[string]provider.Capabilities{
		"none":             {},
		"ParallelUp":       {ParallelUp: true},
		"UsesVagrant":      {UsesVagrant: true},
		"CanHalt":          {CanHalt: true},
		"ReportsAddresses": {ReportsAddresses: true},
		"ExistingHosts":    {ExistingHosts: true},
		"all": {ParallelUp: true, UsesVagrant: true, CanHalt: true,
			ReportsAddresses: true, ExistingHosts: true},
	}
	for name, caps := range cases {
		t.Run(name, func(t *testing.T) {
			want := &provider.Description{Name: "fake", Version: "1.2.3-beta.1", Protocol: provider.ProtocolVersion, Capabilities: caps}
			p := connect(t, &recordingProvider{desc: want})
			got, err := p.Describe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Describe = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRoundTripSchema(t *testing.T) {
	want := &provider.Schema{Attributes: []provider.Attribute{
		{Name: "box", Type: provider.TypeString, Required: true, Description: "the base box"},
		{Name: "image", Type: provider.TypeString, Default: "ubuntu:24.04", Description: "the image"},
		{Name: "prefix", Type: provider.TypeString, Default: ""},
		{Name: "memory", Type: provider.TypeNumber, Default: float64(1024), Description: "MiB"},
		{Name: "ratio", Type: provider.TypeNumber, Default: 0.5},
		{Name: "zero", Type: provider.TypeNumber, Default: float64(0)},
		{Name: "gui", Type: provider.TypeBool, Default: true},
		{Name: "nested", Type: provider.TypeBool, Default: false},
		{Name: "tags", Type: provider.TypeListString, Default: []any{"x", "y"}},
		{Name: "no_tags", Type: provider.TypeListString, Default: []any{}},
		{Name: "labels", Type: provider.TypeMapString, Default: map[string]any{"k": "v", "team": "infra"}},
		{Name: "no_default", Type: provider.TypeMapString},
	}}
	p := connect(t, &recordingProvider{schema: want})
	got, err := p.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Schema =\n%#v\nwant\n%#v", got, want)
	}
}

func TestRoundTripSchemaBadDefault(t *testing.T) {
	p := connect(t, &recordingProvider{schema: &provider.Schema{Attributes: []provider.Attribute{
		{Name: "broken", Type: provider.TypeString, Default: func() {}},
	}}})
	_, err := p.Schema(context.Background())
	if err == nil || !strings.Contains(err.Error(), "default of broken") {
		t.Fatalf("Schema with a default that is not JSON: err = %v", err)
	}
}

func TestRoundTripValidate(t *testing.T) {
	want := []provider.Diagnostic{
		{Severity: provider.SeverityError, Summary: "Unknown box", Detail: "there is no box \"nope\"; try bento/ubuntu-24.04", Path: provider.AtAttribute("box")},
		{Severity: provider.SeverityWarning, Summary: "Memory is low", Detail: "512 MiB is little for a server"},
	}
	p := connect(t, &recordingProvider{diags: want})
	got, err := p.Validate(context.Background(), testCluster())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate =\n%#v\nwant\n%#v", got, want)
	}

	// No problems: no diagnostics.
	p = connect(t, &recordingProvider{})
	got, err = p.Validate(context.Background(), testCluster())
	if err != nil || len(got) != 0 {
		t.Errorf("Validate with no problems = %v, %v; want none", got, err)
	}
}

func TestRoundTripDiagnosticSeverityAndPath(t *testing.T) {
	// Each severity and path arrives as the plugin said it; a severity
	// nomadbox does not know arrives as an error, never as a warning.
	sent := []provider.Diagnostic{
		{Summary: "zero severity", Path: provider.AtAttribute("region")},
		{Severity: provider.SeverityWarning, Summary: "warning at the block"},
		{Severity: provider.SeverityError, Summary: "error at an attribute", Path: provider.AtAttribute("size")},
		{Severity: provider.Severity(7), Summary: "unknown severity", Path: provider.AtAttribute("tags")},
	}
	p := connect(t, &recordingProvider{diags: sent})
	got, err := p.Validate(context.Background(), testCluster())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		sev  provider.Severity
		attr string
	}{{provider.SeverityError, "region"}, {provider.SeverityWarning, ""}, {provider.SeverityError, "size"}, {provider.SeverityError, "tags"}}
	if len(got) != len(want) {
		t.Fatalf("Validate = %d diagnostics, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Severity != w.sev || got[i].Path.Attribute() != w.attr || got[i].Summary != sent[i].Summary {
			t.Errorf("diagnostic %d = %v at %q (%s), want %v at %q", i, got[i].Severity, got[i].Path.Attribute(), got[i].Summary, w.sev, w.attr)
		}
	}
	if got[1].Path != (provider.AttributePath{}) {
		t.Errorf("a block diagnostic arrived with path %v, want the zero path", got[1].Path)
	}
}

func TestRoundTripVagrantFragment(t *testing.T) {
	want := "p.memory = 2048\np.cpus = 2\np.customize [\"modifyvm\", :id, \"--nested-hw-virt\", \"on\"]\n# ünïcode 'quotes'\n"
	p := connect(t, recordingVagrant{&recordingProvider{ruby: want}})
	got, err := p.VagrantFragment(context.Background(), testCluster(), "server-1")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("VagrantFragment = %q, want %q", got, want)
	}
}

func TestVagrantMachinesIsOptional(t *testing.T) {
	// A provider without VagrantMachines serves fine: nomadbox hears it
	// does not use Vagrant, and a fragment asked anyway is "" (what every
	// provider used to stub).
	desc := &provider.Description{Name: "fake", Protocol: provider.ProtocolVersion, Capabilities: provider.Capabilities{CanHalt: true}}
	f := &recordingProvider{desc: desc}
	p := connect(t, f)
	d, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.Capabilities.UsesVagrant || !d.Capabilities.CanHalt {
		t.Errorf("a provider without VagrantMachines described as %+v, want CanHalt only", d.Capabilities)
	}
	if ruby, err := p.VagrantFragment(context.Background(), testCluster(), "server-1"); err != nil || ruby != "" {
		t.Errorf("VagrantFragment of a provider without VagrantMachines = %q, %v; want \"\", nil", ruby, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 1 || f.calls[0].method != "Describe" {
		t.Errorf("the provider got %v, want Describe only", f.calls)
	}
}

func TestVagrantMachinesReported(t *testing.T) {
	// A provider with VagrantMachines is a Vagrant provider to nomadbox,
	// whether or not it also set UsesVagrant, and its fragments arrive
	// node by node.
	for _, declared := range []bool{false, true} {
		desc := &provider.Description{Name: "fake", Protocol: provider.ProtocolVersion, Capabilities: provider.Capabilities{UsesVagrant: declared}}
		f := &recordingProvider{desc: desc, ruby: "p.memory = 1024"}
		p := connect(t, recordingVagrant{f})
		d, err := p.Describe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !d.Capabilities.UsesVagrant {
			t.Errorf("UsesVagrant declared %v: a provider with VagrantMachines described as %+v, want UsesVagrant", declared, d.Capabilities)
		}
		for _, node := range []string{"server-1", "client-1"} {
			ruby, err := p.VagrantFragment(context.Background(), testCluster(), node)
			if err != nil || ruby != "p.memory = 1024" {
				t.Errorf("VagrantFragment(%s) = %q, %v", node, ruby, err)
			}
			if got := f.last(t, "VagrantFragment").node; got != node {
				t.Errorf("the provider was asked for node %q, want %q", got, node)
			}
		}
	}
}

func TestRoundTripList(t *testing.T) {
	want := []provider.Machine{
		{Name: "server-1", State: provider.StateRunning, Address: "10.42.0.10",
			SSH: provider.SSH{Host: "127.0.0.1", Port: 2222, User: "vagrant", PrivateKeyPath: "/home/me/.vagrant/key"}},
		{Name: "client-1", State: provider.StateStopped, Address: "10.42.0.20",
			SSH: provider.SSH{Port: 22, User: "ubuntu", PrivateKeyPath: "/keys/id_ed25519"}},
		{Name: "client-2", State: provider.StateNotCreated},
	}
	p := connect(t, &recordingProvider{machines: want})
	got, err := p.List(context.Background(), testCluster())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n%#v\nwant\n%#v", got, want)
	}
}

// longCalls are the calls that stream progress.
var longCalls = []struct {
	name string
	do   func(p provider.Provider, progress provider.Progress) error
}{
	{"Preflight", func(p provider.Provider, progress provider.Progress) error {
		return p.Preflight(context.Background(), testCluster(), progress)
	}},
	{"Up", func(p provider.Provider, progress provider.Progress) error {
		return p.Up(context.Background(), testCluster(), nil, progress)
	}},
	{"Halt", func(p provider.Provider, progress provider.Progress) error {
		return p.Halt(context.Background(), testCluster(), nil, progress)
	}},
	{"Destroy", func(p provider.Provider, progress provider.Progress) error {
		return p.Destroy(context.Background(), testCluster(), nil, progress)
	}},
}

func TestRoundTripProgress(t *testing.T) {
	lines := []string{"creating server-1", "", "  booting server-1 (1/3)", "creating client-1", "done ✓"}
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			p := connect(t, &recordingProvider{progress: lines})
			var mu sync.Mutex
			var got []string
			returned := false
			err := lc.do(p, func(line string) {
				mu.Lock()
				defer mu.Unlock()
				if returned {
					t.Errorf("progress line %q arrived after %s returned", line, lc.name)
				}
				got = append(got, line)
			})
			mu.Lock()
			returned = true
			snapshot := append([]string(nil), got...)
			mu.Unlock()
			if err != nil {
				t.Fatalf("%s: %v", lc.name, err)
			}
			if !reflect.DeepEqual(snapshot, lines) {
				t.Errorf("%s: progress lines when it returned = %q, want %q", lc.name, snapshot, lines)
			}
			// Nothing more comes after.
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if len(got) != len(lines) {
				t.Errorf("%s: %d progress lines in all, want %d", lc.name, len(got), len(lines))
			}
		})
	}
}

func TestRoundTripProgressThenError(t *testing.T) {
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			p := connect(t, &recordingProvider{
				progress: []string{"step 1", "step 2"},
				err:      errors.New("step 3 failed: run `vagrant plugin install vagrant-libvirt`"),
			})
			var got []string
			err := lc.do(p, func(line string) { got = append(got, line) })
			if err == nil || !strings.Contains(err.Error(), "step 3 failed: run `vagrant plugin install vagrant-libvirt`") {
				t.Fatalf("%s: err = %v, want the provider's message", lc.name, err)
			}
			if want := []string{"step 1", "step 2"}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: progress = %q, want %q", lc.name, got, want)
			}
		})
	}
}

func TestRoundTripProgressConcurrent(t *testing.T) {
	// A provider may report from several goroutines at once.
	const workers, each = 8, 50
	f := &recordingProvider{long: func(_ context.Context, progress provider.Progress) error {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					progress(fmt.Sprintf("worker %d line %03d", w, i))
				}
			}()
		}
		wg.Wait()
		return nil
	}}
	p := connect(t, f)
	var got []string
	if err := p.Up(context.Background(), testCluster(), nil, func(l string) { got = append(got, l) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != workers*each {
		t.Fatalf("got %d progress lines, want %d", len(got), workers*each)
	}
	// Each worker's lines keep their order.
	next := make([]int, workers)
	for _, l := range got {
		var w, i int
		if _, err := fmt.Sscanf(l, "worker %d line %d", &w, &i); err != nil {
			t.Fatalf("garbled progress line %q", l)
		}
		if i != next[w] {
			t.Fatalf("worker %d: line %d arrived when %d was next", w, i, next[w])
		}
		next[w]++
	}
}

func TestRoundTripNilProgress(t *testing.T) {
	// nomadbox may pass no progress; the provider still gets a func.
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			p := connect(t, &recordingProvider{progress: []string{"a", "b"}})
			if err := lc.do(p, nil); err != nil {
				t.Fatalf("%s with nil progress: %v", lc.name, err)
			}
		})
	}
}

func TestRoundTripErrors(t *testing.T) {
	const msg = "no credentials: set AWS_PROFILE or run `aws sso login`"
	p := connect(t, recordingVagrant{&recordingProvider{err: errors.New(msg)}})
	ctx := context.Background()
	c := testCluster()
	calls := map[string]func() error{
		"Describe":        func() error { _, err := p.Describe(ctx); return err },
		"Schema":          func() error { _, err := p.Schema(ctx); return err },
		"Validate":        func() error { _, err := p.Validate(ctx, c); return err },
		"VagrantFragment": func() error { _, err := p.VagrantFragment(ctx, c, "server-1"); return err },
		"List":            func() error { _, err := p.List(ctx, c); return err },
		"Preflight":       func() error { return p.Preflight(ctx, c, nil) },
		"Up":              func() error { return p.Up(ctx, c, []string{"server-1"}, nil) },
		"Halt":            func() error { return p.Halt(ctx, c, nil, nil) },
		"Destroy":         func() error { return p.Destroy(ctx, c, nil, nil) },
	}
	names := make([]string, 0, len(calls))
	for n := range calls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		err := calls[name]()
		if err == nil {
			t.Errorf("%s: no error, want %q", name, msg)
			continue
		}
		if st := status.Convert(err); st.Message() != msg {
			t.Errorf("%s: error message = %q, want %q (err: %v)", name, st.Message(), msg, err)
		}
	}
}

func TestRoundTripCancel(t *testing.T) {
	// The provider's context ends when nomadbox gives up on the call.
	cancelled := make(chan struct{})
	f := &recordingProvider{long: func(ctx context.Context, progress provider.Progress) error {
		progress("waiting")
		select {
		case <-ctx.Done():
			close(cancelled)
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("the context never ended")
		}
	}}
	p := connect(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := p.Up(ctx, testCluster(), nil, func(string) {})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Up past its deadline: err = %v, want DeadlineExceeded", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the provider's context did not end")
	}
}
