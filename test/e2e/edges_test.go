//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestEdges runs the built binary as a new user would, with no machines:
// pointed at a folder of the user's own files with -o, the commands that
// would delete it (destroy) or replace its entries (render) refuse it
// with exit 1 and the reason, and leave every file as it was. A new
// folder is still fine. It needs no cluster and takes seconds.
func TestEdges(t *testing.T) {
	c := &cluster{t: t, dir: t.TempDir(), name: "edges"}
	if r := c.run("init", "--provider", "docker", "--name", "edges"); r.code != 0 {
		t.Fatalf("init: %s", r)
	}
	mydocs := filepath.Join(c.dir, "mydocs")
	for p, content := range map[string]string{
		"letter.txt":       "my own words\n",
		"photos/cat.jpg":   "not really a cat\n",
		"Vagrantfile":      "# my own Vagrant project\n",
		"ansible/site.yml": "# my own playbook\n",
	} {
		path := filepath.Join(mydocs, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := edgeHashes(t, mydocs)

	want := "mydocs is not a nomadbox render directory (no .nomadbox-render): nothing was written or deleted"
	for _, args := range [][]string{
		{"destroy", "--force", "-o", "mydocs"},
		{"render", "-o", "mydocs"},
	} {
		r := c.run(args...)
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("nomadbox %s: %s\nwant exit 1 and %q", strings.Join(args, " "), r, want)
		}
		if after := edgeHashes(t, mydocs); !reflect.DeepEqual(before, after) {
			t.Fatalf("nomadbox %s changed mydocs:\nbefore %v\nafter  %v", strings.Join(args, " "), before, after)
		}
	}

	// A folder that does not exist yet becomes a render directory.
	if r := c.run("render", "-o", "rendered"); r.code != 0 {
		t.Fatalf("render -o into a new folder: %s", r)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "rendered", ".nomadbox-render")); err != nil {
		t.Errorf("render wrote no marker: %v", err)
	}
}

// edgeHashes lists every entry under dir (testtools.Listing).
func edgeHashes(t *testing.T, dir string) map[string]string { return testtools.Listing(t, dir) }
