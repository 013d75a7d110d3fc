package nodeimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/mounts"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func TestRenderDockerfile(t *testing.T) {
	df, err := renderDockerfile("example/base:1")
	if err != nil {
		t.Fatal(err)
	}
	s := string(df)
	want := []string{
		"\nFROM example/base:1\n",
		"\nENV container=docker\n",
		fmt.Sprintf(`LABEL org.nomadbox.box-version="%d"`, DockerRecipe),
		"\nSTOPSIGNAL SIGRTMIN+3\n",
		"\nCMD [\"/sbin/init\"]\n",
		"apt-get install -y --no-install-recommends",
		"rm -rf /var/lib/apt/lists/*",
		"python3 -c 'import apt'",
		"/usr/sbin/policy-rc.d",
		"--shell /bin/bash",
		"/home/vagrant/.ssh/authorized_keys",
		"install -d -m 0700 -o vagrant -g vagrant /home/vagrant/.ssh",
		"install -m 0600 -o vagrant -g vagrant /tmp/vagrant.pub",
		"NOPASSWD: ALL' > /etc/sudoers.d/vagrant",
		"chmod 0440 /etc/sudoers.d/vagrant",
		"rm -f /etc/ssh/ssh_host_*",
		"systemctl enable ssh.service nomadbox-ssh-keygen.service",
		"systemctl disable dnsmasq.service docker.service docker.socket containerd.service",
		"systemctl mask apt-daily.timer apt-daily-upgrade.timer",
		": > /etc/machine-id",
		"COPY nomadbox-ssh-keygen.service /etc/systemd/system/nomadbox-ssh-keygen.service",
		"for p in systemd-timesyncd; do",
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("Dockerfile lacks %q", w)
		}
	}
	for _, pkg := range []string{"systemd", "openssh-server", "sudo", "python3-apt", "dnsmasq", "nftables", "docker.io", "unzip", "jq", "dnsutils", "iptables"} {
		if !strings.Contains(s, "        "+pkg+" \\\n") {
			t.Errorf("Dockerfile does not install %s", pkg)
		}
	}
	// Docker owns these files in every container.
	for _, f := range []string{"/etc/resolv.conf", "/etc/hosts "} {
		if strings.Contains(s, "> "+f) || strings.Contains(s, "COPY "+f) {
			t.Errorf("Dockerfile writes %s", f)
		}
	}
	if strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
		t.Errorf("template left unrendered parts:\n%s", s)
	}
}

func TestKeygenUnit(t *testing.T) {
	u := string(keygenUnit)
	for _, w := range []string{"Before=ssh.service", "ExecStart=/usr/bin/ssh-keygen -q -t ed25519", "ExecStart=/usr/bin/ssh-keygen -q -t ecdsa", "Type=oneshot", "WantedBy=ssh.service"} {
		if !strings.Contains(u, w) {
			t.Errorf("%s lacks %q", keygenUnitName, w)
		}
	}
}

func TestWriteContext(t *testing.T) {
	dir := t.TempDir()
	if err := writeContext(dir, "b:1", []byte("ssh-rsa AAAA vagrant\n")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Dockerfile", "vagrant.pub", keygenUnitName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("build context lacks %s: %v", f, err)
		}
	}
}

