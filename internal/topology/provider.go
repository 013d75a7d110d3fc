package topology

import (
	"maps"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/nomadbox/nomadbox/provider"
)

// Provider says how machines come to exist. The topology keeps its
// block as data: the name, where it is written, its body and the values
// decoded from it (Config, defaults applied). What the attributes mean
// is the provider's to say. A built-in provider's package
// (internal/providers/...) declares its schema and checks (a
// BuiltinBlock the Parser is given); any other name is a plugin, an
// executable nomadbox-provider-<name> asked for its schema when the
// topology is loaded (internal/providers). Both blocks are decoded by
// DecodeBlock.
type Provider struct {
	block
	Name      string
	NameRange hcl.Range

	// Plugin is true for a provider that is not built in.
	Plugin bool
	Body   hcl.Body
	// Config is the block's values as JSON values (string, float64,
	// bool, []any, map[string]any), defaults applied; nil until the block
	// is decoded with its schema.
	Config map[string]any

	// files comes from the built-in's BuiltinBlock.
	files map[string]string
}

// BuiltinBlock is how a built-in provider's package reads its block: the
// Parser decodes the block with Schema (the code a plugin's block goes
// through) while it decodes the rest, and runs Check with the other
// checks, so every problem shows at once.
type BuiltinBlock struct {
	Schema []provider.Attribute
	// Files names the string attributes that are paths of files on this
	// machine, each with what it is ("SSH private key"): CheckHost checks
	// they exist and Resolved makes them absolute.
	Files map[string]string
	// Check validates the decoded block against the whole topology.
	Check func(t *Topology) hcl.Diagnostics
}

// BuiltinProviders lists the providers nomadbox knows without a plugin,
// in the order `init` prefers them.
func BuiltinProviders() []string {
	return []string{"virtualbox", "libvirt", "docker", "hyperv", "parallels", "ssh"}
}

// IsBuiltinProvider reports whether name is one of nomadbox's own
// providers.
func IsBuiltinProvider(name string) bool {
	for _, b := range BuiltinProviders() {
		if b == name {
			return true
		}
	}
	return false
}

// UsesVagrant reports whether a built-in provider's machines are made by
// Vagrant (every one but ssh). Whether a plugin's are is the plugin's
// answer (its UsesVagrant capability), which the topology does not hold:
// this is false for a plugin.
func (p *Provider) UsesVagrant() bool {
	return !p.Plugin && p.Name != "ssh"
}

// DriverSet reports whether the topology names the libvirt driver; when
// it does not, the driver is the one this host's KVM probe calls for
// (internal/cluster.Load), and the provider's default otherwise.
func (p *Provider) DriverSet() bool { return p.isSet("driver") }

// WithConfig returns a copy of p whose Config has name set to value; p
// is not changed.
func (p Provider) WithConfig(name string, value any) Provider {
	p.Config = maps.Clone(p.Config)
	if p.Config == nil {
		p.Config = map[string]any{}
	}
	p.Config[name] = value
	return p
}

// Attrs is where the block's attributes are written, for a built-in's
// checks to point at.
func (p *Provider) Attrs() Attrs { return Attrs{&p.block} }

// Attrs are the attributes of a decoded block as written.
type Attrs struct{ b *block }

// IsSet reports whether the block writes attribute name.
func (a Attrs) IsSet(name string) bool { return a.b.isSet(name) }

// Subject is where attribute name is written, else the block.
func (a Attrs) Subject(name string) *hcl.Range { return a.b.subject(name) }

// KeySubject is where key is written in map attribute name, else the
// attribute.
func (a Attrs) KeySubject(name, key string) *hcl.Range { return a.b.keySubject(name, key) }

// ValueSubject is where the value of key is written in map attribute
// name, else the attribute.
func (a Attrs) ValueSubject(name, key string) *hcl.Range { return a.b.valueSubject(name, key) }

// MapKeys lists the keys of m, the decoded value of map attribute name,
// in the order they are written.
func (a Attrs) MapKeys(name string, m map[string]string) []string { return a.b.mapKeys(name, m) }

// HadTypeError reports whether attribute name failed to decode (it was
// reported then), so value checks can stay quiet about it.
func (a Attrs) HadTypeError(name string) bool { return a.b.hadTypeError(name) }

var pluginName = dnsLabel

func decodeProvider(b *hcl.Block, builtins map[string]BuiltinBlock) (Provider, hcl.Diagnostics) {
	p := Provider{Name: b.Labels[0], NameRange: b.LabelRanges[0], Body: b.Body}
	p.DeclRange = b.DefRange
	p.attrs = map[string]hcl.Range{}
	if IsBuiltinProvider(p.Name) {
		spec, ok := builtins[p.Name]
		if !ok {
			// A Parser given no built-ins (NewParser) keeps the block
			// undecoded.
			return p, nil
		}
		p.files = spec.Files
		return p, p.DecodeBlock(spec.Schema)
	}
	if !pluginName.MatchString(p.Name) {
		return p, hcl.Diagnostics{errorAt(&p.NameRange, "Unknown provider",
			"%q is not a provider. Built-in providers are %s; a plugin provider is an executable nomadbox-provider-<name> in $NOMADBOX_PLUGIN_PATH, ~/.nomadbox/plugins or PATH, with a lower-case name.",
			p.Name, strings.Join(BuiltinProviders(), ", "))}
	}
	p.Plugin = true
	return p, nil
}

// validate runs the built-in's own checks, from builtins.
func (p *Provider) validate(t *Topology, builtins map[string]BuiltinBlock) hcl.Diagnostics {
	if b, ok := builtins[p.Name]; ok && b.Check != nil {
		return b.Check(t)
	}
	return nil
}

// ErrorAt is an error diagnostic at subject, its detail formatted.
func ErrorAt(subject *hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	return errorAt(subject, summary, detail, args...)
}
