package cluster

import (
	"io/fs"
	"net/netip"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/secrets"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// RenderOptions are the inputs of Render.
type RenderOptions struct {
	// OutDir overrides the render directory (default RenderDir).
	OutDir string
	Assets fs.FS
}

// RenderResult says what Render wrote.
type RenderResult struct {
	Dir   string
	Files generator.Files
}

// Render writes the Vagrantfile, the Ansible tree and any missing
// secrets for l's topology, which it does not change. Paths are made
// absolute in the render, because Ansible runs from the render
// directory, not from where the topology lives.
func Render(l *Loaded, opts RenderOptions) (*RenderResult, error) {
	t := l.Topology
	dir := opts.OutDir
	if dir == "" {
		dir = RenderDir(t)
	}
	// Claimed first: the render's checksum cache goes into dir too.
	if err := renderdir.Claim(dir, t.Cluster.Name); err != nil {
		return nil, err
	}
	resolved, err := t.Resolved()
	if err != nil {
		return nil, err
	}
	files, err := renderFiles(resolved, dir, l.Plugin, nil, opts.Assets)
	if err != nil {
		return nil, err
	}
	return writeRender(t, dir, files)
}

// renderFiles renders resolved (a topology with absolute paths) in
// memory, with what the render needs beside it: the plugin's answers or
// the built-in provider's Vagrantfile Ruby, the addresses the provider
// reported, and the checksums of the local binaries, which it reads
// here (cached in dir).
func renderFiles(resolved *topology.Topology, dir string, plugin providers.Answers, machines map[string]netip.Addr, assets fs.FS) (generator.Files, error) {
	sums, err := nodeimage.ReadChecksums(resolved, dir)
	if err != nil {
		return nil, err
	}
	ruby, err := providers.VagrantRuby(resolved, sums)
	if err != nil {
		return nil, err
	}
	return generator.Render(generator.Input{
		Topology:      resolved,
		Machines:      machines,
		PluginVagrant: plugin.Vagrant,
		Fragments:     plugin.Fragments,
		Checksums:     sums,
		Vagrant:       ruby,
	}, assets)
}

// writeRender writes files, rendered from t, to the render directory dir,
// with the secrets they refer to. dir must be t's render directory: a
// directory that is not is refused before anything is written.
func writeRender(t *topology.Topology, dir string, files generator.Files) (*RenderResult, error) {
	if err := renderdir.Claim(dir, t.Cluster.Name); err != nil {
		return nil, err
	}
	if err := secrets.Ensure(dir, t); err != nil {
		return nil, err
	}
	if err := renderdir.Write(dir, files); err != nil {
		return nil, err
	}
	return &RenderResult{Dir: dir, Files: files}, nil
}

// renderSession renders the session's topology in memory.
func renderSession(s *Session, assets fs.FS) (generator.Files, error) {
	return renderFiles(s.resolved, s.Dir, s.loaded.Plugin, s.addresses, assets)
}

// writeSession writes the render of the session's topology: files when
// given (the render a plan compared), else a new one.
func writeSession(s *Session, files generator.Files, assets fs.FS) (*RenderResult, error) {
	if files == nil {
		if err := renderdir.Claim(s.Dir, s.Topology.Cluster.Name); err != nil {
			return nil, err
		}
		var err error
		if files, err = renderSession(s, assets); err != nil {
			return nil, err
		}
	}
	return writeRender(s.Topology, s.Dir, files)
}
