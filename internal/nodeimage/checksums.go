package nodeimage

import (
	"fmt"
	"path/filepath"

	"github.com/nomadbox/nomadbox/internal/filesum"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// hostChecksumCache keeps the checksums of the local binaries between runs,
// in the render directory.
const hostChecksumCache = ".binary-checksums.json"

// Checksums are the SHA-256s of the binaries that install.method =
// "local" copies, so the roles copy nothing a node already holds (a node
// image can carry them). They are learned from this machine, not written
// in topology.hcl; empty means unknown.
type Checksums struct {
	Consul, Nomad string
}

// ReadChecksums computes the Checksums of t's local binaries (none for
// another install method). t's paths must be resolved
// (topology.Resolved); dir is the render directory, which keeps a cache.
func ReadChecksums(t *topology.Topology, dir string) (Checksums, error) {
	var sums Checksums
	if t.Install.Method != "local" {
		return sums, nil
	}
	c := filesum.Open(filepath.Join(dir, hostChecksumCache))
	var err error
	if sums.Consul, err = c.SHA256(t.Install.ConsulBinary); err != nil {
		return Checksums{}, fmt.Errorf("install.consul_binary: %w", err)
	}
	if sums.Nomad, err = c.SHA256(t.Install.NomadBinary); err != nil {
		return Checksums{}, fmt.Errorf("install.nomad_binary: %w", err)
	}
	return sums, c.Save()
}
