package topology

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// localTopology writes a topology with install method local and two
// binaries beside it, and parses it.
func localTopology(t *testing.T, versions string) *Topology {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	for _, b := range []string{"consul", "nomad", "other"} {
		os.WriteFile(filepath.Join(dir, "bin", b), []byte("\x7fELF"), 0o755)
	}
	src := `cluster "x" {}
provider "docker" {}
install {
  method        = "local"
  consul_binary = "bin/consul"
  nomad_binary  = "bin/nomad"
  docker        = "docker.io"
}
` + versions + `
server "nomad-server" {}
client "nomad-client" {}
`
	file := filepath.Join(dir, "topology.hcl")
	topo, diags := NewParser().Parse([]byte(src), file)
	if diags.HasErrors() {
		t.Fatalf("parse:%s", describe(diags))
	}
	return topo
}

// fakeProbe answers for the binaries by file name, as `version` would.
func fakeProbe(answers map[string][2]string) (BinaryProbe, *[]string) {
	var asked []string
	var mu sync.Mutex
	return func(path string) (string, string, error) {
		mu.Lock()
		asked = append(asked, filepath.Base(path))
		sort.Strings(asked)
		mu.Unlock()
		a, ok := answers[filepath.Base(path)]
		if !ok {
			return "", "", errors.New(path + " is not an ELF executable (a script or a text file?)")
		}
		return a[0], a[1], nil
	}, &asked
}

var oldReleases = map[string][2]string{"consul": {"consul", "1.13.9"}, "nomad": {"nomad", "1.6.1"}}

// checkLocal is CheckLocalBinaries' diagnostics.
func checkLocal(topo *Topology, probe BinaryProbe) hcl.Diagnostics {
	_, diags := topo.CheckLocalBinaries(probe)
	return diags
}

func onlyDiag(t *testing.T, diags hcl.Diagnostics, line int, summary string, details ...string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Summary != summary || diags[0].Subject == nil || diags[0].Subject.Start.Line != line {
		t.Fatalf("want one %q at line %d, got:%s", summary, line, describe(diags))
	}
	for _, d := range details {
		if !strings.Contains(diags[0].Detail, d) {
			t.Errorf("the message lacks %q:%s", d, describe(diags))
		}
	}
}

func TestVersionsContradictingTheBinaries(t *testing.T) {
	topo := localTopology(t, "versions {\n  consul = \"1.13.9\"\n  nomad  = \"2.0.5\"\n}")
	probe, _ := fakeProbe(oldReleases)
	_, diags := topo.CheckLocalBinaries(probe)
	onlyDiag(t, diags, 11, "Version contradicts the Nomad binary",
		"versions.nomad is 2.0.5 but nomad_binary "+topo.Path("bin/nomad")+" is Nomad 1.6.1",
		`set nomad = "1.6.1" or point nomad_binary at a 2.0.5 binary`)
	if diags[0].Subject.Start.Column != 12 {
		t.Errorf("the error should point at the value of versions.nomad:%s", describe(diags))
	}
}

func TestVersionsComeFromTheBinaries(t *testing.T) {
	topo := localTopology(t, "")
	probe, asked := fakeProbe(oldReleases)
	learned, diags := topo.CheckLocalBinaries(probe)
	if len(diags) != 0 {
		t.Fatalf("unexpected:%s", describe(diags))
	}
	if got := topo.WithHostFacts(HostFacts{Versions: learned}).Versions; got.Consul != "1.13.9" || got.Nomad != "1.6.1" {
		t.Errorf("versions = %s/%s; want the binaries' 1.13.9/1.6.1", got.Consul, got.Nomad)
	}
	// The check learns the versions; the topology it checked keeps its own.
	if topo.Versions.Consul != DefaultConsulVersion || topo.Versions.Nomad != DefaultNomadVersion {
		t.Errorf("the check wrote versions %s/%s into the topology", topo.Versions.Consul, topo.Versions.Nomad)
	}
	if strings.Join(*asked, ",") != "consul,nomad" {
		t.Errorf("asked %v", *asked)
	}
	// Matching versions, build metadata aside, pass.
	topo = localTopology(t, "versions {\n  consul = \"1.13.9+ent\"\n  nomad  = \"1.6.1\"\n}")
	if _, diags := topo.CheckLocalBinaries(probe); len(diags) != 0 {
		t.Fatalf("unexpected:%s", describe(diags))
	}
}

func TestLocalBinaryMustBeTheRightProgram(t *testing.T) {
	topo := localTopology(t, "")
	topo.Install.ConsulBinary = "bin/other"
	probe, _ := fakeProbe(map[string][2]string{"other": {"nomad", "1.6.1"}, "nomad": {"nomad", "1.6.1"}})
	onlyDiag(t, checkLocal(topo, probe), 5, "Wrong binary", "is Nomad 1.6.1, not Consul")

	topo.Install.ConsulBinary = "bin/consul"
	probe, _ = fakeProbe(map[string][2]string{"consul": {"consul", "1.13.9"}})
	onlyDiag(t, checkLocal(topo, probe), 6, "Unusable Nomad binary", "not an ELF executable", "copied to every node")
}

// A binary's release outside the supported range is reported at the
// binary when no versions block pins one.
func TestLocalBinaryOutsideTheRange(t *testing.T) {
	topo := localTopology(t, "")
	probe, _ := fakeProbe(map[string][2]string{"consul": {"consul", "1.8.0"}, "nomad": {"nomad", "1.6.1"}})
	onlyDiag(t, checkLocal(topo, probe), 5, "Unsupported Consul version", "consul_binary", "Consul 1.8.0", "1.9.0")
}

// Missing files are CheckHost's to report, and only method "local"
// runs anything.
func TestLocalBinariesProbedOnlyWhenUsed(t *testing.T) {
	topo := localTopology(t, "")
	topo.Install.NomadBinary = "bin/missing"
	probe, asked := fakeProbe(oldReleases)
	if diags := checkLocal(topo, probe); len(diags) != 0 || strings.Join(*asked, ",") != "consul" {
		t.Errorf("got%s after asking %v", describe(diags), *asked)
	}
	topo.Install.Method = "releases"
	*asked = nil
	if diags := checkLocal(topo, probe); len(diags) != 0 || len(*asked) != 0 {
		t.Errorf("method releases ran %v:%s", *asked, describe(diags))
	}
}
