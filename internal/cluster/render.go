package cluster

import (
	"io/fs"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
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
// secrets for t. Paths in t are made absolute first, because Ansible
// runs from the render directory, not from where the topology lives.
func Render(t *topology.Topology, opts RenderOptions) (*RenderResult, error) {
	dir := opts.OutDir
	if dir == "" {
		dir = RenderDir(t)
	}
	// Claimed first: the render's checksum cache goes into dir too.
	if err := renderdir.Claim(dir, t.Cluster.Name); err != nil {
		return nil, err
	}
	files, err := renderFiles(t, dir, opts.Assets)
	if err != nil {
		return nil, err
	}
	return writeRender(t, dir, files)
}

// renderFiles renders t in memory, with what the render needs from the
// machine (resolved paths, the checksums of local binaries).
func renderFiles(t *topology.Topology, dir string, assets fs.FS) (generator.Files, error) {
	if err := t.ResolvePaths(); err != nil {
		return nil, err
	}
	if err := nodeimage.Checksums(t, dir); err != nil {
		return nil, err
	}
	return generator.Render(t, assets)
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
