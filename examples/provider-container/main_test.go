//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/pluginhost"
	"github.com/nomadbox/nomadbox/provider"
)

// TestPlugin builds the plugin, starts it the way nomadbox does and
// drives a two-node cluster through its whole life on the real Docker
// daemon: every machine it reports is reached over SSH with the key and
// user it reports.
func TestPlugin(t *testing.T) {
	for _, prog := range []string{"go", "docker", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("%s is not on PATH (docker: apt-get install docker.io; ssh, ssh-keygen: openssh-client)", prog)
		}
	}
	if out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", defaultImage).CombinedOutput(); err != nil {
		t.Fatalf("image %s is missing (run `nomadbox box build`): %v: %s", defaultImage, err, out)
	}

	bin := filepath.Join(t.TempDir(), "nomadbox-provider-container")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the plugin in %s", since(start))

	suffix := make([]byte, 3)
	rand.Read(suffix)
	c := &provider.Cluster{
		Name: "exprov-" + hex.EncodeToString(suffix),
		Dir:  t.TempDir(),
		CIDR: "192.168.231.0/24",
		Nodes: []provider.Node{
			{Name: "nomad-server1", Role: "server", Group: "servers", Address: "192.168.231.11", MemoryMiB: 256, CPUs: 1},
			{Name: "nomad-client1", Role: "client", Group: "clients", Address: "192.168.231.101", MemoryMiB: 256, CPUs: 1, Drivers: []string{"docker", "raw_exec"}},
		},
		// What nomadbox sends once the schema's defaults are applied.
		Config: map[string]any{"image": defaultImage},
	}
	network := "nomadbox-" + c.Name
	label := "label=" + clusterLabel + "=" + c.Name
	// Whatever happens above, leave nothing of the cluster behind.
	t.Cleanup(func() {
		if ids := dockerOut(t, "ps", "-aq", "--filter", label); ids != "" {
			t.Logf("cleanup: removing containers %s", strings.Fields(ids))
			dockerOut(t, append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		for _, id := range strings.Fields(dockerOut(t, "network", "ls", "-q", "--filter", label)) {
			t.Logf("cleanup: removing network %s", id)
			dockerOut(t, "network", "rm", id)
		}
	})

	var stderr syncBuffer
	p, err := pluginhost.Launch(context.Background(), pluginhost.LaunchOptions{Name: "container", Path: bin, Stderr: &stderr})
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			t.Logf("the plugin's stderr:\n%s", stderr.String())
		}
	})
	ctx := context.Background()

	d, err := p.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := provider.Capabilities{ParallelUp: true, CanHalt: true, ReportsAddresses: true}
	if d.Name != "container" || d.Protocol != provider.ProtocolVersion || d.Capabilities != want {
		t.Fatalf("Describe = %+v", d)
	}
	s, err := p.Schema(ctx)
	if err != nil || len(s.Attributes) != 1 || s.Attributes[0].Name != "image" || s.Attributes[0].Default != defaultImage {
		t.Fatalf("Schema = %+v, %v", s, err)
	}
	bad := *c
	bad.Config = map[string]any{"image": " "}
	diags, err := p.Validate(ctx, &bad)
	if err != nil || len(diags) != 1 || diags[0].Path.Attribute() != "image" || diags[0].Severity != provider.SeverityError {
		t.Fatalf("Validate of an empty image = %+v, %v; want an error at image", diags, err)
	}
	if diags, err := p.Validate(ctx, c); err != nil || len(diags) != 0 {
		t.Fatalf("Validate = %+v, %v; want none", diags, err)
	}
	if f, err := p.VagrantFragment(ctx, c, "nomad-server1"); err != nil || f != "" {
		t.Fatalf("VagrantFragment = %q, %v", f, err)
	}

	step := func(name string, f func(provider.Progress) error) []string {
		t.Helper()
		var lines []string
		var mu sync.Mutex
		start := time.Now()
		err := f(func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s took %s: %q", name, since(start), lines)
		return lines
	}

	// Preflight's fix for a missing image, with the failed command.
	missing := *c
	missing.Config = map[string]any{"image": "nomadbox/node:exprov-missing"}
	err = p.Preflight(ctx, &missing, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "nomadbox box build") || !strings.Contains(err.Error(), "docker image inspect") {
		t.Fatalf("Preflight with a missing image: %v; want the fix and the failed command", err)
	}
	t.Logf("Preflight with a missing image: %v", err)

	step("Preflight", func(pr provider.Progress) error { return p.Preflight(ctx, c, pr) })
	key := filepath.Join(c.Dir, "container-provider", "id_ed25519")
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("Preflight's key %s: %v, %v; want a 0600 file", key, fi, err)
	}

	// A network of the cluster's name on another subnet (half of the
	// cluster's, to stay in its range) is refused, not reused.
	dockerOut(t, "network", "create", "--subnet", "192.168.231.0/25", "--label", clusterLabel+"="+c.Name, network)
	err = p.Up(ctx, c, nil, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "exists with subnet") {
		t.Fatalf("Up with network %s on another subnet: %v; want it refused", network, err)
	}
	t.Logf("Up with the network on another subnet: %v", err)
	dockerOut(t, "network", "rm", network)

	lines := step("Up", func(pr provider.Progress) error { return p.Up(ctx, c, nil, pr) })
	wantLines(t, lines, "nomad-server1: created (192.168.231.2)", "nomad-client1: created (192.168.231.3)")
	ms := list(t, p, c, "running", "running")
	for _, m := range ms {
		ssh(t, m)
	}
	ids := containerIDs(t, label)
	// Each node got its size, and only the client, whose drivers need
	// it, Docker's seccomp profile lifted.
	for node, seccomp := range map[string]bool{"nomad-server1": false, "nomad-client1": true} {
		got := dockerOut(t, "inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.SecurityOpt}}", c.Name+"-"+node)
		if !strings.HasPrefix(got, "268435456 1000000000 ") || strings.Contains(got, "seccomp=unconfined") != seccomp {
			t.Fatalf("%s: memory, CPUs and security options %q; want 256 MiB, 1 CPU, seccomp unconfined %v", node, got, seccomp)
		}
	}

	lines = step("second Up", func(pr provider.Progress) error { return p.Up(ctx, c, nil, pr) })
	wantLines(t, lines, "nomad-server1: already running (192.168.231.2)", "nomad-client1: already running (192.168.231.3)")
	if again := containerIDs(t, label); again != ids {
		t.Fatalf("the second Up changed the containers: %s, then %s", ids, again)
	}
	if n := strings.Count(authorizedKeys(t, c.Name+"-nomad-client1"), "nomadbox-"+c.Name); n != 1 {
		t.Fatalf("authorized_keys holds the cluster's key %d times after two Ups; want once", n)
	}

	step("Halt nomad-client1", func(pr provider.Progress) error { return p.Halt(ctx, c, []string{"nomad-client1"}, pr) })
	list(t, p, c, "stopped", "running")

	lines = step("third Up", func(pr provider.Progress) error { return p.Up(ctx, c, nil, pr) })
	wantLines(t, lines, "nomad-server1: already running (192.168.231.2)", "nomad-client1: started (192.168.231.3)")
	ms = list(t, p, c, "running", "running")
	ssh(t, ms[0])

	step("Destroy", func(pr provider.Progress) error { return p.Destroy(ctx, c, nil, pr) })
	if ms, err := p.List(ctx, c); err != nil || len(ms) != 0 {
		t.Fatalf("List after Destroy = %+v, %v; want none", ms, err)
	}
	if ids := dockerOut(t, "ps", "-aq", "--filter", label); ids != "" {
		t.Fatalf("containers left after Destroy: %s", ids)
	}
	if nets := dockerOut(t, "network", "ls", "--format", "{{.Name}}"); slices.Contains(strings.Fields(nets), network) {
		t.Fatalf("network %s left after Destroy", network)
	}
	if _, err := os.Stat(filepath.Dir(key)); !os.IsNotExist(err) {
		t.Fatalf("the key directory is left after Destroy: %v", err)
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "docker run") && strings.Contains(l, "nomad-client1") {
			t.Logf("from the plugin's log: %s", l)
		}
	}
}

