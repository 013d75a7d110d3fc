package cluster

import (
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/filesum"
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
	if err := t.ResolvePaths(); err != nil {
		return nil, err
	}
	if err := binaryChecksums(t, dir); err != nil {
		return nil, err
	}
	files, err := generator.Render(t, opts.Assets)
	if err != nil {
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

// checksumCache keeps the checksums of the local binaries between runs.
const checksumCache = ".binary-checksums.json"

// binaryChecksums fills in the checksums of the binaries that
// install.method = "local" copies, so the roles copy nothing a node
// already holds (a node image can carry them).
func binaryChecksums(t *topology.Topology, dir string) error {
	if t.Install.Method != "local" {
		return nil
	}
	c := filesum.Open(filepath.Join(dir, checksumCache))
	var err error
	if t.Install.ConsulSHA256, err = c.SHA256(t.Install.ConsulBinary); err != nil {
		return fmt.Errorf("install.consul_binary: %w", err)
	}
	if t.Install.NomadSHA256, err = c.SHA256(t.Install.NomadBinary); err != nil {
		return fmt.Errorf("install.nomad_binary: %w", err)
	}
	return c.Save()
}
