package generator_test

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nomadbox/nomadbox"
	"github.com/nomadbox/nomadbox/generator"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/providers/docker"
	"github.com/nomadbox/nomadbox/internal/scaffold"
	"github.com/nomadbox/nomadbox/internal/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// goldenCases are the topologies whose renders are pinned: the default
// topology (what `nomadbox init` writes) on every built-in provider, and
// the hand-written topologies in testdata/*.hcl.
func goldenCases(t *testing.T) map[string][]byte {
	t.Helper()
	cases := map[string][]byte{}
	for _, p := range topology.BuiltinProviders() {
		src, err := scaffold.Topology(scaffold.Options{Cluster: "playground", Provider: p, Servers: 1, Clients: 2})
		if err != nil {
			t.Fatal(err)
		}
		cases["default-"+p] = src
	}
	files, _ := filepath.Glob("testdata/*.hcl")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[strings.TrimSuffix(filepath.Base(f), ".hcl")] = src
	}
	return cases
}

func parse(t *testing.T, name string, src []byte) *topology.Topology {
	t.Helper()
	p := providers.NewParser()
	topo, diags := p.Parse(src, name+".hcl")
	if diags.HasErrors() {
		var buf bytes.Buffer
		p.WriteDiagnostics(&buf, diags, false)
		t.Fatalf("topology does not parse:\n%s", buf.String())
	}
	return topo
}

// input is what a command renders topo from, sums the local binaries'
// checksums: with its built-in provider's Vagrantfile Ruby.
func input(t *testing.T, topo *topology.Topology, sums nodeimage.Checksums) generator.Input {
	t.Helper()
	ruby, err := providers.VagrantRuby(topo, sums)
	if err != nil {
		t.Fatal(err)
	}
	return generator.Input{Topology: topo, Checksums: sums, Vagrant: ruby}
}

// isGenerated tells generated files (golden-tested) from copied assets
// (tested by TestAssetsCopiedVerbatim); uninstall.yml is an asset kept
// among the goldens.
func isGenerated(p string) bool {
	return generator.IsGenerated(p) || p == "ansible/uninstall.yml"
}

func TestGolden(t *testing.T) {
	for name, src := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			files, err := generator.Render(input(t, parse(t, name, src), nodeimage.Checksums{}), nomadbox.Assets())
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", name)
			if *update {
				os.RemoveAll(dir)
			}
			want := map[string]bool{}
			for _, p := range files.Paths() {
				if !isGenerated(p) {
					continue
				}
				golden := filepath.Join(dir, filepath.FromSlash(p)+".golden")
				want[golden] = true
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, files[p], 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				exp, err := os.ReadFile(golden)
				if err != nil {
					t.Errorf("%s: no golden file (run go test ./generator -update): %v", p, err)
					continue
				}
				if !bytes.Equal(exp, files[p]) {
					t.Errorf("%s differs from %s (run go test ./generator -update and review the diff):\n%s", p, golden, firstDiff(exp, files[p]))
				}
			}
			// A golden file with no rendered counterpart means a file
			// stopped being generated.
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !want[p] {
					t.Errorf("%s is no longer rendered; run go test ./generator -update", p)
				}
				return nil
			})
		})
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return ""
}

func TestDeterministic(t *testing.T) {
	for name, src := range goldenCases(t) {
		a, err := generator.Render(input(t, parse(t, name, src), nodeimage.Checksums{}), nomadbox.Assets())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := generator.Render(input(t, parse(t, name, src), nodeimage.Checksums{}), nomadbox.Assets())
		for p := range a {
			if !bytes.Equal(a[p], b[p]) {
				t.Errorf("%s/%s differs between two renders of the same topology", name, p)
			}
		}
	}
}

// TestAssetsCopiedVerbatim checks that site.yml and the roles reach the
// render directory byte for byte, and that the generator reads only the
// fs.FS it is given (a substitute tree shows up in the output).
func TestAssetsCopiedVerbatim(t *testing.T) {
	tmpl, err := fs.ReadFile(nomadbox.Assets(), "Vagrantfile.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	assets := fstest.MapFS{
		"Vagrantfile.tmpl":                  {Data: tmpl},
		"ansible/site.yml":                  {Data: []byte("--- # site\n")},
		"ansible/roles/x/tasks/main.yml":    {Data: []byte("--- # {{ jinja stays }}\n")},
		"ansible/roles/x/files/.hidden.cfg": {Data: []byte("kept")},
	}
	src, _ := scaffold.Topology(scaffold.Options{Cluster: "c", Provider: "docker", Servers: 1, Clients: 1})
	files, err := generator.Render(input(t, parse(t, "c", src), nodeimage.Checksums{}), assets)
	if err != nil {
		t.Fatal(err)
	}
	for p, f := range assets {
		if p == "Vagrantfile.tmpl" {
			continue
		}
		if !bytes.Equal(files[p], f.Data) {
			t.Errorf("%s: got %q, want %q", p, files[p], f.Data)
		}
	}
	if _, ok := files["Vagrantfile.tmpl"]; ok {
		t.Error("the template itself must not be rendered into the tree")
	}
}

