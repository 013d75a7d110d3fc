package topology

import (
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Provider says how machines come to exist. Built-in providers are
// Vagrant providers (virtualbox, libvirt, hyperv, parallels, docker) or
// ssh (existing hosts, no Vagrant). Any other name is a plugin: an
// executable nomadbox-provider-<name>, found and asked for its schema
// when the topology is loaded (internal/providers).
type Provider struct {
	block
	Name      string
	NameRange hcl.Range

	// Vagrant box providers.
	Box         string
	BoxVersion  string
	GUI         bool   // virtualbox
	LinkedClone bool   // virtualbox
	Driver      string // libvirt: kvm or qemu
	StoragePool string // libvirt
	Switch      string // hyperv virtual switch

	// docker: the node image built by `nomadbox box build`; Vagrant
	// makes the containers from the rendered Vagrantfile when Vagrant is
	// true, nomadbox itself (docker run) otherwise.
	Image   string
	Vagrant bool

	// ssh: existing hosts reached directly by Ansible.
	User       string
	PrivateKey string
	Port       int
	Hosts      map[string]string // node name -> IP address: every node listed

	// Plugin is true for a provider that is not built in. Its body is
	// decoded with the schema the plugin declares (DecodePluginBlock)
	// into Config, which the plugin gets.
	Plugin bool
	Body   hcl.Body
	Config map[string]any
}

// providerAttrs lists the attributes each built-in provider accepts.
var providerAttrs = map[string][]string{
	"virtualbox": {"box", "box_version", "gui", "linked_clone"},
	"libvirt":    {"box", "box_version", "driver", "storage_pool"},
	"hyperv":     {"box", "box_version", "switch"},
	"parallels":  {"box", "box_version"},
	"docker":     {"image", "vagrant"},
	"ssh":        {"user", "private_key", "port", "hosts"},
}

// BuiltinProviders lists the providers nomadbox knows without a plugin,
// in the order `init` prefers them.
func BuiltinProviders() []string {
	return []string{"virtualbox", "libvirt", "docker", "hyperv", "parallels", "ssh"}
}

// IsBuiltinProvider reports whether name is one of nomadbox's own
// providers.
func IsBuiltinProvider(name string) bool {
	_, ok := providerAttrs[name]
	return ok
}

// UsesVagrant reports whether a built-in provider's machines are made by
// Vagrant (every one but ssh). Whether a plugin's are is the plugin's
// answer (its UsesVagrant capability), which the topology does not hold:
// this is false for a plugin.
func (p *Provider) UsesVagrant() bool {
	return !p.Plugin && p.Name != "ssh"
}

// ParallelUp reports whether `vagrant up --parallel` is allowed: Vagrant
// refuses it for VirtualBox and Hyper-V.
func (p *Provider) ParallelUp() bool {
	switch p.Name {
	case "libvirt", "docker", "parallels":
		return true
	}
	return false
}

// DriverSet reports whether the topology names the libvirt driver; when
// it does not, the driver is the one this host's KVM probe calls for
// (internal/cluster.Load), and the topology's own default otherwise.
func (p *Provider) DriverSet() bool { return p.isSet("driver") }

var pluginName = dnsLabel

func decodeProvider(b *hcl.Block) (Provider, hcl.Diagnostics) {
	p := Provider{Name: b.Labels[0], NameRange: b.LabelRanges[0]}
	p.DeclRange = b.DefRange
	names, builtin := providerAttrs[p.Name]
	if !builtin {
		if !pluginName.MatchString(p.Name) {
			return p, hcl.Diagnostics{errorAt(&p.NameRange, "Unknown provider",
				"%q is not a provider. Built-in providers are %s; a plugin provider is an executable nomadbox-provider-<name> in $NOMADBOX_PLUGIN_PATH, ~/.nomadbox/plugins or PATH, with a lower-case name.",
				p.Name, strings.Join(BuiltinProviders(), ", "))}
		}
		p.Plugin = true
		p.Body = b.Body
		p.attrs = map[string]hcl.Range{}
		return p, nil
	}
	d := newAttrDecoder(b.Body, &p.block, names...)
	d.decode("box", &p.Box)
	d.decode("box_version", &p.BoxVersion)
	d.decode("gui", &p.GUI)
	d.decode("linked_clone", &p.LinkedClone)
	d.decode("driver", &p.Driver)
	d.decode("storage_pool", &p.StoragePool)
	d.decode("switch", &p.Switch)
	d.decode("image", &p.Image)
	d.decode("vagrant", &p.Vagrant)
	d.decode("user", &p.User)
	d.decode("private_key", &p.PrivateKey)
	d.decode("port", &p.Port)
	d.decode("hosts", &p.Hosts)
	return p, d.diags
}

func (p *Provider) validate(t *Topology) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.isSet("driver") && p.Driver != "kvm" && p.Driver != "qemu" {
		diags = append(diags, errorAt(p.subject("driver"), "Invalid libvirt driver",
			"driver must be \"kvm\" or \"qemu\", not %q.", p.Driver))
	}
	if p.isSet("port") && (p.Port < 1 || p.Port > 65535) {
		diags = append(diags, errorAt(p.subject("port"), "Invalid SSH port",
			"port must be between 1 and 65535, not %d.", p.Port))
	}
	for _, attr := range []struct{ name, value string }{{"box", p.Box}, {"image", p.Image}, {"user", p.User}} {
		if p.isSet(attr.name) && strings.TrimSpace(attr.value) == "" {
			diags = append(diags, errorAt(p.subject(attr.name), "Empty "+attr.name,
				"%s must not be empty; remove the attribute to use the default.", attr.name))
		}
	}
	if p.isSet("image") && strings.TrimSpace(p.Image) != "" {
		if why := checkImageReference(p.Image); why != "" {
			diags = append(diags, errorAt(p.subject("image"), "Invalid image reference",
				"%q %s. Write an image reference as Docker reads it, [REGISTRY/]NAME[:TAG][@DIGEST] with a lower-case name, for example %q (what `nomadbox box build` makes).", p.Image, why, DefaultDockerImage))
		}
	}
	if p.Name == "ssh" {
		diags = append(diags, p.validateHosts(t)...)
	}
	return diags
}

