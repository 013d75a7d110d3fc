package scaffold

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/nomadbox/nomadbox/internal/providers"
)

// Every string init writes reads back as exactly itself.
func TestQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", `qu"ote`, `back\slash`, "new\nline", "${var.x}", "%{ if true }x%{ endif }", "$${x}", "tab\there", "\x00\x7f", "ünïcode ✓"} {
		expr, diags := hclsyntax.ParseExpression([]byte(quote(s)), "q", hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("quote(%q) = %s does not parse: %s", s, quote(s), diags.Error())
			continue
		}
		v, diags := expr.Value(nil)
		if diags.HasErrors() || v.AsString() != s {
			t.Errorf("quote(%q) = %s reads back as %#v (%s)", s, quote(s), v, diags.Error())
		}
	}
}

// A plugin's schema is text from another program: its descriptions stay
// in their comments, and names that are not identifiers are refused.
func TestPluginAttributesCannotInjectHCL(t *testing.T) {
	opts := Options{Cluster: "x", Provider: "myplug", Servers: 1, Clients: 1, PluginAttributes: []Attribute{
		{Name: "zone", Description: "where\n}\nprovider \"ssh\" {\n  user = \"root\"", Default: `"${x}"`},
	}}
	src, err := Topology(opts)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("does not parse: %s\n%s", diags.Error(), src)
	}
	providers := 0
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "provider" {
			providers++
		}
	}
	if providers != 1 || !strings.Contains(string(src), "# where } provider \"ssh\" { user = \"root\"") {
		t.Errorf("the description escaped its comment:\n%s", src)
	}
	opts.PluginAttributes[0].Name = "zone = 1 #"
	if _, err := Topology(opts); err == nil || !strings.Contains(err.Error(), "not an HCL identifier") {
		t.Errorf("an attribute name that is no identifier: %v", err)
	}
}

func TestSmallestNetwork(t *testing.T) {
	for _, c := range []struct {
		cidr             string
		servers, clients int
		want, last       string
	}{
		{"10.0.0.0/30", 1, 2, "10.0.0.0/25", "10.0.0.102"},
		{"10.0.0.0/24", 1, 2, "10.0.0.0/25", "10.0.0.102"},
		{"172.16.5.0/30", 3, 100, "172.16.5.0/24", "172.16.5.200"},
	} {
		p, last, ok := SmallestNetwork(Options{Cluster: "x", Provider: "docker", CIDR: c.cidr, Servers: c.servers, Clients: c.clients})
		if !ok || p.String() != c.want || last.String() != c.last {
			t.Errorf("%s for %d+%d: %s (last %s, ok %v), want %s (last %s)", c.cidr, c.servers, c.clients, p, last, ok, c.want, c.last)
		}
	}
	// Nothing to advise when something else is wrong.
	if _, _, ok := SmallestNetwork(Options{Cluster: "BAD", Provider: "docker", CIDR: "10.0.0.0/30", Servers: 1, Clients: 1}); ok {
		t.Error("advised a network for a topology that no network makes valid")
	}
	if _, _, ok := SmallestNetwork(Options{Cluster: "x", Provider: "docker", CIDR: "nonsense", Servers: 1, Clients: 1}); ok {
		t.Error("advised a network for a CIDR that does not parse")
	}
}

// What init writes by default validates.
func TestDefaultTopologyValidates(t *testing.T) {
	for _, p := range []string{"virtualbox", "libvirt", "docker", "ssh"} {
		src, err := Topology(Options{Cluster: "playground", Provider: p, Servers: 3, Clients: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := providers.NewParser().Parse(src, "topology.hcl"); diags.HasErrors() {
			t.Errorf("%s: %s", p, diags.Error())
		}
	}
}
