//go:build toolcheck

package nomadbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/binversion"
	"github.com/nomadbox/nomadbox/internal/cluster"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

// TestRealToolsBinaryVersions asks the real Consul and Nomad binaries
// ($CONSUL_BIN, $NOMAD_BIN) for their versions, and loads topologies
// with install method local that name them: the versions come from the
// binaries, a versions block that contradicts them is refused naming
// both, and a binary of the other program is refused.
func TestRealToolsBinaryVersions(t *testing.T) {
	consul, nomad := testtools.Consul(t), testtools.Nomad(t)
	for path, want := range map[string]binversion.Info{
		consul: {Program: "consul", Version: testtools.ConsulVersion},
		nomad:  {Program: "nomad", Version: testtools.NomadVersion},
	} {
		// A prober without the cache file runs the binary for real.
		fresh := &binversion.Prober{Run: binversion.RunVersion}
		if got, err := fresh.Probe(path); err != nil || got != want {
			t.Errorf("Probe(%s) = %+v, %v; want %+v", path, got, err, want)
		}
	}

	load := func(consulBin, nomadBin, versions string) (*cluster.Loaded, string) {
		dir := t.TempDir()
		src := `cluster "real" {}
provider "docker" {}
install {
  method        = "local"
  consul_binary = "` + consulBin + `"
  nomad_binary  = "` + nomadBin + `"
  docker        = "docker.io"
}
` + versions + `
server "nomad-server" {}
client "nomad-client" {}
`
		file := filepath.Join(dir, "topology.hcl")
		os.WriteFile(file, []byte(src), 0o644)
		l, err := cluster.Load(context.Background(), file)
		var d *cluster.Diagnostics
		if errors.As(err, &d) {
			var b strings.Builder
			d.Write(&b, false)
			return nil, b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return l, ""
	}

	l, msg := load(consul, nomad, "")
	if l == nil {
		t.Fatalf("a topology without versions: %s", msg)
	}
	if v := l.Topology.Versions; v.Consul != testtools.ConsulVersion || v.Nomad != testtools.NomadVersion {
		t.Errorf("versions %s/%s; want the binaries' %s/%s", v.Consul, v.Nomad, testtools.ConsulVersion, testtools.NomadVersion)
	}

	_, msg = load(consul, nomad, "versions {\n  consul = \""+testtools.ConsulVersion+"\"\n  nomad  = \"2.0.5\"\n}")
	want := "versions.nomad is 2.0.5 but nomad_binary " + nomad + " is Nomad " + testtools.NomadVersion
	if !strings.Contains(strings.Join(strings.Fields(msg), " "), want) {
		t.Errorf("a contradicting versions block: want %q in:\n%s", want, msg)
	}

	_, msg = load(nomad, nomad, "")
	msg = strings.Join(strings.Fields(msg), " ")
	if !strings.Contains(msg, "Wrong binary") || !strings.Contains(msg, "is Nomad "+testtools.NomadVersion+", not Consul") {
		t.Errorf("consul_binary pointing at Nomad:\n%s", msg)
	}
}