func TestFindKey(t *testing.T) {
	fake := func(m map[string][]string) func(string) ([]string, error) {
		return func(p string) ([]string, error) { return m[p], nil }
	}
	debian := "/usr/share/rubygems-integration/all/gems/vagrant-2.3.4/keys/vagrant.pub"
	newer := "/opt/vagrant/embedded/gems/gems/vagrant-2.10.1/keys/vagrant.pub"
	got, err := findKey(fake(map[string][]string{
		keyGlobs[0]: {debian},
		keyGlobs[1]: {newer, "/opt/vagrant/embedded/gems/gems/vagrant-2.9.0/keys/vagrant.pub"},
	}))
	if err != nil || got != newer {
		t.Errorf("findKey = %q, %v; want the newest, %q", got, err, newer)
	}

	got, err = findKey(fake(map[string][]string{keyGlobs[0]: {debian}}))
	if err != nil || got != debian {
		t.Errorf("findKey = %q, %v; want %q", got, err, debian)
	}

	_, err = findKey(fake(nil))
	if err == nil || !strings.Contains(err.Error(), "install Vagrant") {
		t.Errorf("findKey with no Vagrant = %v; want an error saying to install Vagrant", err)
	}

	boom := errors.New("bad pattern")
	if _, err := findKey(func(string) ([]string, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("findKey = %v; want the glob error", err)
	}
}

func TestGlobsMatchLayouts(t *testing.T) {
	for _, path := range []string{
		"/usr/share/rubygems-integration/all/gems/vagrant-2.3.4/keys/vagrant.pub",
		"/opt/vagrant/embedded/gems/gems/vagrant-2.2.19/keys/vagrant.pub",
		"/opt/vagrant/embedded/gems/3.3.0/gems/vagrant-2.4.1/keys/vagrant.pub",
	} {
		ok := false
		for _, g := range keyGlobs {
			if m, _ := filepath.Match(g, path); m {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no pattern matches %s", path)
		}
	}
	// Plugins share the prefix but are not Vagrant.
	for _, g := range keyGlobs {
		if m, _ := filepath.Match(g, "/usr/share/rubygems-integration/all/gems/vagrant-libvirt-0.11.2/keys/vagrant.pub"); m {
			t.Errorf("%s matches the vagrant-libvirt plugin", g)
		}
	}
}

func TestReadPublicKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := readPublicKey(write("ok", "ssh-ed25519 AAAA vagrant\nssh-rsa BBBB vagrant"))
	if err != nil || string(got) != "ssh-ed25519 AAAA vagrant\nssh-rsa BBBB vagrant\n" {
		t.Errorf("readPublicKey = %q, %v", got, err)
	}
	if _, err := readPublicKey(write("priv", "-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n")); err == nil {
		t.Error("readPublicKey accepted a private key")
	}
	if _, err := readPublicKey(write("empty", "\n")); err == nil {
		t.Error("readPublicKey accepted an empty file")
	}
}

func TestParseInspect(t *testing.T) {
	got, err := parseInspect("sha256:abc 540123456 1 1\n")
	if err != nil || *got != (imageInfo{ID: "sha256:abc", Size: 540123456, Tags: 1, Version: "1"}) {
		t.Errorf("parseInspect = %+v, %v", got, err)
	}
	got, err = parseInspect("sha256:abc 10 0 \n")
	if err != nil || got.Version != "" || got.Tags != 0 {
		t.Errorf("parseInspect without label = %+v, %v", got, err)
	}
	got, err = parseInspect("sha256:abc 10 1 <no value>\n")
	if err != nil || got.Version != "" {
		t.Errorf("parseInspect with other labels = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "sha256:abc", "sha256:abc x 1", "sha256:abc 1 y"} {
		if _, err := parseInspect(bad); err == nil {
			t.Errorf("parseInspect(%q) succeeded", bad)
		}
	}
}

func TestNoSuchImage(t *testing.T) {
	for _, l := range []string{"Error: No such image: x", "Error response from daemon: No such image: x:y", "Error: No such object: x"} {
		if !noSuchImage([]string{l}) {
			t.Errorf("noSuchImage(%q) = false", l)
		}
	}
	if noSuchImage([]string{"Cannot connect to the Docker daemon at unix:///var/run/docker.sock"}) {
		t.Error("a daemon that is down counts as a missing image")
	}
}

func TestWithDefaults(t *testing.T) {
	o, err := BuildOptions{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Image != topology.DefaultDockerImage || o.Suite != "bookworm" || o.Mirror != DefaultMirror || o.Runner == nil || o.Progress == nil {
		t.Errorf("defaults = %+v", o)
	}
	if !filepath.IsAbs(o.CacheDir) || !strings.HasSuffix(o.CacheDir, filepath.Join("nomadbox", "rootfs")) {
		t.Errorf("CacheDir = %q; want <user cache>/nomadbox/rootfs", o.CacheDir)
	}
	for _, bad := range []string{"Bookworm", "../x", "a b", "x/y"} {
		if _, err := (BuildOptions{Suite: bad}).withDefaults(); err == nil {
			t.Errorf("suite %q accepted", bad)
		}
	}
	if BaseImage("trixie") != "nomadbox/base:trixie" {
		t.Errorf("BaseImage = %q", BaseImage("trixie"))
	}
}

func TestTidyRootfs(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"var/cache/apt/archives/a.deb":               "x",
		"var/cache/apt/archives/lock":                "",
		"var/lib/apt/lists/deb.debian.org_InRelease": "x",
		"var/lib/apt/lists/lock":                     "",
		"etc/hostname":                               "buildhost\n",
		"etc/resolv.conf":                            "nameserver 10.0.0.1\n",
		"etc/passwd":                                 "root:x:0:0::/root:/bin/bash\n",
	}
	for f, c := range files {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(c), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "var/lib/apt/lists/partial"), 0o755)
	if err := tidyRootfs(dir); err != nil {
		t.Fatal(err)
	}
	gone := []string{"var/cache/apt/archives/a.deb", "var/lib/apt/lists/deb.debian.org_InRelease"}
	for _, f := range gone {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was kept", f)
		}
	}
	for _, f := range []string{"var/cache/apt/archives/lock", "var/lib/apt/lists/lock", "var/lib/apt/lists/partial", "etc/passwd"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was removed", f)
		}
	}
	for _, f := range []string{"etc/hostname", "etc/resolv.conf"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) != 0 {
			t.Errorf("%s = %q, %v; want an empty file", f, b, err)
		}
	}
}

func TestRemoveTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "root")
	os.MkdirAll(filepath.Join(dir, "proc", "x"), 0o755)
	if err := mounts.RemoveTree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists", dir)
	}
	if err := mounts.RemoveTree(dir); err != nil {
		t.Errorf("removeTree of a missing directory: %v", err)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{540123456: "540 MB", 1_230_000_000: "1.23 GB", 999: "999 B", 2500: "2 kB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q; want %q", n, got, want)
		}
	}
}

// fakeDocker puts a docker on PATH that keeps images as files
// ("<id> <size> <tags> <label>" per name) and records every call.
func fakeDocker(t *testing.T) (state, calls string) {
	t.Helper()
	bin := t.TempDir()
	state = t.TempDir()
	calls = filepath.Join(state, "calls")
	script := `#!/bin/sh
echo "$*" >> "$FAKE_DOCKER_CALLS"
for last; do :; done
f="$FAKE_DOCKER_STATE/$(printf %s "$last" | tr '/:' '__')"
case "$1 $2" in
"image inspect")
	if [ -f "$f" ]; then cat "$f"; exit 0; fi
	echo "Error: No such image: $last" >&2; exit 1 ;;
"image rm") rm -f "$f"; exit 0 ;;
esac
case "$1" in
build)
	tag=""; prev=""
	for a; do [ "$prev" = "--tag" ] && tag="$a"; prev="$a"; done
	echo "sha256:new 540000000 1 $FAKE_BOX_VERSION" > "$FAKE_DOCKER_STATE/$(printf %s "$tag" | tr '/:' '__')"
	echo "Successfully tagged $tag" ;;
import) echo "sha256:base 225000000 1 " > "$f" ;;
pull) echo "Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io: no such host" >&2; exit 1 ;;
*) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_DOCKER_STATE", state)
	t.Setenv("FAKE_DOCKER_CALLS", calls)
	t.Setenv("FAKE_BOX_VERSION", strconv.Itoa(DockerRecipe))

	key := filepath.Join(t.TempDir(), "vagrant.pub")
	os.WriteFile(key, []byte("ssh-rsa AAAA vagrant\n"), 0o644)
	old := glob
	glob = func(p string) ([]string, error) {
		if p == keyGlobs[0] {
			return []string{key}, nil
		}
		return nil, nil
	}
	t.Cleanup(func() { glob = old })
	return state, calls
}

// currentNode is the inspect answer of a node image this nomadbox built.
var currentNode = fmt.Sprintf("sha256:cur 540000000 1 %d", DockerRecipe)

func setImage(t *testing.T, state, name, line string) {
	t.Helper()
	f := filepath.Join(state, strings.NewReplacer("/", "_", ":", "_").Replace(name))
	if err := os.WriteFile(f, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readCalls(t *testing.T, calls string) []string {
	b, _ := os.ReadFile(calls)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func build(t *testing.T, o BuildOptions) ([]string, error) {
	var steps []string
	o.Progress = func(s string) { steps = append(steps, s) }
	if o.CacheDir == "" {
		o.CacheDir = t.TempDir()
	}
	return steps, BuildDocker(context.Background(), o)
}

func TestBuildNothingToDo(t *testing.T) {
	state, calls := fakeDocker(t)
	setImage(t, state, "nomadbox/node:bookworm", currentNode)
	steps, err := build(t, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || !strings.Contains(steps[0], "nothing to build") || !strings.Contains(steps[0], "540 MB") {
		t.Errorf("steps = %q", steps)
	}
	if got := readCalls(t, calls); len(got) != 1 {
		t.Errorf("docker calls = %q; want one inspect", got)
	}
	ok, err := DockerImageCurrent(context.Background(), nil, "nomadbox/node:bookworm")
	if err != nil || !ok {
		t.Errorf("DockerImageCurrent = %v, %v", ok, err)
	}
	ok, err = DockerImageExists(context.Background(), nil, "nomadbox/node:other")
	if err != nil || ok {
		t.Errorf("DockerImageExists(missing) = %v, %v", ok, err)
	}
}

func TestBuildOutdatedImageFromPresentBase(t *testing.T) {
	state, calls := fakeDocker(t)
	setImage(t, state, "nomadbox/node:bookworm", "sha256:old 500000000 1 0")
	setImage(t, state, "nomadbox/base:bookworm", "sha256:base 225000000 1 ")
	// After the build the old image is dangling.
	setImage(t, state, "sha256:old", "sha256:old 500000000 0 0")
	steps, err := build(t, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(steps, "\n")
	for _, w := range []string{"box version 0", "rebuilding", "base image nomadbox/base:bookworm is present", "docker build nomadbox/node:bookworm", fmt.Sprintf("built nomadbox/node:bookworm (box version %d): 540 MB", DockerRecipe)} {
		if !strings.Contains(joined, w) {
			t.Errorf("steps lack %q:\n%s", w, joined)
		}
	}
	c := strings.Join(readCalls(t, calls), "\n")
	if !strings.Contains(c, "build --force-rm --tag nomadbox/node:bookworm /") {
		t.Errorf("no docker build in:\n%s", c)
	}
	if strings.Contains(c, "--no-cache") {
		t.Errorf("a build without Rebuild used --no-cache:\n%s", c)
	}
	if !strings.Contains(c, "image rm sha256:old") {
		t.Errorf("the replaced image was not removed:\n%s", c)
	}
	if strings.Contains(c, "import") || strings.Contains(c, "pull") {
		t.Errorf("a present base was imported or pulled:\n%s", c)
	}
}

func TestBuildRebuildUsesNoCache(t *testing.T) {
	state, calls := fakeDocker(t)
	setImage(t, state, "nomadbox/node:bookworm", currentNode)
	setImage(t, state, "nomadbox/base:bookworm", "sha256:base 225000000 1 ")
	if _, err := build(t, BuildOptions{Rebuild: true}); err != nil {
		t.Fatal(err)
	}
	if c := strings.Join(readCalls(t, calls), "\n"); !strings.Contains(c, "build --force-rm --tag nomadbox/node:bookworm --no-cache") {
		t.Errorf("Rebuild did not build without cache:\n%s", c)
	}
}

func TestBuildImportsCachedRootfs(t *testing.T) {
	_, calls := fakeDocker(t)
	cache := t.TempDir()
	tarball := filepath.Join(cache, "bookworm.tar")
	os.WriteFile(tarball, []byte("tar"), 0o644)
	steps, err := build(t, BuildOptions{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	c := strings.Join(readCalls(t, calls), "\n")
	if !strings.Contains(c, "import --change CMD [\"/bin/bash\"] --message debootstrap --variant=minbase bookworm http://deb.debian.org/debian "+tarball+" nomadbox/base:bookworm") {
		t.Errorf("no import of the cached tarball:\n%s", c)
	}
	if !strings.Contains(strings.Join(steps, "\n"), "using the cached root file system") {
		t.Errorf("steps = %q", steps)
	}
}

func TestBuildDebootstrapNeedsRoot(t *testing.T) {
	_, calls := fakeDocker(t)
	old := geteuid
	geteuid = func() int { return 1000 }
	t.Cleanup(func() { geteuid = old })
	_, err := build(t, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "needs root") {
		t.Fatalf("BuildDocker as a user without a base = %v; want an error saying debootstrap needs root", err)
	}
	if c := strings.Join(readCalls(t, calls), "\n"); strings.Contains(c, "build") {
		t.Errorf("docker build ran without a base:\n%s", c)
	}
}

func TestBuildUnpullableBase(t *testing.T) {
	fakeDocker(t)
	_, err := build(t, BuildOptions{Base: "debian:bookworm"})
	if err == nil || !strings.Contains(err.Error(), "base image debian:bookworm is not on this machine and could not be pulled") || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("BuildDocker with an unpullable base = %v", err)
	}
}

func TestBuildWithoutVagrant(t *testing.T) {
	fakeDocker(t)
	glob = func(string) ([]string, error) { return nil, nil }
	_, err := build(t, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "install Vagrant") {
		t.Fatalf("BuildDocker without Vagrant = %v", err)
	}
}

func TestBuildWithoutDocker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := build(t, BuildOptions{})
	var nf *execx.NotFoundError
	if !errors.As(err, &nf) || nf.Package != "docker.io" {
		t.Fatalf("BuildDocker without docker = %v; want a NotFoundError naming docker.io", err)
	}
}

// The image's RUN step writes the entries the probe compares a file's
// stat with: size, mtime in seconds and the SHA-256 of the file itself.
func TestChecksumCacheStep(t *testing.T) {
	dir := t.TempDir()
	bins := []Binary{{Name: "nomad"}, {Name: "consul"}}
	want := map[string]string{}
	for _, b := range bins {
		content := []byte("binary " + b.Name + "\n")
		os.WriteFile(filepath.Join(dir, b.Name), content, 0o755)
		sum := sha256.Sum256(content)
		want[filepath.Join(dir, b.Name)] = hex.EncodeToString(sum[:])
	}
	step := checksumCacheStep(bins)
	if !strings.HasPrefix(step, "RUN ") || !strings.HasSuffix(step, "> "+NodeChecksumCache+"\n") {
		t.Fatalf("step = %q", step)
	}
	cache := filepath.Join(dir, "lib", "checksums.json")
	script := strings.NewReplacer("/usr/local/bin/", dir+"/", NodeChecksumCache, cache, filepath.Dir(NodeChecksumCache), filepath.Dir(cache)).
		Replace(strings.TrimPrefix(step, "RUN "))
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	b, _ := os.ReadFile(cache)
	var got map[string]struct {
		Size, Mtime int64
		SHA256      string
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	for path, sum := range want {
		st, _ := os.Stat(path)
		e := got[path]
		if e.SHA256 != sum || e.Size != st.Size() || e.Mtime != st.ModTime().Unix() {
			t.Errorf("%s: entry %+v, want size %d, mtime %d, sha256 %s", path, e, st.Size(), st.ModTime().Unix(), sum)
		}
	}
}
