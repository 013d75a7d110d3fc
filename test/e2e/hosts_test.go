//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/internal/state"
	"github.com/nomadbox/nomadbox/internal/testtools"
)

// existingHost is a container the test starts itself with `docker run`
// (not Vagrant, not a provider), with systemd and sshd: a machine that
// exists before nomadbox and must outlive it.
type existingHost struct {
	node, container, addr string
	client                bool
}

// TestExistingHosts provisions hosts that already exist with the ssh
// provider. First the roles applied by themselves (example.yml, with a
// hand-written inventory) make a cluster of a server and a client that
// verify finds healthy; then nomadbox takes those hosts over: at addresses the CIDR would not give them, their keys
// recorded on first contact; a fourth host is planned and added alone
// without restarting the others' agents; a changed host key is refused
// (and destroy keeps the secrets then); destroy uninstalls everything and
// leaves the hosts running with their own resolver back.
func TestExistingHosts(t *testing.T) {
	const name, cidr = "e2e-hosts", "192.168.186.0/24"
	c := newCluster(t, name, cidr, 1, 2)
	network := "nomadbox-" + name
	hosts := []existingHost{
		{node: "nomad-server1", addr: c.hostIP(21)},
		{node: "nomad-client1", addr: c.hostIP(31), client: true},
		{node: "nomad-client2", addr: c.hostIP(32), client: true},
		{node: "nomad-client3", addr: c.hostIP(33), client: true},
	}
	key := startExistingHosts(t, name, network, cidr, hosts)
	resolvers := map[string]string{}
	for _, h := range hosts {
		resolvers[h.node] = dockerExec(t, h.container, "cat /etc/resolv.conf")
	}
	// Before nomadbox ever reaches them: the roles by themselves
	// (example.yml) make a working cluster of the first two hosts, which
	// `up` then takes over, alone first: it turns gossip encryption on,
	// which the agents that run get in the roll after the services step,
	// so a host new in the same run would start its Consul client with
	// the key before any server has it, and time out joining.
	provisionWithExample(t, c, key, hosts[0], hosts[1])
	clientCount := regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  count += )\d+`)
	c.useSSHHosts(key, hosts[:2])
	c.editTopology(clientCount, "${1}1")
	c.mustRun("up")
	c.editTopology(clientCount, "${1}2")
	c.useSSHHosts(key, hosts[:3])
	c.mustRun("up")
	renderDir := filepath.Join(c.dir, ".nomadbox", name)

	t.Run("the agents run at the listed addresses and the host keys are recorded", func(t *testing.T) {
		c := c.with(t)
		var members []struct {
			Name string
			Addr string
		}
		getJSON(t, "http://"+hosts[0].addr+":8500/v1/agent/members", &members)
		got := map[string]string{}
		for _, m := range members {
			got[m.Name] = m.Addr
		}
		for _, h := range hosts[:3] {
			if got[h.node] != h.addr {
				t.Errorf("Consul member %s is at %q, want the listed %s (members: %v)", h.node, got[h.node], h.addr, got)
			}
		}
		known, err := os.ReadFile(filepath.Join(renderDir, "ssh_known_hosts"))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hosts[:3] {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(h.addr) + ` ssh-`).Match(known) {
				t.Errorf("no host key of %s (%s) recorded:\n%s", h.node, h.addr, known)
			}
		}
		c.provisionChangesNothing(3)
	})

	t.Run("a fourth host is planned and added alone; the others keep their agents", func(t *testing.T) {
		c := c.with(t)
		before := agentPIDs(t, hosts[:3])
		c.useSSHHosts(key, hosts)
		c.editTopology(regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  count += )2`), "${1}3")
		r := c.mustRun("up", "--dry-run")
		if !strings.Contains(r.stdout, "+ nomad-client3  (existing host: install the agents)") {
			t.Errorf("the plan does not add nomad-client3:\n%s", r.stdout)
		}
		for _, h := range hosts[:3] {
			if regexp.MustCompile(`[+-] ` + h.node + `\b|~ ` + h.node + `\b`).MatchString(r.stdout) {
				t.Errorf("the plan touches %s:\n%s", h.node, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "Plan: 1 to create, 0 to drain and remove, 0 to reconfigure.") {
			t.Errorf("want exactly one host added and no agent reconfigured:\n%s", r.stdout)
		}
		c.mustRun("up")
		after := agentPIDs(t, hosts[:3])
		for unit, pid := range before {
			if after[unit] != pid {
				t.Errorf("%s restarted while a host was added (pid %s -> %s)", unit, pid, after[unit])
			}
		}
		if rep, _ := c.verify(); !rep.Healthy {
			t.Errorf("not healthy with the fourth host: %+v", rep)
		}
	})

	t.Run("a changed host key is refused, and destroy then keeps the secrets", func(t *testing.T) {
		c := c.with(t)
		h := hosts[3]
		// Keep the host's keys, give it new ones, and put them back after.
		dockerExec(t, h.container, "mkdir -p /root/keys && cp -a /etc/ssh/ssh_host_* /root/keys/ && rm /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh")
		defer dockerExec(t, h.container, "cp -a /root/keys/ssh_host_* /etc/ssh/ && systemctl restart ssh")
		r := c.run("up")
		if r.code == 0 || !strings.Contains(r.stderr+r.stdout, "SSH host key of nomad-client3 ("+h.addr+") changed") {
			t.Errorf("up with a changed host key: want a refusal naming the host\n%s", r)
		}
		// Refused in the machines phase: not found out by a verify that
		// fails over SSH and a repair provision after it.
		if strings.Contains(r.stdout+r.stderr, "provisioning to repair") {
			t.Errorf("up with a changed host key went on to verify and repair before refusing\n%s", r)
		}
		if n := strings.Count(r.stderr+r.stdout, "SHA256:"); n < 2 {
			t.Errorf("the refusal should show the recorded and the offered fingerprint (%d seen)\n%s", n, r)
		}
		r = c.run("destroy", "--force")
		if r.code == 0 {
			t.Errorf("destroy succeeded while a host could not be reached safely\n%s", r)
		}
		if _, err := os.Stat(filepath.Join(renderDir, "secrets")); err != nil {
			t.Errorf("destroy that could not clean every host removed the secrets: %v", err)
		}
	})

	t.Run("destroy uninstalls everything and the hosts keep running", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("destroy", "--force")
		if _, err := os.Stat(renderDir); !os.IsNotExist(err) {
			t.Errorf("the render directory is still there after destroy: %v", err)
		}
		for _, h := range hosts {
			if state := strings.TrimSpace(dockerOut(t, "inspect", "--format", "{{.State.Running}}", h.container)); state != "true" {
				t.Errorf("%s no longer runs after destroy", h.container)
				continue
			}
			left := dockerExec(t, h.container, `for p in /etc/systemd/system/consul.service /etc/systemd/system/nomad.service /etc/consul.d /etc/nomad.d /opt/consul /opt/nomad /usr/local/bin/consul /usr/local/bin/nomad /etc/nftables.d /etc/dnsmasq.d/10-consul; do [ -e "$p" ] && echo "$p"; done; nft list table inet nomadbox >/dev/null 2>&1 && echo "nft table nomadbox"; pgrep -x consul; pgrep -x nomad; true`)
			if left != "" {
				t.Errorf("%s still has after destroy:\n%s", h.node, left)
			}
			if got := dockerExec(t, h.container, "cat /etc/resolv.conf"); got != resolvers[h.node] {
				t.Errorf("%s: resolv.conf after destroy\n%s\nwant the original\n%s", h.node, got, resolvers[h.node])
			}
		}
	})
}

