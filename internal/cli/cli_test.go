package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in dir and returns its exit code and
// output.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	code := run(append([]string{"nomadbox"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestInitValidateRenderInEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, dir, "init", "--provider", "docker")
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"topology.hcl", "jobs/fabio.nomad.hcl", "jobs/web.nomad.hcl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not write %s", f)
		}
	}
	code, out, errOut = runCLI(t, dir, "validate")
	if code != 0 || !strings.Contains(out, `cluster "playground", 1 server(s) and 2 client(s) on docker`) {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, dir, "render")
	if code != 0 {
		t.Fatalf("render: exit %d\n%s%s", code, out, errOut)
	}
	rd := filepath.Join(dir, ".nomadbox", "playground")
	for _, f := range []string{
		"Vagrantfile", "ansible/site.yml", "ansible/inventory.yml", "ansible/ansible.cfg",
		"ansible/group_vars/all.yml", "ansible/host_vars/nomad-client2.yml",
		"ansible/config/nomad-server1/consul.hcl", "ansible/config/nomad-client1/nomad.hcl",
		"ansible/roles/nomad/tasks/main.yml", "secrets/consul-gossip.key", "secrets/nomad-gossip.key",
	} {
		if _, err := os.Stat(filepath.Join(rd, f)); err != nil {
			t.Errorf("render did not write %s", f)
		}
	}
	st, err := os.Stat(filepath.Join(rd, "secrets"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("secrets/ must be mode 0700, got %v (%v)", st.Mode().Perm(), err)
	}
	key, _ := os.ReadFile(filepath.Join(rd, "secrets/consul-gossip.key"))
	if strings.Contains(out+errOut, string(key)) {
		t.Error("a secret was printed")
	}
	// A second render keeps the secrets (no key rotation) and replaces the
	// rendered tree: a node removed from the topology loses its files.
	src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl"))
	os.WriteFile(filepath.Join(dir, "topology.hcl"), bytes.Replace(src, []byte("count   = 2"), []byte("count   = 1"), 1), 0o644)
	if code, out, errOut = runCLI(t, dir, "render"); code != 0 {
		t.Fatalf("second render: exit %d\n%s%s", code, out, errOut)
	}
	key2, _ := os.ReadFile(filepath.Join(rd, "secrets/consul-gossip.key"))
	if !bytes.Equal(key, key2) {
		t.Error("render rotated the gossip key")
	}
	if _, err := os.Stat(filepath.Join(rd, "ansible/host_vars/nomad-client2.yml")); err == nil {
		t.Error("host_vars of a removed node survived the render")
	}
	entries, _ := os.ReadDir(rd)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".render-") || strings.HasSuffix(e.Name(), ".old") {
			t.Errorf("render left %s behind", e.Name())
		}
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, dir, "init", "--provider", "virtualbox"); code != 0 {
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(dir, "jobs/web.nomad.hcl"), []byte("# mine\n"), 0o644)
	code, _, errOut := runCLI(t, dir, "init", "--provider", "virtualbox")
	if code != 1 || !strings.Contains(errOut, "--force") {
		t.Fatalf("second init: exit %d, stderr %q; want 1 and a hint about --force", code, errOut)
	}
	code, _, errOut = runCLI(t, dir, "init", "--provider", "libvirt", "--servers", "3", "--clients", "5", "--force")
	if code != 0 {
		t.Fatal(errOut)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl"))
	for _, want := range []string{`provider "libvirt"`, "count  = 3", "count   = 5"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("topology.hcl lacks %q", want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "jobs/web.nomad.hcl")); string(b) != "# mine\n" {
		t.Error("init --force overwrote a user's job file")
	}
}

func TestInvalidTopologyWritesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(`cluster "c" {}
provider "docker" {}
server "nomad-server" { count = 0 }
client "nomad-client" { drivers = ["dockr"] }
`), 0o644)
	for _, cmd := range []string{"validate", "render"} {
		code, _, errOut := runCLI(t, dir, cmd)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", cmd, code)
		}
		for _, want := range []string{"topology.hcl:3:33: Invalid count", "topology.hcl:4:36: Unknown driver", "Invalid count", "Unknown driver", "the topology has 2 errors"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd, want, errOut)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".nomadbox")); err == nil {
		t.Error("a failed render wrote .nomadbox/")
	}
}

