// Package generator turns a Topology into the files of a render
// directory: the Vagrantfile and the Ansible tree. It is pure: no I/O
// beyond the asset fs.FS it is given, no exec, and the same Input always
// gives the same bytes, which the golden tests hold it to.
package generator

import (
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"sort"
	"strings"

	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// Input is everything a render is made from. What was learned after the
// topology was parsed (the provider's answers, this machine's binaries)
// travels here beside it, never inside it, so a render depends on its
// Input only and not on which commands ran before.
type Input struct {
	// Topology is the parsed topology with its paths made absolute
	// (topology.Resolved): Ansible runs from the render directory.
	Topology *topology.Topology
	// Machines are the addresses a provider that chooses them reported,
	// by node name; they win over the ones derived from the CIDR.
	Machines map[string]netip.Addr
	// PluginVagrant: the provider is a plugin whose machines Vagrant
	// makes (its UsesVagrant capability); Fragments are the Ruby it gave
	// for each node's provider block (node name -> Ruby).
	PluginVagrant bool
	Fragments     map[string]string
	// Checksums are those of the local binaries (install.method =
	// "local"); empty when unknown.
	Checksums nodeimage.Checksums
	// Vagrant is a built-in provider's part of the Vagrantfile
	// (internal/providers.VagrantRuby), as Fragments are a plugin's.
	Vagrant builtin.VagrantRuby
}

// usesVagrant reports whether the render has a Vagrantfile: the machines
// are made by Vagrant.
func (in Input) usesVagrant() bool {
	if in.Topology.Provider.Plugin {
		return in.PluginVagrant
	}
	return in.Topology.Provider.UsesVagrant()
}

// Files maps a path relative to the render directory (slash-separated)
// to its content.
type Files map[string][]byte

// Paths returns the file paths in sorted order.
func (f Files) Paths() []string {
	out := make([]string, 0, len(f))
	for p := range f {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Render produces every file of the render directory for in. assets
// holds Vagrantfile.tmpl and the static ansible/ tree (site.yml and
// roles). in.Topology is not changed.
func Render(in Input, assets fs.FS) (Files, error) {
	t := in.Topology.WithAddresses(in.Machines)
	files := Files{}
	if in.usesVagrant() {
		vf, err := vagrantfile(t, in, assets)
		if err != nil {
			return nil, err
		}
		files["Vagrantfile"] = vf
	}
	if err := copyTree(files, assets, "ansible"); err != nil {
		return nil, err
	}
	generated, err := ansibleFiles(t, in)
	if err != nil {
		return nil, err
	}
	for p, b := range generated {
		if _, clash := files[p]; clash {
			return nil, fmt.Errorf("generated file %s would overwrite an asset of the same name", p)
		}
		files[p] = b
	}
	return files, nil
}

// IsGenerated reports whether the render directory path p (as in Files)
// is generated from the topology, rather than copied from the assets
// (the roles, modules and playbooks) unchanged.
func IsGenerated(p string) bool {
	switch {
	case p == "Vagrantfile", p == "ansible/ansible.cfg", p == "ansible/inventory.yml":
		return true
	case strings.HasPrefix(p, "ansible/group_vars/"), strings.HasPrefix(p, "ansible/host_vars/"), strings.HasPrefix(p, "ansible/config/"):
		return true
	}
	return false
}

// copyTree adds every file under dir in assets, unchanged.
func copyTree(files Files, assets fs.FS, dir string) error {
	return fs.WalkDir(assets, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading assets: %w", err)
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		files[path.Clean(p)] = b
		return nil
	})
}
