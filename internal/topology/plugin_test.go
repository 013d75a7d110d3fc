package topology

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/provider"
)

const pluginTopology = `cluster "p" {}
provider "acme" {
  region   = "eu-1"
  replicas = "three"
  debug    = true
  tags     = ["a", "b"]
  colour   = "blue"
}
server "nomad-server" {}
client "nomad-client" {}
`

var acmeSchema = &provider.Schema{Attributes: []provider.Attribute{
	{Name: "region", Type: provider.TypeString, Required: true},
	{Name: "replicas", Type: provider.TypeNumber, Default: float64(1)},
	{Name: "debug", Type: provider.TypeBool},
	{Name: "tags", Type: provider.TypeListString},
	{Name: "zone", Type: provider.TypeString, Default: "z1"},
	{Name: "token", Type: provider.TypeString, Required: true},
}}

func parsePlugin(t *testing.T, src string) *Topology {
	t.Helper()
	topo, diags := NewParser().Parse([]byte(src), "topology.hcl")
	if diags.HasErrors() {
		t.Fatalf("parse:%s", describe(diags))
	}
	if !topo.Provider.Plugin {
		t.Fatal("acme should be a plugin provider")
	}
	return topo
}

// at finds the diagnostic whose summary contains s and returns its
// line and column.
func at(t *testing.T, diags hcl.Diagnostics, s string) (int, int) {
	t.Helper()
	for _, d := range diags {
		if strings.Contains(d.Summary+" "+d.Detail, s) && d.Subject != nil {
			return d.Subject.Start.Line, d.Subject.Start.Column
		}
	}
	t.Fatalf("no diagnostic mentions %q:%s", s, describe(diags))
	return 0, 0
}

func TestDecodePluginBlockDiagnostics(t *testing.T) {
	topo := parsePlugin(t, pluginTopology)
	diags := topo.Provider.DecodeBlock(acmeSchema.Attributes)
	for _, want := range []struct {
		text      string
		line, col int
	}{
		{"replicas", 4, 14}, // a string where a number is required: at the value
		{`"colour"`, 7, 3},  // not in the schema: at the attribute
		{`"token"`, 2, 17},  // required and missing: at the opening brace
	} {
		line, col := at(t, diags, want.text)
		if line != want.line || col != want.col {
			t.Errorf("diagnostic about %s at %d:%d, want %d:%d", want.text, line, col, want.line, want.col)
		}
	}
	if n := len(diags); n != 3 {
		t.Errorf("want 3 diagnostics, got %d:%s", n, describe(diags))
	}
}

func TestDecodePluginBlockConfig(t *testing.T) {
	topo := parsePlugin(t, strings.Replace(strings.Replace(pluginTopology, `replicas = "three"`, `replicas = 3`, 1), `  colour   = "blue"`+"\n", `  token    = "x"`+"\n", 1))
	if diags := topo.Provider.DecodeBlock(acmeSchema.Attributes); len(diags) > 0 {
		t.Fatalf("want no diagnostics:%s", describe(diags))
	}
	want := map[string]any{"region": "eu-1", "replicas": float64(3), "debug": true, "tags": []any{"a", "b"}, "zone": "z1", "token": "x"}
	if !reflect.DeepEqual(topo.Provider.Config, want) {
		t.Errorf("config = %#v\nwant %#v", topo.Provider.Config, want)
	}
	// The plugin's own findings land at the attribute they name, or at
	// the provider's label.
	diags := topo.Provider.PluginDiagnostics([]provider.Diagnostic{
		{Severity: provider.SeverityError, Summary: "Unknown region", Detail: "eu-1 is closed", Path: provider.AtAttribute("region")},
		{Severity: provider.SeverityWarning, Summary: "Old plugin", Detail: "upgrade"},
	})
	if line, col := at(t, diags, "Unknown region"); line != 3 || col != 14 {
		t.Errorf("region diagnostic at %d:%d, want 3:14", line, col)
	}
	if line, col := at(t, diags, "Old plugin"); line != 2 || col != 10 {
		t.Errorf("block diagnostic at %d:%d, want the label at 2:10", line, col)
	}
	if diags[0].Severity != hcl.DiagError || diags[1].Severity != hcl.DiagWarning {
		t.Errorf("severities: %v, %v", diags[0].Severity, diags[1].Severity)
	}
}

func TestDecodePluginBlockUnknownType(t *testing.T) {
	topo := parsePlugin(t, pluginTopology)
	diags := topo.Provider.DecodeBlock([]provider.Attribute{{Name: "region", Type: "tuple"}})
	if line, _ := at(t, diags, `type "tuple"`); line != 2 {
		t.Errorf("a bad schema is reported at the provider label (line 2), got line %d", line)
	}
}
