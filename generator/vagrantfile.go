package generator

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/nomadbox/nomadbox/internal/box"
	"github.com/nomadbox/nomadbox/internal/nodecontainer"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/docker"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/topology"
)

type vagrantNode struct {
	Name, IP, Role string
	// Fragment is a plugin provider's Ruby for this machine's provider
	// block.
	Fragment     string
	Memory, CPUs int
	// TaskRunner and Isolation say what a docker-provider node is
	// granted: what Nomad's task runner needs on every client, and what
	// the drivers that isolate tasks (exec, java, docker) need beyond it.
	TaskRunner, Isolation bool
}

type containerLists struct {
	Systemd, CgroupReadOnly, TaskRunner, Isolation []string
}

type vagrantData struct {
	Source, Cluster, Provider string
	Box, BoxVersion           string
	GUI, LinkedClone          bool
	Driver, StoragePool       string
	Switch                    string
	Image                     string
	Netmask                   string
	// Container is the docker provider's `docker run` option lists.
	Container containerLists
	Nodes     []vagrantNode
	// Plugin: the provider is a plugin whose machines Vagrant makes.
	Plugin bool
}

// vagrantfile renders the Vagrantfile of t, the topology of in with the
// reported addresses.
func vagrantfile(t *topology.Topology, in Input, assets fs.FS) ([]byte, error) {
	src, err := fs.ReadFile(assets, "Vagrantfile.tmpl")
	if err != nil {
		return nil, fmt.Errorf("reading Vagrantfile template: %w", err)
	}
	tmpl, err := template.New("Vagrantfile").
		Delims("[[", "]]").
		Option("missingkey=error").
		Funcs(template.FuncMap{"rb": rubyString, "rbList": rubyList, "indent": indent}).
		Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parsing Vagrantfile template: %w", err)
	}
	p := t.Provider
	vb, lv, hv := vagrant.VirtualBoxOf(p.Config), libvirt.ConfigOf(p.Config), vagrant.HyperVOf(p.Config)
	data := vagrantData{
		Source:      filepath.Base(t.Filename),
		Cluster:     t.Cluster.Name,
		Provider:    p.Name,
		GUI:         vb.GUI,
		LinkedClone: vb.LinkedClone,
		Driver:      lv.Driver,
		StoragePool: lv.StoragePool,
		Switch:      hv.Switch,
		Image:       dockerImage(t, in.Checksums),
		Netmask:     net.IP(net.CIDRMask(t.Network.Prefix.Bits(), 32)).String(),
		Container: containerLists{
			Systemd: nodecontainer.Systemd, CgroupReadOnly: nodecontainer.CgroupReadOnly,
			TaskRunner: nodecontainer.TaskRunner, Isolation: nodecontainer.Isolation,
		},
	}
	switch {
	case p.Plugin:
		// A plugin whose Vagrant provider needs a box declares a "box"
		// attribute, as the built-ins do.
		data.Plugin = true
		data.Box, _ = p.Config["box"].(string)
		data.BoxVersion, _ = p.Config["box_version"].(string)
	case p.Name != "docker":
		data.Box, data.BoxVersion = lv.Box, lv.BoxVersion
		if p.Name == "libvirt" && lv.Box == topology.DefaultLibvirtBox && lv.BoxVersion == "" {
			// The version this nomadbox builds, not whichever is newest.
			data.BoxVersion = box.LibvirtVersion()
		}
	default:
		// The docker provider builds `docker network create --subnet`
		// from ip/netmask, which wants a prefix length.
		data.Netmask = fmt.Sprint(t.Network.Prefix.Bits())
	}
	for _, n := range t.Nodes() {
		data.Nodes = append(data.Nodes, vagrantNode{
			Name:       n.Name,
			IP:         n.Address.String(),
			Role:       string(n.Role),
			Memory:     n.Group.Memory,
			CPUs:       n.Group.CPUs,
			TaskRunner: nodecontainer.RunsTasks(n),
			Isolation:  nodecontainer.Isolates(n),
			Fragment:   in.Fragments[n.Name],
		})
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering Vagrantfile: %w", err)
	}
	return buf.Bytes(), nil
}

// dockerImage is the docker provider's node image: one that already
// holds the cluster's binaries when nomadbox copies them from this machine.
func dockerImage(t *topology.Topology, sums nodeimage.Checksums) string {
	image, _ := nodeimage.For(t, docker.ConfigOf(t.Provider.Config).Image, sums)
	return image
}

// rubyList is strs as a Ruby array of string literals.
func rubyList(strs []string) string {
	quoted := make([]string, len(strs))
	for i, s := range strs {
		quoted[i] = rubyString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// indent puts prefix before every non-empty line of s.
func indent(prefix, s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// rubyString quotes s as a Ruby double-quoted string literal. Besides
// quotes and backslashes, "#" is escaped so "#{...}" in a value can never
// become Ruby code.
func rubyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