func TestMissingFilesAreReported(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.hcl"), []byte(`cluster "c" {}
provider "docker" {}
install {
  method        = "local"
  consul_binary = "bin/consul"
  nomad_binary  = "bin/nomad"
}
server "nomad-server" {}
client "nomad-client" {}
job "web" { file = "jobs/nope.nomad.hcl" }
`), 0o644)
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin/consul"), []byte("x"), 0o755)
	code, _, errOut := runCLI(t, dir, "validate", "-f", "t.hcl")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"t.hcl:6:19: File not found", `"bin/nomad" does not exist`, "t.hcl:10:20: File not found", `"jobs/nope.nomad.hcl" does not exist`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "bin/consul\" does not exist") {
		t.Error("an existing binary was reported missing")
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"validate"}, 1}, // no topology.hcl here
		{[]string{"no-such-command"}, 2},
		{[]string{"validate", "--no-such-flag"}, 2},
		{[]string{"validate", "stray"}, 2},
		{[]string{"init", "--provider", "vmware"}, 2},
		{[]string{"init", "--servers", "0"}, 2},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, dir, tt.args...)
		if code != tt.code {
			t.Errorf("nomadbox %v: exit %d, want %d\n%s%s", tt.args, code, tt.code, out, errOut)
		}
	}
	_, _, errOut := runCLI(t, dir, "validate")
	if !strings.Contains(errOut, "nomadbox init") {
		t.Errorf("a missing topology should point at nomadbox init:\n%s", errOut)
	}
}

func TestInitFlagsAreValidated(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, dir, "init", "--provider", "docker", "--cidr", "10.0.0.0/30")
	if code != 2 || !strings.Contains(errOut, "--cidr 10.0.0.0/30 is too small") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.hcl")); err == nil {
		t.Error("an invalid topology was written")
	}
	consul, nomad := fakeAgents(t, dir, "1.13.9", "1.6.1")
	code, _, errOut = runCLI(t, dir, "init", "--provider", "docker", "--cidr", "10.9.8.0/24", "--install", "local",
		"--consul-binary", consul, "--nomad-binary", nomad,
		"--docker-package", "docker.io", "--consul-version", "1.13.9", "--nomad-version", "1.6.1")
	if code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := runCLI(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: %s%s", out, errOut)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl"))
	for _, want := range []string{`cidr = "10.9.8.0/24"`, `method = "local"`, `docker = "docker.io"`, `consul = "1.13.9"`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("topology.hcl lacks %q", want)
		}
	}
	if code, _, _ := runCLI(t, dir, "init", "--force", "--install", "local"); code != 2 {
		t.Errorf("--install local without binaries: exit %d, want 2", code)
	}
}

func TestInitJobs(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, dir, "init", "--provider", "docker", "--jobs", "nope"); code != 2 || !strings.Contains(errOut, "no example job \"nope\"") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, dir, "init", "--provider", "docker", "--jobs", "web,fabio"); code != 0 {
		t.Fatal(errOut)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "topology.hcl"))
	if !strings.Contains(string(src), "job \"web\" {\n  file = \"jobs/web.nomad.hcl\"\n}\njob \"fabio\"") {
		t.Errorf("jobs not written in order:\n%s", src)
	}
	if code, _, errOut := runCLI(t, dir, "init", "--provider", "docker", "--jobs", "", "--force"); code != 0 {
		t.Fatal(errOut)
	}
	src, _ = os.ReadFile(filepath.Join(dir, "topology.hcl"))
	if strings.Contains(string(src), "\njob ") {
		t.Errorf("--jobs '' still deploys a job:\n%s", src)
	}
}

func TestLogsAndExportRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := runCLI(t, dir, "init", "--provider", "docker"); code != 0 {
		t.Fatalf("init: %s%s", out, errOut)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"logs"}, 2, "logs needs a node name"},
		{[]string{"logs", "nomad-server9"}, 2, `no node "nomad-server9" in cluster "playground"`},
		{[]string{"logs", "nomad-client1", "--since", "yesterday"}, 2, `--since "yesterday"`},
		{[]string{"logs", "nomad-client1", "--unit", "dockr"}, 2, `--unit "dockr"`},
		{[]string{"export", "logs", "a", "b"}, 2, "at most one directory"},
		{[]string{"export", "logs", "--since", "soon"}, 2, `--since "soon"`},
	} {
		code, out, errOut := runCLI(t, dir, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.want, out, errOut)
		}
	}
}
