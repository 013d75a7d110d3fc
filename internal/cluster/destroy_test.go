package cluster

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/renderdir"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// hostsTopology is a cluster on existing hosts (the ssh provider) that
// was never applied: destroy then uninstalls nothing and reaches no
// host, so a session runs with nothing to contact.
func hostsTopology(t *testing.T) *topology.Topology {
	t.Helper()
	topo, diags := providers.NewParser().Parse([]byte(`
cluster "metal" {}
provider "ssh" {
  port  = 1
  hosts = { "nomad-server1" = "10.9.0.11", "nomad-client1" = "10.9.0.101" }
}
network { cidr = "10.9.0.0/24" }
server "nomad-server" {}
client "nomad-client" {}
`), filepath.Join(t.TempDir(), "topology.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return topo
}

// userFolder is a folder of the user's own files, with entries named
// like those nomadbox renders; it returns every path with its content.
func userFolder(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mydocs")
	files := map[string]string{"notes.txt": "mine", "ansible/site.yml": "my playbook", "Vagrantfile": "my vagrant project"}
	for p, c := range files {
		path := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

// contents is every file under dir with its content.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

// names are the paths of contents' files.
func names(files map[string]string) []string {
	out := make([]string, 0, len(files))
	for p := range files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// A folder that is not the cluster's render directory is refused by
// every command, before anything is written: render (which would
// replace its ansible/ and Vagrantfile) and every session, destroy's
// included (which would remove it).
func TestForeignDirectoryIsRefused(t *testing.T) {
	topo := hostsTopology(t)
	dir, files := userFolder(t)
	_, err := Render(&Loaded{Topology: topo}, RenderOptions{OutDir: dir, Assets: nomadbox.Assets()})
	var notOurs *renderdir.NotOursError
	if !errors.As(err, &notOurs) {
		t.Errorf("Render into a user's folder: %v", err)
	}
	if _, err := Open(context.Background(), &Loaded{Topology: topo}, SessionOptions{OutDir: dir, Command: "destroy"}); !errors.As(err, &notOurs) {
		t.Errorf("Open on a user's folder: %v", err)
	}
	if got := contents(t, dir); !reflect.DeepEqual(got, files) {
		t.Errorf("the user's folder changed: it holds %v", names(got))
	}
}

// Destroy removes what nomadbox wrote in the render directory (the
// render, secrets, applied state, log, marker) and keeps a file the user
// dropped there, with the directory.
func TestDestroyKeepsTheUsersFiles(t *testing.T) {
	topo := hostsTopology(t)
	dir := filepath.Join(t.TempDir(), "render")
	res, err := Render(&Loaded{Topology: topo}, RenderOptions{OutDir: dir, Assets: nomadbox.Assets()})
	if err != nil {
		t.Fatal(err)
	}
	if err := state.Begin(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	s, err := Open(context.Background(), &Loaded{Topology: topo}, SessionOptions{OutDir: dir, Command: "destroy"})
	if err != nil {
		t.Fatal(err)
	}
	// Not applied: Destroy has nothing to uninstall and reaches no host.
	if err := Destroy(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dir); !reflect.DeepEqual(got, map[string]string{"notes.txt": "mine"}) {
		t.Errorf("after destroy %s holds %v, want the user's notes.txt alone", dir, names(got))
	}
	if len(res.Files) == 0 {
		t.Error("nothing was rendered")
	}

	// Without the user's file, the directory goes too.
	os.Remove(filepath.Join(dir, "notes.txt"))
	if _, err := Render(&Loaded{Topology: topo}, RenderOptions{OutDir: dir, Assets: nomadbox.Assets()}); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(context.Background(), &Loaded{Topology: topo}, SessionOptions{OutDir: dir, Command: "destroy"}); err != nil {
		t.Fatal(err)
	}
	if err := Destroy(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("destroy left %s: %v", dir, err)
	}
}

// Render into a render directory of another cluster is refused; into a
// missing one it creates the directory with the marker.
func TestRenderClaimsItsDirectory(t *testing.T) {
	topo := hostsTopology(t)
	dir := filepath.Join(t.TempDir(), "render")
	if _, err := Render(&Loaded{Topology: topo}, RenderOptions{OutDir: dir, Assets: nomadbox.Assets()}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, renderdir.Marker)); err != nil {
		t.Fatalf("render wrote no marker: %v", err)
	}
	before := contents(t, dir)
	other := hostsTopology(t)
	other.Cluster.Name = "other"
	_, err := Render(&Loaded{Topology: other}, RenderOptions{OutDir: dir, Assets: nomadbox.Assets()})
	if err == nil || !strings.Contains(err.Error(), `is the render directory of cluster "metal", not of "other"`) {
		t.Errorf("render of another cluster: %v", err)
	}
	if got := contents(t, dir); !reflect.DeepEqual(got, before) {
		t.Error("the refused render changed the directory")
	}
}