// startExistingHosts runs the hosts as containers of the node image on
// a network of the test's own, authorizes a key of the test's own for
// the vagrant user and waits for sshd. It returns the private key.
func startExistingHosts(t *testing.T, name, network, cidr string, hosts []existingHost) string {
	t.Helper()
	cleanup := func() {
		for i := range hosts {
			exec.Command("docker", "rm", "-f", name+"-"+hosts[i].node).Run()
		}
		exec.Command("docker", "network", "rm", network).Run()
	}
	cleanup()
	t.Cleanup(cleanup)
	dockerOut(t, "network", "create", "--subnet", cidr, network)
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	for i := range hosts {
		h := &hosts[i]
		h.container = name + "-" + h.node
		args := []string{"run", "-d", "--name", h.container, "--hostname", h.node, "--network", network, "--ip", h.addr,
			"--tmpfs", "/run", "--tmpfs", "/run/lock", "--cap-add", "NET_ADMIN"}
		if h.client {
			args = append(args, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cap-add", "SYS_ADMIN",
				"--security-opt", "apparmor=unconfined", "--security-opt", "seccomp=unconfined")
		} else {
			args = append(args, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro")
		}
		dockerOut(t, append(args, "nomadbox/node:bookworm")...)
	}
	for _, h := range hosts {
		deadline := time.Now().Add(90 * time.Second)
		for {
			out, err := exec.Command("docker", "exec", h.container, "systemctl", "is-active", "ssh").Output()
			if err == nil && strings.TrimSpace(string(out)) == "active" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: sshd did not start within 90s (%s)", h.container, out)
			}
			time.Sleep(time.Second)
		}
		dockerExec(t, h.container, fmt.Sprintf("install -d -m 700 -o vagrant -g vagrant /home/vagrant/.ssh && echo %q > /home/vagrant/.ssh/authorized_keys && chown vagrant:vagrant /home/vagrant/.ssh/authorized_keys && chmod 600 /home/vagrant/.ssh/authorized_keys", strings.TrimSpace(string(pub))))
	}
	return key
}

