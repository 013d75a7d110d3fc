package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/detect"
)

// fakeAgentEnv makes this test binary act as Consul or Nomad when it is
// run under the name "consul" or "nomad" with the argument "version":
// the real probe (ELF check, run, parse) then runs against it. The
// variable holds "CONSUL_VERSION,NOMAD_VERSION".
const fakeAgentEnv = "NOMADBOX_TEST_FAKE_AGENT"

// serveFakeAgent answers `version` as a Consul or Nomad binary when the
// test binary runs as one of fakeAgents' links; it reports whether it did.
func serveFakeAgent() bool {
	v := os.Getenv(fakeAgentEnv)
	if v == "" || len(os.Args) != 2 || os.Args[1] != "version" {
		return false
	}
	consul, nomad, _ := strings.Cut(v, ",")
	switch filepath.Base(os.Args[0]) {
	case "consul":
		fmt.Printf("Consul v%s\nRevision 0000000\n", consul)
	case "nomad":
		fmt.Printf("Nomad v%s\nBuildDate 2023-07-21T13:49:42Z\n", nomad)
	default:
		fmt.Println("Usage: something-else <command>")
	}
	return true
}

// fakeAgents links dir/bin/consul and dir/bin/nomad to this test binary,
// which answers `version` with the given releases.
func fakeAgents(t *testing.T, dir, consulVersion, nomadVersion string) (consul, nomad string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	consul, nomad = filepath.Join(dir, "bin", "consul"), filepath.Join(dir, "bin", "nomad")
	for _, p := range []string{consul, nomad} {
		if err := os.Symlink(self, p); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(fakeAgentEnv, consulVersion+","+nomadVersion)
	return consul, nomad
}

// The case: old binaries, and init used to write the newest
// releases. Now init writes the binaries' versions and validate refuses
// a versions block that contradicts them, naming both.
func TestInitWritesTheLocalBinariesVersions(t *testing.T) {
	dir := t.TempDir()
	consul, nomad := fakeAgents(t, dir, "1.13.9", "1.6.1")
	code, out, errOut := runCLI(t, dir, "init", "--provider", "docker", "--install", "local", "--consul-binary", consul, "--nomad-binary", nomad)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl"))
	for _, want := range []string{"consul = \"1.13.9\"\n  nomad  = \"1.6.1\"", `consul_binary = "` + consul + `"`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("topology.hcl lacks %q:\n%s", want, src)
		}
	}
	if code, out, errOut := runCLI(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	edited := strings.Replace(string(src), `nomad  = "1.6.1"`, `nomad  = "2.0.5"`, 1)
	os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(edited), 0o644)
	code, _, errOut = runCLI(t, dir, "validate")
	want := "versions.nomad is 2.0.5 but nomad_binary " + nomad + " is Nomad 1.6.1: set nomad = \"1.6.1\" or point nomad_binary at a 2.0.5 binary"
	if code != 1 || !strings.Contains(strings.Join(strings.Fields(errOut), " "), want) {
		t.Errorf("validate of a contradicting versions block: exit %d, want 1 and %q:\n%s", code, want, errOut)
	}
}

func TestInitRefusesBinariesThatAreNotTheAgents(t *testing.T) {
	dir := t.TempDir()
	consul, nomad := fakeAgents(t, dir, "1.13.9", "1.6.1")
	text := filepath.Join(dir, "consul.txt")
	os.WriteFile(text, []byte("Consul v1.13.9\n"), 0o755)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--consul-binary", text, "--nomad-binary", nomad}, "--consul-binary: " + text + " is not an ELF executable"},
		{[]string{"--consul-binary", nomad, "--nomad-binary", nomad}, "--consul-binary " + nomad + " is Nomad v1.6.1, not Consul"},
		{[]string{"--consul-binary", consul, "--nomad-binary", nomad, "--nomad-version", "2.0.5"},
			"--nomad-version 2.0.5 contradicts --nomad-binary " + nomad + ", which is Nomad 1.6.1"},
	} {
		args := append([]string{"init", "--provider", "docker", "--install", "local"}, c.args...)
		code, _, errOut := runCLI(t, dir, args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args, code, c.want, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.hcl")); err == nil {
		t.Error("a refused init wrote topology.hcl")
	}
}

