package generator

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/nomadbox/nomadbox/internal/nodecontainer"
	"github.com/nomadbox/nomadbox/internal/providers/builtin"
	"github.com/nomadbox/nomadbox/internal/ruby"
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

type vagrantData struct {
	Source, Cluster, Provider string
	Box, BoxVersion           string
	Netmask                   string
	Nodes                     []vagrantNode
	// Plugin: the provider is a plugin whose machines Vagrant makes.
	Plugin bool
	// Ruby is a built-in provider's own part.
	Ruby builtin.VagrantRuby
}

// vagrantfile renders the Vagrantfile of t, the topology of in with the
// reported addresses: what every provider shares, with the built-in
// provider's Ruby (in.Vagrant) or the plugin's (in.Fragments) in place.
func vagrantfile(t *topology.Topology, in Input, assets fs.FS) ([]byte, error) {
	src, err := fs.ReadFile(assets, "Vagrantfile.tmpl")
	if err != nil {
		return nil, fmt.Errorf("reading Vagrantfile template: %w", err)
	}
	tmpl, err := ruby.Template("Vagrantfile", string(src), template.FuncMap{"indent": indent})
	if err != nil {
		return nil, fmt.Errorf("parsing Vagrantfile template: %w", err)
	}
	p := t.Provider
	data := vagrantData{
		Source:   filepath.Base(t.Filename),
		Cluster:  t.Cluster.Name,
		Provider: p.Name,
		Netmask:  net.IP(net.CIDRMask(t.Network.Prefix.Bits(), 32)).String(),
		Box:      in.Vagrant.Box, BoxVersion: in.Vagrant.BoxVersion,
		Ruby: in.Vagrant,
	}
	if p.Plugin {
		// A plugin whose Vagrant provider needs a box declares a "box"
		// attribute, as the built-ins do.
		data.Plugin = true
		data.Box, _ = p.Config["box"].(string)
		data.BoxVersion, _ = p.Config["box_version"].(string)
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