// useSSHHosts makes the topology's provider ssh with hosts at their
// addresses.
func (c *cluster) useSSHHosts(key string, hosts []existingHost) {
	c.t.Helper()
	c.editTopology(providerBlock, sshProvider(key, hosts))
}

var providerBlock = regexp.MustCompile(`(?s)\nprovider "(docker|ssh)" \{.*?\n\}`)

// sshProvider is the ssh provider's block with hosts at their addresses.
func sshProvider(key string, hosts []existingHost) string {
	var lines []string
	for _, h := range hosts {
		lines = append(lines, fmt.Sprintf("    %q = %q", h.node, h.addr))
	}
	return fmt.Sprintf("\nprovider \"ssh\" {\n  user        = \"vagrant\"\n  private_key = %q\n  hosts = {\n%s\n  }\n}", key, strings.Join(lines, "\n"))
}

// provisionWithExample applies the roles without nomadbox: example.yml
// from a rendered tree stripped of everything nomadbox generates (the
// inventory, its variables, the agents' configuration and the secrets),
// with an inventory written by hand as a user would, gossip encryption,
// ACLs and TLS off. Then `nomadbox verify --canary` checks the two hosts
// through a topology of their own (the ssh provider naming them) and a
// render directory of its own, so the cluster's own state stays as it
// was: its host keys are recorded by `up` on first contact. Two things
// only `up` writes are written by the test in that render directory:
// the hosts' keys (verify's DNS check reaches the nodes over SSH with
// StrictHostKeyChecking; ssh-keyscan, and Ansible checks them too) and
// the applied topology (verify checks only hosts an `up` recorded).
func provisionWithExample(t *testing.T, c *cluster, key string, server, client existingHost) {
	t.Helper()
	start := time.Now()
	ex := *c
	ex.t, ex.dir = t, t.TempDir()
	src, err := os.ReadFile(filepath.Join(c.dir, "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  count += )2`), "${1}1"},
		{providerBlock, sshProvider(key, []existingHost{server, client})},
		{regexp.MustCompile(`(gossip_encryption += )true`), "${1}false"},
	} {
		if !e.re.Match(src) {
			t.Fatalf("topology.hcl has nothing matching %s", e.re)
		}
		src = e.re.ReplaceAll(src, []byte(e.repl))
	}
	if err := os.WriteFile(filepath.Join(ex.dir, "topology.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	render := filepath.Join(ex.dir, "render")
	ex.mustRun("render", "-o", render)
	ansibleDir := filepath.Join(render, "ansible")
	for _, generated := range []string{"ansible/inventory.yml", "ansible/group_vars", "ansible/host_vars", "ansible/config", "secrets"} {
		if err := os.RemoveAll(filepath.Join(render, generated)); err != nil {
			t.Fatal(err)
		}
	}
	inventory := fmt.Sprintf(`all:
  vars:
    ansible_user: vagrant
    ansible_ssh_private_key_file: %q
    nomadbox_install_method: local
    nomadbox_consul_version: %q
    nomadbox_nomad_version: %q
    nomadbox_consul_binary: %q
    nomadbox_nomad_binary: %q
    nomadbox_docker_package: docker.io
    nomadbox_firewall_api_sources: [%q]
  children:
    servers:
      vars:
        nomadbox_role: server
      hosts:
        %s: {ansible_host: %s, nomadbox_private_ip: %s}
    clients:
      vars:
        nomadbox_role: client
        nomadbox_drivers: [docker, raw_exec]
      hosts:
        %s: {ansible_host: %s, nomadbox_private_ip: %s}
`, key, testtools.ConsulVersion, testtools.NomadVersion, testtools.Consul(t), testtools.Nomad(t), c.cidr,
		server.node, server.addr, server.addr, client.node, client.addr, client.addr)
	if err := os.WriteFile(filepath.Join(ansibleDir, "inv.yml"), []byte(inventory), 0o644); err != nil {
		t.Fatal(err)
	}
	scan, err := exec.Command("ssh-keyscan", "-T", "10", server.addr, client.addr).Output()
	if err != nil {
		t.Fatalf("ssh-keyscan: %v", err)
	}
	if err := os.WriteFile(filepath.Join(render, "ssh_known_hosts"), scan, 0o600); err != nil {
		t.Fatal(err)
	}
	play := time.Now()
	if out, err := testtools.Output(ansibleDir, nil, "ansible-playbook", "-i", "inv.yml", "example.yml"); err != nil {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		t.Fatalf("ansible-playbook example.yml: %v\n%s", err, strings.Join(lines, "\n"))
	}
	t.Logf("example.yml: %.1fs", time.Since(play).Seconds())

	// verify on the ssh provider checks only hosts a successful `up`
	// recorded (Session.Exists reads the applied topology of the render
	// directory); these hosts run exactly the example's topology, so the
	// test records it there, with the code `up` saves it with. Nothing
	// else of up's state is written.
	topo, diags := providers.NewParser().Parse(src, filepath.Join(ex.dir, "topology.hcl"))
	if diags.HasErrors() {
		t.Fatalf("the example's topology: %s", diags.Error())
	}
	if err := state.Snapshot(topo, nil).Save(render, src); err != nil {
		t.Fatal(err)
	}
	rep, r := ex.verify("--canary", "--wait", "2m", "-o", render)
	if !rep.Healthy {
		t.Fatalf("the cluster example.yml made is not healthy:\n%s", r)
	}
	passed := map[string]bool{}
	for _, ch := range rep.Checks {
		if ch.OK && !ch.Skipped {
			passed[ch.Name+" "+ch.Node] = true
		}
	}
	for _, want := range []string{
		"consul-member " + server.node, "consul-member " + client.node,
		"nomad-server " + server.node, "nomad-client " + client.node,
		"dns " + server.node, "dns " + client.node,
		"canary:docker " + client.node, "canary:raw_exec " + client.node,
	} {
		if !passed[want] {
			t.Errorf("verify has no passing check %q:\n%s", want, r)
		}
	}
	var members []struct {
		Name, Addr string
		Status     int
	}
	getJSON(t, "http://"+server.addr+":8500/v1/agent/members", &members)
	got := map[string]string{}
	for _, m := range members {
		if m.Status == 1 {
			got[m.Name] = m.Addr
		}
	}
	if len(got) != 2 || got[server.node] != server.addr || got[client.node] != client.addr {
		t.Errorf("Consul's alive members %v, want %s at %s and %s at %s", got, server.node, server.addr, client.node, client.addr)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("the roles by themselves: a healthy cluster in %.1fs (example.yml, verify --canary)", time.Since(start).Seconds())
}

// agentPIDs maps "<node> <unit>" to the main PID of Consul and Nomad.
func agentPIDs(t *testing.T, hosts []existingHost) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range hosts {
		for _, unit := range []string{"consul", "nomad"} {
			pid := dockerExec(t, h.container, "systemctl show -p MainPID --value "+unit)
			if pid == "" || pid == "0" {
				t.Fatalf("%s: %s is not running", h.node, unit)
			}
			out[h.node+" "+unit] = pid
		}
	}
	return out
}

func dockerExec(t *testing.T, container, script string) string {
	t.Helper()
	return strings.TrimSpace(dockerOut(t, "exec", container, "bash", "-c", script))
}

func dockerOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := testtools.Output("", nil, "docker", args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
