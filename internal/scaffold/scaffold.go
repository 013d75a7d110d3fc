// Package scaffold writes the starting files of a new nomadbox project:
// a commented topology.hcl and the example jobs it refers to.
package scaffold

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/netip"
	"strings"
	"text/template"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/topology"
)

//go:embed topology.hcl.tmpl
var topologyTemplate string

// Options selects what `nomadbox init` writes. Empty fields keep the
// defaults of internal/topology.
type Options struct {
	Cluster  string
	Provider string
	Servers  int
	Clients  int

	CIDR          string
	ConsulVersion string
	NomadVersion  string
	// InstallMethod releases, apt or local; ConsulBinary and NomadBinary
	// go with local.
	InstallMethod string
	ConsulBinary  string
	NomadBinary   string
	DockerPackage string
	// Jobs names the example jobs the topology deploys (jobs/<name>.nomad.hcl);
	// nil means fabio, as in the reference sandbox.
	Jobs []string
	// PluginAttributes is the block of a plugin provider, from the schema
	// the plugin declares.
	PluginAttributes []Attribute
}

// Attribute is one attribute of a plugin provider's block.
type Attribute struct {
	Name, Description string
	Required          bool
	// Default as an HCL literal, "" for none.
	Default string
}

// Topology renders the commented default topology for opts.
func Topology(opts Options) ([]byte, error) {
	if opts.Servers < 1 || opts.Clients < 1 {
		return nil, fmt.Errorf("a cluster needs at least one server and one client (asked for %d and %d)", opts.Servers, opts.Clients)
	}
	for _, a := range opts.PluginAttributes {
		if !hclsyntax.ValidIdentifier(a.Name) {
			return nil, fmt.Errorf("provider %s declares an attribute named %q, which is not an HCL identifier: the plugin must be fixed", opts.Provider, a.Name)
		}
	}
	tmpl, err := template.New("topology.hcl").Delims("[[", "]]").Option("missingkey=error").
		Funcs(template.FuncMap{"hcl": quote, "comment": oneLine}).Parse(topologyTemplate)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"Cluster":       opts.Cluster,
		"Provider":      opts.Provider,
		"Servers":       opts.Servers,
		"Clients":       opts.Clients,
		"Box":           topology.DefaultBox,
		"Image":         topology.DefaultDockerImage,
		"CIDR":          topology.DefaultCIDR,
		"ConsulVersion": topology.DefaultConsulVersion,
		"NomadVersion":  topology.DefaultNomadVersion,
		"InstallMethod": "releases",
		"DockerPackage": "docker-ce",
	}
	if opts.Provider == "libvirt" {
		data["Box"] = topology.DefaultLibvirtBox
	}
	data["ConsulBinary"], data["NomadBinary"] = opts.ConsulBinary, opts.NomadBinary
	data["Jobs"] = opts.Jobs
	if opts.Jobs == nil {
		data["Jobs"] = []string{"fabio"}
	}
	for key, v := range map[string]string{
		"CIDR": opts.CIDR, "ConsulVersion": opts.ConsulVersion, "NomadVersion": opts.NomadVersion,
		"InstallMethod": opts.InstallMethod, "DockerPackage": opts.DockerPackage,
	} {
		if v != "" {
			data[key] = v
		}
	}
	data["Plugin"] = !topology.IsBuiltinProvider(opts.Provider)
	data["PluginAttributes"] = opts.PluginAttributes
	data["Hosts"] = placeholderHosts(data["CIDR"].(string), opts.Servers, opts.Clients)
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// quote writes s as an HCL string literal: quotes, backslashes, control
// characters and template sequences ("${", "%{") escaped, so whatever a
// flag holds lands in the file as that value and nothing else.
func quote(s string) string {
	return string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes())
}

// oneLine keeps text that init writes into a comment on its line: a
// newline in it would end the comment and start HCL.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type host struct{ Name, Address string }

// placeholderHosts are the ssh provider's hosts as init writes them: the
// addresses the network's range would give the nodes (servers from .11,
// clients from .101), for the user to replace.
func placeholderHosts(cidr string, servers, clients int) []host {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return nil
	}
	at := func(h int) string {
		b := p.Masked().Addr().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		v += uint32(h)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
	}
	var out []host
	for i := 1; i <= servers; i++ {
		out = append(out, host{fmt.Sprintf("nomad-server%d", i), at(10 + i)})
	}
	for i := 1; i <= clients; i++ {
		out = append(out, host{fmt.Sprintf("nomad-client%d", i), at(100 + i)})
	}
	return out
}

// SmallestNetwork is the smallest network at opts.CIDR's address in
// which the topology init writes for opts validates, and the highest
// node address in it. It is found by validating that topology with
// each prefix length in turn, so the advice follows the rules validate
// applies (where each group's addresses start, the host numbers a
// network reserves), not a copy of them that could drift. ok is false
// when opts.CIDR does not parse or no prefix length makes the topology
// valid (then something other than the network's size is wrong).
func SmallestNetwork(opts Options) (network netip.Prefix, last netip.Addr, ok bool) {
	p, err := netip.ParsePrefix(opts.CIDR)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, netip.Addr{}, false
	}
	for bits := 32; bits > 0; bits-- {
		opts.CIDR = netip.PrefixFrom(p.Addr(), bits).Masked().String()
		src, err := Topology(opts)
		if err != nil {
			return netip.Prefix{}, netip.Addr{}, false
		}
		t, diags := providers.NewParser().Parse(src, topology.DefaultFile)
		if diags.HasErrors() {
			continue
		}
		for _, n := range t.Nodes() {
			if n.Address.Compare(last) > 0 {
				last = n.Address
			}
		}
		return t.Network.Prefix, last, true
	}
	return netip.Prefix{}, netip.Addr{}, false
}
