package cluster

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers"
)

// The render is a pure function of its generator.Input: the same Input
// gives the same bytes whatever ran before it on the same topology (a
// render, a session, its render with reported addresses), and none of
// those steps writes into the topology Load returned: it stays equal to
// one loaded from the same file and never used.
func TestRenderDependsOnItsInputOnly(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "jobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "jobs", "web.nomad.hcl"), []byte("job \"web\" {\n}\n"), 0o644)
	path := filepath.Join(dir, "topology.hcl")
	os.WriteFile(path, []byte(`cluster "pure" {}
provider "docker" {}
network { cidr = "10.9.0.0/24" }
server "nomad-server" {}
client "nomad-client" { count = 2 }
job "web" {
  file = "jobs/web.nomad.hcl"
}
`), 0o644)
	ctx := context.Background()
	l, err := Load(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	untouched, err := Load(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Topology, untouched.Topology) {
		t.Fatal("two loads of one file differ")
	}
	resolved, err := l.Topology.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	ruby, err := providers.VagrantRuby(resolved, nodeimage.Checksums{})
	if err != nil {
		t.Fatal(err)
	}
	in := generator.Input{Topology: resolved, Vagrant: ruby, Machines: map[string]netip.Addr{"nomad-client2": netip.MustParseAddr("10.9.0.99")}}
	first, err := generator.Render(in, nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, ".nomadbox", "pure")
	if _, err := Render(l, RenderOptions{OutDir: out, Assets: nomadbox.Assets()}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, l, SessionOptions{OutDir: out, Command: "up"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// What up does when a provider reports addresses: a session view with
	// them, and a render of it.
	s.addresses = map[string]netip.Addr{"nomad-server1": netip.MustParseAddr("10.9.0.42")}
	s.Topology = s.resolved.WithAddresses(s.addresses)
	if _, err := writeSession(s, nil, nomadbox.Assets()); err != nil {
		t.Fatal(err)
	}
	if _, err := generator.Render(generator.Input{Topology: resolved, PluginVagrant: true, Fragments: map[string]string{"nomad-server1": "p.x = 1"}}, nomadbox.Assets()); err != nil {
		t.Fatal(err)
	}

	again, err := generator.Render(in, nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(first) {
		t.Errorf("the second render has %d files, the first %d", len(again), len(first))
	}
	for p := range first {
		if !bytes.Equal(first[p], again[p]) {
			t.Errorf("%s differs between two renders of the same Input", p)
		}
	}
	if !reflect.DeepEqual(l.Topology, untouched.Topology) {
		t.Errorf("the loaded topology was written into:\n%+v\nwant\n%+v", l.Topology, untouched.Topology)
	}
	if !reflect.DeepEqual(in.Topology, mustResolve(t, untouched)) {
		t.Error("the render's input topology was written into")
	}
}

func mustResolve(t *testing.T, l *Loaded) any {
	t.Helper()
	r, err := l.Topology.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	return r
}
