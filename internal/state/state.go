// Package state keeps what the last successful provision applied to a
// cluster, under its render directory: the topology it was applied from
// (its source, decoded again on load), every file nomadbox generated for
// that render (inventory, variables, agent configurations, Vagrantfile)
// and a digest of the Ansible roles. The change plan compares an edited
// topology with it, so a `render`, a `provision` that failed or a dry run
// in between changes nothing the plan sees.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/providers/libvirt"
	"github.com/nomadbox/nomadbox/internal/topology"
)

const (
	// File holds the applied state, written when a provision succeeds.
	File = "applied.json"
	// topologyFile is the applied topology's source, kept readable next
	// to it; clusters made before File existed have only this.
	topologyFile = "applied-topology.hcl"
	// pendingFile exists while a provision runs and after one failed:
	// the nodes may then carry part of a newer render than File says.
	pendingFile = "provision-pending"
)

// Applied is what the nodes carry.
type Applied struct {
	// Topology is the applied topology, nil when it was never recorded.
	Topology *topology.Topology `json:"-"`
	// Generated are the generated files of the applied render; nil for a
	// cluster whose state predates them.
	Generated generator.Files `json:"generated"`
	// Roles is the digest of the copied assets (roles, modules,
	// playbooks) of the applied render.
	Roles string `json:"roles"`
	// Versions are the releases the applied render installed. The
	// topology's source alone cannot say: with install method "local"
	// and no versions block they came from the binaries, which may have
	// been replaced since. Nil for a state that predates it.
	Versions *Versions `json:"versions,omitempty"`
	// Driver is the libvirt driver the machines were made under. Without
	// a driver attribute the source cannot say either: a probe of this
	// host chose it.
	Driver string `json:"driver,omitempty"`
	// Pending: a provision started after this state was saved and did
	// not finish.
	Pending bool `json:"-"`
}

// Versions are the Consul and Nomad releases of an applied render.
type Versions struct {
	Consul string `json:"consul"`
	Nomad  string `json:"nomad"`
}

// Snapshot is the state a successful provision of files (a full render
// of t) leaves.
func Snapshot(t *topology.Topology, files generator.Files) *Applied {
	gen := generator.Files{}
	for p, b := range files {
		if generator.IsGenerated(p) {
			gen[p] = b
		}
	}
	return &Applied{Topology: t, Generated: gen, Roles: RolesDigest(files),
		Versions: &Versions{Consul: t.Versions.Consul, Nomad: t.Versions.Nomad}, Driver: libvirt.ConfigOf(t.Provider.Config).Driver}
}

// RolesDigest is a hash over the paths and contents of files' copied
// assets (what generator.IsGenerated does not name).
func RolesDigest(files generator.Files) string {
	h := sha256.New()
	for _, p := range files.Paths() {
		if generator.IsGenerated(p) {
			continue
		}
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(files[p])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Load reads the applied state of the render directory dir; it returns
// nil when nothing was ever applied there.
func Load(dir string) (*Applied, error) {
	a := &Applied{}
	src, err := os.ReadFile(filepath.Join(dir, topologyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	}
	t, diags := providers.NewParser().Parse(src, filepath.Join(dir, topologyFile))
	if diags.HasErrors() {
		return nil, fmt.Errorf("the applied topology %s: %s", filepath.Join(dir, topologyFile), diags.Error())
	}
	a.Topology = t
	b, err := os.ReadFile(filepath.Join(dir, File))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, a); err != nil {
			return nil, fmt.Errorf("reading the applied state %s: %w (remove the file, and the next up provisions every node again)", filepath.Join(dir, File), err)
		}
	}
	if a.Versions != nil {
		t.Versions.Consul, t.Versions.Nomad = a.Versions.Consul, a.Versions.Nomad
	}
	if a.Driver != "" {
		t.Provider = t.Provider.WithConfig("driver", a.Driver)
	}
	_, err = os.Stat(filepath.Join(dir, pendingFile))
	a.Pending = err == nil
	return a, nil
}

// Save records a as applied from the topology source src, and clears a
// pending provision. Each file is replaced atomically.
func (a *Applied) Save(dir string, src []byte) error {
	b, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, File), b); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, topologyFile), src); err != nil {
		return err
	}
	return Settled(dir)
}

// Begin marks a provision as started: until Save, the nodes may carry
// more than the applied state says.
func Begin(dir string) error {
	return os.WriteFile(filepath.Join(dir, pendingFile), []byte("a provision started and has not finished\n"), 0o644)
}

// Settled clears the mark Begin left.
func Settled(dir string) error {
	if err := os.Remove(filepath.Join(dir, pendingFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