// A relative binary path is written relative to the topology file, which
// is what validate resolves it against.
func TestInitBinaryPathsRelativeToTheTopology(t *testing.T) {
	dir := t.TempDir()
	fakeAgents(t, dir, "1.13.9", "1.6.1")
	code, _, errOut := runCLI(t, dir, "init", "-f", "sub/topology.hcl", "--provider", "docker", "--install", "local",
		"--consul-binary", "bin/consul", "--nomad-binary", "bin/nomad")
	if code != 0 {
		t.Fatal(errOut)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "sub", "topology.hcl"))
	if !strings.Contains(string(src), `consul_binary = "../bin/consul"`) {
		t.Errorf("the binary path is not relative to the topology:\n%s", src)
	}
	if code, out, errOut := runCLI(t, dir, "validate", "-f", "sub/topology.hcl"); code != 0 {
		t.Fatalf("validate: %s%s", out, errOut)
	}
}

func TestInitRefusesAnInvalidName(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, dir, "init", "--provider", "docker", "--name", `qu"ote`)
	if code != 2 || !strings.Contains(errOut, "Invalid cluster name") || !strings.Contains(errOut, "lower-case letters, digits and '-'") {
		t.Fatalf("exit %d, want 2 and the rule for cluster names:\n%s", code, errOut)
	}
	if n := strings.Count(errOut, "\n  "); n != 1 {
		t.Errorf("want exactly one problem reported, got %d:\n%s", n, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.hcl")); err == nil {
		t.Error("a refused init wrote topology.hcl")
	}
}

// Whatever a flag holds, init either writes a topology that validates
// or refuses with exit 2 and writes nothing: values are escaped, never
// spliced into HCL.
func TestInitWritesOnlyWhatValidates(t *testing.T) {
	hostile := []string{`qu"ote`, "${path.root}", "%{ if true }x%{ endif }", "a\nb = 1", `back\slash`, "UPPER", "ok-name", "x\"\n}\nprovider \"ssh\" {"}
	var cases [][]string
	for _, v := range hostile {
		cases = append(cases,
			[]string{"--name", v},
			[]string{"--cidr", v},
			[]string{"--consul-version", v},
			[]string{"--docker-package", v},
			[]string{"--install", v},
		)
	}
	for _, flags := range cases {
		dir := t.TempDir()
		args := append([]string{"init", "--provider", "docker"}, flags...)
		code, _, errOut := runCLI(t, dir, args...)
		_, statErr := os.Stat(filepath.Join(dir, "topology.hcl"))
		switch {
		case code == 0:
			if vcode, out, verr := runCLI(t, dir, "validate"); vcode != 0 {
				t.Errorf("init %q wrote a topology that validate refuses:\n%s%s", flags, out, verr)
			}
		case code != 2 || statErr == nil:
			t.Errorf("init %q: exit %d (want 0 or 2), file written: %v\n%s", flags, code, statErr == nil, errOut)
		case strings.Count(errOut, "Error:") != 1 || strings.Count(errOut, "\n  ") > 1:
			// A value spliced into HCL unescaped shows as several
			// syntax errors instead of one about the value.
			t.Errorf("init %q: not one problem reported:\n%s", flags, errOut)
		}
	}
}

var advisedCIDR = regexp.MustCompile(`pass --cidr (\S+) or a larger network`)