func TestSSHProviderHasNoVagrantfile(t *testing.T) {
	src, _ := scaffold.Topology(scaffold.Options{Cluster: "c", Provider: "ssh", Servers: 1, Clients: 1})
	files, err := generator.Render(input(t, parse(t, "c", src), nodeimage.Checksums{}), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["Vagrantfile"]; ok {
		t.Error("the ssh provider uses existing hosts and must not get a Vagrantfile")
	}
}

func TestMissingTemplateIsAnError(t *testing.T) {
	src, _ := scaffold.Topology(scaffold.Options{Cluster: "c", Provider: "virtualbox", Servers: 1, Clients: 1})
	_, err := generator.Render(input(t, parse(t, "c", src), nodeimage.Checksums{}), fstest.MapFS{"ansible/site.yml": {Data: []byte("---\n")}})
	if err == nil || !strings.Contains(err.Error(), "Vagrantfile template") {
		t.Fatalf("got %v, want an error about the Vagrantfile template", err)
	}
}

// A docker topology that copies its binaries from this machine names the
// node image that holds them, once their checksums are known.
func TestDockerImageWithBinaries(t *testing.T) {
	src, err := os.ReadFile("testdata/install-local.hcl")
	if err != nil {
		t.Fatal(err)
	}
	topo := parse(t, "install-local", src)
	if topo.Provider.Name != "docker" {
		t.Fatalf("testdata/install-local.hcl uses provider %s, want docker", topo.Provider.Name)
	}
	files, err := generator.Render(input(t, topo, nodeimage.Checksums{}), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	image := docker.ConfigOf(topo.Provider.Config).Image
	if !strings.Contains(string(files["Vagrantfile"]), `d.image = "`+image+`"`) {
		t.Errorf("without checksums the Vagrantfile should use %s", image)
	}
	files, err = generator.Render(input(t, topo, nodeimage.Checksums{Consul: "aa", Nomad: "bb"}), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`d\.image = "` + regexp.QuoteMeta(image) + `-bin-[0-9a-f]{12}"`).Match(files["Vagrantfile"]) {
		t.Errorf("with checksums the Vagrantfile should use the image with the binaries:\n%s", files["Vagrantfile"])
	}
	if !strings.Contains(string(files["ansible/group_vars/all.yml"]), "nomadbox_nomad_binary_sha256: bb") {
		t.Errorf("group_vars lack the checksums:\n%s", files["ansible/group_vars/all.yml"])
	}
}

// pluginVagrantInput is a plugin provider whose machines Vagrant makes,
// with the fragments CheckBlock would have asked of the plugin.
func pluginVagrantInput(t *testing.T) generator.Input {
	t.Helper()
	topo := parse(t, "plugin-vagrant", []byte("cluster \"p\" {}\nprovider \"acme\" {}\nserver \"nomad-server\" {}\nclient \"nomad-client\" {\n  count = 2\n}\n"))
	topo.Provider.Config = map[string]any{"box": "acme/debian-12"}
	return generator.Input{Topology: topo, PluginVagrant: true, Fragments: map[string]string{
		"nomad-server1": "p.memory = 1024\np.flavor = \"small\"\n",
		"nomad-client1": "p.memory = 2048",
	}}
}

// A plugin whose machines Vagrant makes gets a Vagrantfile with its
// fragment inside each machine's provider block, and no box or provider
// settings of the built-ins.
func TestPluginVagrantfile(t *testing.T) {
	files, err := generator.Render(pluginVagrantInput(t), nomadbox.Assets())
	if err != nil {
		t.Fatal(err)
	}
	vf := string(files["Vagrantfile"])
	for _, want := range []string{
		`ENV["VAGRANT_DEFAULT_PROVIDER"] ||= "acme"`,
		`config.vm.box = "acme/debian-12"`,
		"      machine.vm.provider \"acme\" do |p, override|\n        case node[:name]\n        when \"nomad-server1\"\n          p.memory = 1024\n          p.flavor = \"small\"\n        when \"nomad-client1\"\n          p.memory = 2048\n        when \"nomad-client2\"\n        end\n      end\n",
	} {
		if !strings.Contains(vf, want) {
			t.Errorf("the Vagrantfile lacks\n%s\n---\n%s", want, vf)
		}
	}
	for _, never := range []string{"config.vm.box_version", `machine.vm.provider "virtualbox"`, "SYSTEMD_ARGS"} {
		if strings.Contains(vf, never) {
			t.Errorf("the Vagrantfile of a plugin has %q", never)
		}
	}
	// A plugin that makes its machines itself gets no Vagrantfile.
	in := pluginVagrantInput(t)
	in.PluginVagrant = false
	if files, _ := generator.Render(in, nomadbox.Assets()); files["Vagrantfile"] != nil {
		t.Error("a plugin without Vagrant got a Vagrantfile")
	}
}

// A kvm machine gets the host's CPU, as the KVM probe booted with; a qemu
// (emulated) machine must not (host-passthrough needs KVM), and waits
// longer for its first boot.
func TestLibvirtCPUFollowsDriver(t *testing.T) {
	src, _ := scaffold.Topology(scaffold.Options{Cluster: "c", Provider: "libvirt", Servers: 1, Clients: 1})
	for driver, want := range map[string]bool{"kvm": true, "qemu": false} {
		topo := parse(t, "c", src)
		topo.Provider = topo.Provider.WithConfig("driver", driver)
		files, err := generator.Render(input(t, topo, nodeimage.Checksums{}), nomadbox.Assets())
		if err != nil {
			t.Fatal(err)
		}
		vf := string(files["Vagrantfile"])
		if !strings.Contains(vf, `lv.driver = "`+driver+`"`) {
			t.Fatalf("driver %s not rendered:\n%s", driver, vf)
		}
		if got := strings.Contains(vf, `lv.cpu_mode = "host-passthrough"`); got != want {
			t.Errorf("driver %s: host-passthrough rendered = %v, want %v", driver, got, want)
		}
		// Emulated machines boot slowly: Vagrant's 300 s for SSH is not enough.
		if got := strings.Contains(vf, "machine.vm.boot_timeout = 900"); got == want {
			t.Errorf("driver %s: longer boot_timeout rendered = %v, want %v", driver, got, !want)
		}
	}
}