// list checks List reports both nodes, sorted, in these states, at the
// addresses Up asked for, reachable with the cluster's key.
func list(t *testing.T, p provider.Provider, c *provider.Cluster, client, server string) []provider.Machine {
	t.Helper()
	ms, err := p.List(context.Background(), c)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []provider.Machine{
		{Name: "nomad-client1", State: client, Address: "192.168.231.3"},
		{Name: "nomad-server1", State: server, Address: "192.168.231.2"},
	}
	for i := range want {
		want[i].SSH = provider.SSH{Host: want[i].Address, Port: 22, User: "vagrant", PrivateKeyPath: filepath.Join(c.Dir, "container-provider", "id_ed25519")}
	}
	if !slices.Equal(ms, want) {
		t.Fatalf("List = %+v\nwant %+v", ms, want)
	}
	t.Logf("List: %s %s %s, %s %s %s", ms[0].Name, ms[0].State, ms[0].Address, ms[1].Name, ms[1].State, ms[1].Address)
	return ms
}

// ssh logs into m as List says to and asks systemd whether the node has
// booted: proof of sshd, the key, the user and a working init.
func ssh(t *testing.T, m provider.Machine) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command("ssh",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
		"-i", m.SSH.PrivateKeyPath, "-p", "22", m.SSH.User+"@"+m.SSH.Host,
		"hostname; systemctl is-system-running --wait").CombinedOutput()
	got := strings.Fields(string(out))
	// "degraded" is a booted system with a failed unit; the exit status
	// says so, but the login worked, which is what is tested here.
	if len(got) != 2 || got[0] != m.Name || (got[1] != "running" && got[1] != "degraded") {
		t.Fatalf("ssh %s@%s: %v\n%s", m.SSH.User, m.SSH.Host, err, out)
	}
	t.Logf("ssh %s@%s (%s): hostname %s, system %s, in %s", m.SSH.User, m.SSH.Host, m.Name, got[0], got[1], since(start))
}

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Fatalf("progress %q; want a line %q", got, w)
		}
	}
}

// containerIDs names each container of the cluster and when it last
// started: a container made or restarted again shows.
func containerIDs(t *testing.T, label string) string {
	t.Helper()
	ids := strings.Fields(dockerOut(t, "ps", "-aq", "--filter", label))
	return dockerOut(t, append([]string{"inspect", "--format", "{{.Name}} {{.Id}} {{.State.StartedAt}}"}, ids...)...)
}

func authorizedKeys(t *testing.T, ctr string) string {
	return dockerOut(t, "exec", ctr, "cat", "/home/vagrant/.ssh/authorized_keys")
}

func dockerOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// syncBuffer collects the plugin's stderr, which go-plugin copies from
// its own goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