// The advice for a network too small follows the real rule: following
// it gives a topology that validates, and the next smaller network does
// not.
func TestInitCIDRAdviceWorks(t *testing.T) {
	for _, c := range []struct {
		cidr             string
		servers, clients int
		want             string
	}{
		{"10.0.0.0/30", 1, 2, "10.0.0.0/25"},
		{"10.0.0.0/29", 1, 2, "10.0.0.0/25"},
		{"10.0.0.0/28", 1, 2, "10.0.0.0/25"},
		{"10.0.0.0/26", 5, 30, "10.0.0.0/24"},
		{"10.1.2.128/27", 3, 1, "10.1.2.128/25"},
	} {
		dir := t.TempDir()
		n := []string{"--servers", fmt.Sprint(c.servers), "--clients", fmt.Sprint(c.clients)}
		code, _, errOut := runCLI(t, dir, append([]string{"init", "--provider", "docker", "--cidr", c.cidr}, n...)...)
		m := advisedCIDR.FindStringSubmatch(errOut)
		if code != 2 || m == nil || m[1] != c.want {
			t.Errorf("--cidr %s with %v: exit %d, want 2 advising %s:\n%s", c.cidr, n, code, c.want, errOut)
			continue
		}
		if code, out, errOut := runCLI(t, dir, append([]string{"init", "--provider", "docker", "--cidr", m[1]}, n...)...); code != 0 {
			t.Errorf("following the advice (--cidr %s) failed:\n%s%s", m[1], out, errOut)
			continue
		}
		if code, out, errOut := runCLI(t, dir, "validate"); code != 0 {
			t.Errorf("validate after following the advice:\n%s%s", out, errOut)
		}
		p := netip.MustParsePrefix(m[1])
		smaller := netip.PrefixFrom(p.Addr(), p.Bits()+1).String()
		if code, _, _ := runCLI(t, dir, append([]string{"init", "--force", "--provider", "docker", "--cidr", smaller}, n...)...); code == 0 {
			t.Errorf("%s was accepted, so %s was not the smallest network", smaller, m[1])
		}
	}
}

func TestInitSaysWhyItChoseTheProvider(t *testing.T) {
	defer func(d func(context.Context) detect.Result) { detectProviders = d }(detectProviders)
	docker := detect.Candidate{Provider: "docker", Usable: true, Why: "the daemon answers at /var/run/docker.sock"}
	libvirt := detect.Candidate{Provider: "libvirt", Usable: true, Emulated: true, Why: "the daemon answers at /var/run/libvirt/libvirt-sock"}
	detectProviders = func(context.Context) detect.Result {
		return detect.Result{Chosen: &docker, RunnerUp: &libvirt, Looked: []detect.Candidate{libvirt, docker}}
	}
	dir := t.TempDir()
	code, out, errOut := runCLI(t, dir, "init")
	want := "Provider docker: the daemon answers at /var/run/docker.sock; runner-up: libvirt (emulated: several times slower)"
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want 0 and %q:\n%s%s", code, want, out, errOut)
	}
	if src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl")); !strings.Contains(string(src), `provider "docker"`) {
		t.Errorf("the chosen provider was not written:\n%s", src)
	}
	// An init that writes nothing announces no choice.
	if code, out, _ := runCLI(t, t.TempDir(), "init", "--name", "BAD"); code != 2 || strings.Contains(out, "Provider") {
		t.Errorf("a refused init: exit %d, stdout %q", code, out)
	}
}

func TestInitWithNoProviderThatRuns(t *testing.T) {
	defer func(d func(context.Context) detect.Result) { detectProviders = d }(detectProviders)
	detectProviders = func(context.Context) detect.Result {
		return detect.Result{Looked: []detect.Candidate{
			{Provider: "libvirt", Why: "/usr/bin/virsh is installed but the daemon does not answer", Fix: "start it: `sudo systemctl start libvirtd`"},
		}}
	}
	dir := t.TempDir()
	code, _, errOut := runCLI(t, dir, "init")
	for _, want := range []string{"no machine provider can run", "libvirt: /usr/bin/virsh is installed but the daemon does not answer; start it", "--provider NAME"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.hcl")); err == nil {
		t.Error("init wrote a topology with no provider that can run")
	}
}