var hostName = dnsLabel

// isHost accepts an IP address or a dotted host name.
func isHost(s string) bool {
	if parseAddr(s) {
		return true
	}
	for _, label := range strings.Split(s, ".") {
		if !hostName.MatchString(strings.ToLower(label)) {
			return false
		}
	}
	return s != ""
}

// validateHosts checks the ssh provider lists every node at an IP
// address of its own: the agents bind, advertise and join on it, so
// nothing is guessed from the CIDR.
func (p *Provider) validateHosts(t *Topology) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.hadTypeError("hosts") {
		return nil
	}
	known := map[string]bool{}
	for _, n := range t.Nodes() {
		known[n.Name] = true
	}
	byAddress := map[string]string{}
	for _, name := range p.mapKeys("hosts", p.Hosts) {
		addr := p.Hosts[name]
		if !known[name] {
			diags = append(diags, errorAt(p.keySubject("hosts", name), "Unknown host in ssh provider",
				"hosts names %q, which is not a node of this topology. Node names are the group label followed by 1..count, for example \"nomad-client1\".", name))
		}
		a, err := netip.ParseAddr(addr)
		switch {
		case err != nil || !a.Is4():
			diags = append(diags, errorAt(p.valueSubject("hosts", name), "Invalid host address",
				"The address %q for %q is not an IPv4 address. The agents bind, advertise and join on each node's address, so list the address itself (not a host name).", addr, name))
		case unusableHost(a) != "":
			diags = append(diags, errorAt(p.valueSubject("hosts", name), "Invalid host address",
				"The address %s for %q is %s, which no host can be reached at from the others: list the address the node has on the network the cluster's nodes share.", addr, name, unusableHost(a)))
		case byAddress[addr] != "":
			diags = append(diags, errorAt(p.valueSubject("hosts", name), "Duplicate host address",
				"%q and %q are both at %s; every node needs a host of its own.", byAddress[addr], name, addr))
		default:
			byAddress[addr] = name
		}
	}
	groups := append([]*Group{&t.Server}, nil)
	for i := range t.Clients {
		groups = append(groups, &t.Clients[i])
	}
	for _, g := range groups {
		var missing []string
		for _, n := range t.Nodes() {
			if n.Group == g && p.Hosts[n.Name] == "" {
				missing = append(missing, n.Name)
			}
		}
		if len(missing) > 0 {
			r := g.DeclRange
			diags = append(diags, errorAt(&r, "Node without a host",
				"The ssh provider reaches existing hosts, and %s has no address in provider \"ssh\" { hosts = { ... } }: add \"%s\" = \"<IP address>\" for each, or lower count.", strings.Join(missing, ", "), missing[0]))
		}
	}
	return diags
}
