package nodeimage

import (
	"fmt"
	"path/filepath"

	"github.com/nomadbox/nomadbox/internal/filesum"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// checksumCache keeps the checksums of the local binaries between runs,
// in the render directory.
const checksumCache = ".binary-checksums.json"

// Checksums fills in the checksums of the binaries that install.method
// = "local" copies, so the roles copy nothing a node already holds (a
// node image can carry them). dir is the render directory.
func Checksums(t *topology.Topology, dir string) error {
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
