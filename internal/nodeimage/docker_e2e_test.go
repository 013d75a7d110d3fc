//go:build e2e

package nodeimage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/mounts"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// TestE2ENodeImage builds the node image (reusing a current one; set
// NOMADBOX_E2E_REBUILD=image to rebuild it, =all to debootstrap again too;
// NOMADBOX_E2E_IMAGE builds another name than the default one, e.g. to
// measure a build while clusters use the default image),
// runs it the way the generated Vagrantfile does, and checks what Vagrant
// and Ansible rely on: systemd running, sshd, key login as vagrant with
// passwordless sudo, python3-apt, and the baked-in services left off.
func TestE2ENodeImage(t *testing.T) {
	testtools.Require(t, "docker", "ssh")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	// Every command and its output; kept when the test fails.
	logFile, err := os.CreateTemp("", "nomadbox-box-e2e-*.log")
	if err != nil {
		t.Fatal(err)
	}
	logPath := logFile.Name()
	t.Cleanup(func() {
		logFile.Close()
		if t.Failed() {
			t.Logf("all commands and their output: %s", logPath)
		} else {
			os.Remove(logPath)
		}
	})
	r := &execx.Runner{Log: logFile}
	docker := func(args ...string) (string, error) {
		out, err := r.Output(ctx, execx.Command("docker", args...))
		return strings.TrimSpace(string(out)), err
	}
	if _, err := docker("info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Fatalf("the Docker daemon does not answer (start it: dockerd > dockerd.log 2>&1 &): %v", err)
	}

	// Containers that an earlier, killed run of this test left behind.
	names, err := docker("ps", "-a", "--filter", "name=^nomadbox-boxtest-", "--format", "{{.Names}}")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range strings.Fields(names) {
		if _, err := docker("rm", "-f", n); err != nil {
			t.Fatalf("removing leftover container %s: %v", n, err)
		}
	}

	image := topology.DefaultDockerImage
	if v := os.Getenv("NOMADBOX_E2E_IMAGE"); v != "" {
		image = v
	}
	opts := BuildOptions{
		Image:  image,
		Runner: r,
	}
	var start time.Time
	opts.Progress = func(s string) { t.Logf("box [%5.1fs]: %s", time.Since(start).Seconds(), s) }
	switch os.Getenv("NOMADBOX_E2E_REBUILD") {
	case "image":
		opts.Rebuild = true
	case "all":
		opts.Rebuild, opts.RebuildBase = true, true
	}
	start = time.Now()
	if err := BuildDocker(ctx, opts); err != nil {
		t.Fatalf("BuildDocker: %v", err)
	}
	t.Logf("BuildDocker took %s", time.Since(start).Round(time.Millisecond))

	if ok, err := DockerImageCurrent(ctx, r, image); err != nil || !ok {
		t.Fatalf("DockerImageCurrent(%s) = %v, %v after BuildDocker; want true", image, ok, err)
	}

	// A second BuildDocker finds the image current and does nothing.
	var steps []string
	start = time.Now()
	err = BuildDocker(ctx, BuildOptions{Image: image, Runner: r, Progress: func(s string) { steps = append(steps, s) }})
	noop := time.Since(start)
	if err != nil {
		t.Fatalf("second BuildDocker: %v", err)
	}
	if len(steps) != 1 || !strings.Contains(steps[0], "nothing to build") {
		t.Fatalf("second BuildDocker reported %q; want one step saying there is nothing to build", steps)
	}
	t.Logf("no-op BuildDocker took %s: %s", noop.Round(time.Millisecond), steps[0])

	// Run a node exactly as the Vagrantfile's create_args do.
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "nomadbox-boxtest-" + hex.EncodeToString(suffix)
	t.Cleanup(func() {
		rm := execx.Command("docker", "rm", "-f", name)
		if err := (&execx.Runner{}).Run(context.Background(), rm); err != nil {
			t.Logf("removing %s: %v", name, err)
		}
	})
	if _, err := docker("run", "-d", "--name", name,
		"--tmpfs", "/run", "--tmpfs", "/run/lock",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
		"--cap-add", "NET_ADMIN", image); err != nil {
		t.Fatalf("docker run: %v", err)
	}
	exec := func(args ...string) (string, error) {
		return docker(append([]string{"exec", name}, args...)...)
	}

	// systemctl is-system-running exits non-zero until the boot is over,
	// but still prints the state.
	start = time.Now()
	state := ""
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		state, _ = exec("systemctl", "is-system-running")
		if state == "running" || state == "degraded" {
			break
		}
	}
	t.Logf("systemctl is-system-running: %q after %s", state, time.Since(start).Round(time.Millisecond))
	failed, _ := exec("systemctl", "--failed", "--no-legend", "--plain")
	switch state {
	case "running":
	case "degraded":
		t.Fatalf("the node booted degraded; systemctl --failed:\n%s", failed)
	default:
		logs, _ := docker("logs", "--tail", "40", name)
		t.Fatalf("the node did not finish booting (state %q); systemctl --failed:\n%s\ncontainer log:\n%s", state, failed, logs)
	}

	if out, err := exec("systemctl", "is-active", "ssh.service"); err != nil || out != "active" {
		t.Fatalf("ssh.service is %q (%v); want active", out, err)
	}
	if _, err := exec("test", "-s", "/etc/ssh/ssh_host_ed25519_key"); err != nil {
		t.Fatalf("the node has no SSH host key of its own: %v", err)
	}
	if out, _ := exec("cat", "/etc/machine-id"); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(out) {
		t.Fatalf("the node's machine id is %q; want one made at boot", out)
	}

	// SSH in with Vagrant's insecure key, as vagrant up does.
	ip, err := docker("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name)
	if err != nil || ip == "" {
		t.Fatalf("no IP address for %s: %q, %v", name, ip, err)
	}
	pub, err := VagrantPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := os.ReadFile(filepath.Join(filepath.Dir(pub), "vagrant"))
	if err != nil {
		t.Fatalf("Vagrant's insecure private key: %v", err)
	}
	keyFile := filepath.Join(t.TempDir(), "vagrant")
	if err := os.WriteFile(keyFile, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	ssh := func(command ...string) (string, error) {
		args := []string{"-i", keyFile, "-o", "IdentitiesOnly=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
			"vagrant@" + ip}
		out, err := r.Output(ctx, execx.Command("ssh", append(args, command...)...))
		return strings.TrimSpace(string(out)), err
	}
	if _, err := ssh("sudo", "-n", "true"); err != nil {
		t.Fatalf("ssh vagrant@%s sudo -n true: %v", ip, err)
	}
	if out, err := ssh("id", "-un"); err != nil || out != "vagrant" {
		t.Fatalf("ssh id -un = %q, %v; want vagrant", out, err)
	}
	if out, err := ssh("python3", "-c", "'import apt; print(apt.__name__)'"); err != nil || out != "apt" {
		t.Fatalf("python3 -c 'import apt' over ssh = %q, %v", out, err)
	}

	// Baked in, but off until the roles configure them.
	for _, pkg := range []string{"dnsmasq", "docker.io", "nftables", "jq", "unzip", "dnsutils", "iptables", "systemd-timesyncd"} {
		if out, err := exec("dpkg-query", "-W", "-f", "${Status}", pkg); err != nil || out != "install ok installed" {
			t.Errorf("package %s: %q, %v; want installed", pkg, out, err)
		}
	}
	for _, unit := range []string{"dnsmasq.service", "docker.service", "docker.socket", "containerd.service"} {
		if out, _ := exec("systemctl", "is-active", unit); out != "inactive" {
			t.Errorf("%s is %q; want inactive", unit, out)
		}
		if out, _ := exec("systemctl", "is-enabled", unit); out != "disabled" {
			t.Errorf("%s is %q at boot; want disabled", unit, out)
		}
	}
	// Disabled, not masked: what a role does to turn one on works.
	if _, err := exec("systemctl", "enable", "--now", "dnsmasq.service"); err != nil {
		t.Fatalf("systemctl enable --now dnsmasq: %v", err)
	}
	if out, _ := exec("systemctl", "is-active", "dnsmasq.service"); out != "active" {
		t.Fatalf("dnsmasq after enable --now is %q; want active", out)
	}

	info, err := inspect(ctx, r, image)
	if err != nil || info == nil {
		t.Fatalf("inspect %s: %v", image, err)
	}
	t.Logf("image %s: %s, box version %s", image, humanSize(info.Size), info.Version)
	if info.Version != strconv.Itoa(DockerRecipe) {
		t.Fatalf("label %s = %q; want %d", VersionLabel, info.Version, DockerRecipe)
	}
}

// TestE2ERemoveTreeUnmounts checks that removing a root file system that
// still has something mounted in it (an interrupted debootstrap) unmounts
// it instead of deleting through it.
func TestE2ERemoveTreeUnmounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatalf("this test mounts a tmpfs and needs root")
	}
	dir := filepath.Join(t.TempDir(), "rootfs")
	mnt := filepath.Join(dir, "proc")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	keep := filepath.Join(mnt, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, _ := mounts.Under(dir); len(m) != 1 || m[0] != mnt {
		t.Fatalf("mounts.Under(%s) = %q; want [%s]", dir, m, mnt)
	}
	if err := mounts.RemoveTree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still exists", dir)
	}
	if m, _ := mounts.Under(dir); len(m) != 0 {
		t.Fatalf("still mounted: %q", m)
	}
}
