package topology

import (
	"maps"
	"os"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// CheckHost runs the checks that look at this machine rather than at the
// file: files the topology names must exist, and job files must be
// bounded regular files holding the job their block names. Parse stays free of I/O
// beyond reading the topology itself; a plugin provider's block is
// checked by the plugin (internal/providers.CheckBlock).
func (t *Topology) CheckHost() hcl.Diagnostics {
	var diags hcl.Diagnostics
	fileMustExist := func(b *block, attr, path, what string) {
		if path == "" {
			return
		}
		st, err := os.Stat(t.Path(path))
		switch {
		case err != nil:
			diags = append(diags, errorAt(b.subject(attr), "File not found",
				"%s %q does not exist (looked for %s).", what, path, t.Path(path)))
		case st.IsDir():
			diags = append(diags, errorAt(b.subject(attr), "Not a file",
				"%s %q is a directory.", what, path))
		}
	}
	if t.Install.Method == "local" {
		fileMustExist(&t.Install.block, "consul_binary", t.Install.ConsulBinary, "The Consul binary")
		fileMustExist(&t.Install.block, "nomad_binary", t.Install.NomadBinary, "The Nomad binary")
	}
	for _, attr := range slices.Sorted(maps.Keys(t.Provider.files)) {
		path, _ := t.Provider.Config[attr].(string)
		if !t.Provider.isSet(attr) || path == "" {
			continue
		}
		if err := statInput(t.Path(expandHome(path)), t.Provider.files[attr]); err != nil {
			diags = append(diags, inputAt(t.Provider.subject(attr), err)...)
		}
	}
	for i := range t.Jobs {
		diags = append(diags, checkJobFile(t, &t.Jobs[i])...)
	}
	return diags
}

// Resolved returns a copy of t whose paths (the local binaries, the
// provider's files such as the ssh provider's private key, the job files) are absolute, so rendered files
// work from any directory (Ansible runs from the render directory). t
// itself is not changed: what a command parsed stays as written, and the
// copy is what a render is made from.
func (t *Topology) Resolved() (*Topology, error) {
	r := *t
	r.Jobs = append([]Job(nil), t.Jobs...)
	for _, p := range []*string{&r.Install.ConsulBinary, &r.Install.NomadBinary} {
		if *p == "" {
			continue
		}
		abs, err := absPath(t.Path(expandHome(*p)))
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	for _, attr := range slices.Sorted(maps.Keys(t.Provider.files)) {
		if path, _ := t.Provider.Config[attr].(string); path != "" {
			abs, err := absPath(t.Path(expandHome(path)))
			if err != nil {
				return nil, err
			}
			r.Provider = r.Provider.WithConfig(attr, abs)
		}
	}
	for i := range r.Jobs {
		abs, err := absPath(t.Path(r.Jobs[i].File))
		if err != nil {
			return nil, err
		}
		r.Jobs[i].File = abs
	}
	return &r, nil
}

// HostFacts are what loading a topology learns of this machine rather
// than reads in the file: the releases of the local binaries where the
// versions block does not pin them, and the libvirt driver this host's
// KVM probe calls for where the provider block does not name one. ""
// leaves the topology's own value.
type HostFacts struct {
	Versions      BinaryVersions
	LibvirtDriver string
}

// WithHostFacts returns a copy of t with h in it; t is not changed.
func (t *Topology) WithHostFacts(h HostFacts) *Topology {
	c := *t
	if h.Versions.Consul != "" {
		c.Versions.Consul = h.Versions.Consul
	}
	if h.Versions.Nomad != "" {
		c.Versions.Nomad = h.Versions.Nomad
	}
	if h.LibvirtDriver != "" {
		c.Provider = c.Provider.WithConfig("driver", h.LibvirtDriver)
	}
	return &c
}
