package renderdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Marker is the file that makes a directory a render directory: nomadbox
// writes it when it first creates or renders into the directory, and
// deletes or replaces nothing in a directory without it.
const Marker = ".nomadbox-render"

// markerFormat is the version of the marker's content.
const markerFormat = 1

// marker is the marker's content.
type marker struct {
	Format  int    `json:"format"`
	Cluster string `json:"cluster"`
	// Note tells a reader what the file is for.
	Note string `json:"note,omitempty"`
}

const markerNote = "nomadbox's render directory of this cluster: nomadbox writes and deletes only here, and destroy keeps files nomadbox did not write"

// NotOursError says why nomadbox refuses a directory: it is not the
// render directory of the cluster it works on.
type NotOursError struct {
	Dir    string
	Reason string
}

func (e *NotOursError) Error() string {
	return fmt.Sprintf("%s %s: nothing was written or deleted. Point -o at a new or empty directory, or at the cluster's own render directory.", e.Dir, e.Reason)
}

// Claim makes dir the render directory of cluster, or refuses it. dir is
// accepted when it does not exist (it is created), is empty, carries the
// marker of cluster, or is a render directory an earlier nomadbox made
// for cluster (see legacyCluster); the marker is then written. Anything
// else is refused with a *NotOursError and left untouched.
func Claim(dir, cluster string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return writeMarker(dir, cluster)
	case err != nil:
		return err
	case !st.IsDir():
		return &NotOursError{dir, "is not a directory"}
	}
	marked, err := check(dir, cluster)
	if err != nil || marked {
		return err
	}
	return writeMarker(dir, cluster)
}

// Check refuses dir as Claim would, and writes nothing: for a dry run,
// which must leave no trace. A missing dir is fine.
func Check(dir, cluster string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !st.IsDir():
		return &NotOursError{dir, "is not a directory"}
	}
	_, err = check(dir, cluster)
	return err
}

// check accepts the existing directory dir as cluster's render
// directory: by its marker (marked), or empty, or by the legacy rule.
func check(dir, cluster string) (marked bool, err error) {
	m, err := readMarker(dir)
	switch {
	case err != nil:
		return false, err
	case m != nil && m.Cluster == cluster:
		return true, nil
	case m != nil:
		return false, &NotOursError{dir, fmt.Sprintf("is the render directory of cluster %q, not of %q (%s)", m.Cluster, cluster, Marker)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return false, err
	}
	name, ok := legacyCluster(dir)
	if !ok {
		return false, &NotOursError{dir, fmt.Sprintf("is not a nomadbox render directory (no %s)", Marker)}
	}
	if name != cluster {
		return false, &NotOursError{dir, fmt.Sprintf("is the render directory of cluster %q, not of %q (%s)", name, cluster, legacyVars)}
	}
	return false, nil
}

// readMarker reads dir's marker; nil when there is none.
func readMarker(dir string) (*marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, Marker))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := &marker{}
	if err := json.Unmarshal(b, m); err != nil || m.Cluster == "" {
		return nil, &NotOursError{dir, fmt.Sprintf("has a %s that nomadbox cannot read (remove it only if the directory is really the cluster's render directory)", Marker)}
	}
	return m, nil
}

func writeMarker(dir, cluster string) error {
	b, _ := json.MarshalIndent(marker{Format: markerFormat, Cluster: cluster, Note: markerNote}, "", "  ")
	tmp := filepath.Join(dir, Marker+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, Marker))
}

// legacyVars is the generated file that names the cluster in every
// render, since nomadbox's first release.
const legacyVars = "ansible/group_vars/all.yml"

// legacyCluster recognises a render directory made before the marker
// existed, and returns the cluster it was rendered for. The rule: it has
// ansible/site.yml and ansible/group_vars/all.yml, and all.yml (which
// nomadbox generates, never a user) parses as YAML with a
// nomadbox_cluster name. A Vagrantfile alone proves nothing (a user's
// own Vagrant project has one), and neither does the applied state (a
// render that was never brought up has none); the cluster name in
// all.yml is nomadbox's own and says which cluster the directory is for.
func legacyCluster(dir string) (string, bool) {
	if st, err := os.Stat(filepath.Join(dir, "ansible", "site.yml")); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(legacyVars)))
	if err != nil {
		return "", false
	}
	var vars struct {
		Cluster string `yaml:"nomadbox_cluster"`
	}
	if err := yaml.Unmarshal(b, &vars); err != nil || vars.Cluster == "" {
		return "", false
	}
	return vars.Cluster, true
}

// owned are the top-level entries nomadbox writes in a render directory
// (glob patterns), and so the only ones Remove deletes. A writer that puts
// a new entry there adds it here, or destroy leaves it behind.
var owned = []string{
	"Vagrantfile", "ansible", // the render (Write)
	"Vagrantfile.old", "ansible.old", ".render-*", // a render stopped mid-swap
	"secrets",                                                                                                   // internal/secrets
	".vagrant",                                                                                                  // Vagrant's machine state
	"nomadbox.log",                                                                                              // cluster.LogFile
	"applied.json", "applied.json.tmp", "applied-topology.hcl", "applied-topology.hcl.tmp", "provision-pending", // internal/state
	".binary-checksums.json", ".binary-checksums.json.tmp", // internal/nodeimage
	"last-plan.txt", "last-verify.json", // cluster diagnostics
	"ssh_known_hosts", // internal/hostkeys
	".load-*",         // images copied into the nodes
	Marker + ".tmp",
}

// Owned reports whether name, an entry at the top of a render directory,
// is one nomadbox writes there.
func Owned(name string) bool {
	for _, p := range owned {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return name == Marker
}

// Remove deletes what nomadbox wrote in cluster's render directory dir
// (the entries Owned names, the marker last) and then dir itself if
// nothing else is left. Anything else, a user's file dropped there, stays
// and is returned. A directory without cluster's marker is refused whole.
func Remove(dir, cluster string) (kept []string, err error) {
	m, err := readMarker(dir)
	switch {
	case err != nil:
		return nil, err
	case m == nil:
		return nil, &NotOursError{dir, fmt.Sprintf("is not a nomadbox render directory (no %s)", Marker)}
	case m.Cluster != cluster:
		return nil, &NotOursError{dir, fmt.Sprintf("is the render directory of cluster %q, not of %q (%s)", m.Cluster, cluster, Marker)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		switch {
		case e.Name() == Marker:
		case Owned(e.Name()):
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return nil, err
			}
		default:
			kept = append(kept, e.Name())
		}
	}
	// The marker goes last: a removal that failed before leaves a
	// directory that a second destroy still recognises.
	if err := os.Remove(filepath.Join(dir, Marker)); err != nil {
		return nil, err
	}
	if len(kept) > 0 {
		return kept, nil
	}
	return nil, os.Remove(dir)
}
