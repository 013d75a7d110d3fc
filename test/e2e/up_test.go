//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDefaultCluster is the default topology (1 server, 2 clients with the
// docker and raw_exec drivers, dnsmasq, firewall) on the docker provider:
// up, verify, DNS, listening addresses, an idempotent second provision,
// a broken agent found by verify and repaired by provision, and a destroy
// that leaves nothing behind.
func TestDefaultCluster(t *testing.T) {
	const name, cidr = "e2e-default", "192.168.181.0/24"
	c := newCluster(t, name, cidr, 1, 2)
	// What init writes; verify below expects raw_exec healthy.
	c.clientDrivers(`["docker", "raw_exec"]`, true)
	server, client1 := c.hostIP(11), c.hostIP(101)

	t.Run("SIGTERM to up alone mid-provision stops it and removes the new machines", func(t *testing.T) {
		c.with(t).sigtermUpMidProvision()
	})

	c.mustRun("up")

	t.Run("the docker provider made the containers itself, not Vagrant", func(t *testing.T) {
		c := c.with(t)
		c.madeBy(false, "nomad-server1", "nomad-client1", "nomad-client2")
	})

	// Before any later subtest reloads systemd. A reload costs a second or
	// more on a busy node. Enabling a unit that also has an /etc/init.d
	// script (dnsmasq, docker) ran update-rc.d, which reloaded twice per
	// unit whatever --no-reload said, until nomadbox_services set
	// SYSTEMCTL_SKIP_SYSV; and the units the first provision writes are new
	// to systemd, which reads a unit it never loaded from its file when
	// first asked for it, so that provision needs no reload at all (the
	// repair subtest below proves a changed unit still gets one).
	t.Run("the first provision does not reload systemd", func(t *testing.T) {
		c := c.with(t)
		for _, node := range []string{"nomad-server1", "nomad-client1"} {
			log := c.ssh(node, "sudo journalctl -b --no-pager -o cat _PID=1 | grep -c '^Reloading' || true")
			if n, err := strconv.Atoi(strings.TrimSpace(log)); err != nil || n != 0 {
				t.Errorf("%s: systemd reloaded %q times during the first up, want 0", node, log)
			}
		}
	})

	// The probe reads a binary only when its size or mtime differ from
	// the cache's entry; the node image wrote the entries of its own.
	t.Run("the checksum cache holds the binaries' true checksums", func(t *testing.T) {
		c := c.with(t)
		var cache map[string]struct{ SHA256 string }
		if err := json.Unmarshal([]byte(c.ssh("nomad-client1", "cat /usr/local/lib/nomadbox/checksums.json")), &cache); err != nil {
			t.Fatal(err)
		}
		for _, bin := range []string{"/usr/local/bin/consul", "/usr/local/bin/nomad"} {
			sum, _, _ := strings.Cut(c.ssh("nomad-client1", "sha256sum "+bin), " ")
			if cache[bin].SHA256 != sum {
				t.Errorf("%s: cache says %q, sha256sum %q", bin, cache[bin].SHA256, sum)
			}
		}
	})

	t.Run("verify is healthy with every check ok", func(t *testing.T) {
		c := c.with(t)
		rep, r := c.verify()
		if r.code != 0 || !rep.Healthy {
			t.Fatalf("verify: %s", r)
		}
		clients := map[string]bool{}
		for _, ch := range rep.Checks {
			if !ch.OK {
				t.Errorf("check %s %s failed: %s", ch.Name, ch.Node, ch.Detail)
			}
			if ch.Name == "nomad-client" {
				clients[ch.Node] = true
				if !strings.Contains(ch.Detail, "docker") || !strings.Contains(ch.Detail, "raw_exec") {
					t.Errorf("%s: drivers not reported healthy: %s", ch.Node, ch.Detail)
				}
			}
		}
		if !clients["nomad-client1"] || !clients["nomad-client2"] {
			t.Errorf("verify did not check both clients: %v", clients)
		}
	})

	t.Run("consul.service.consul resolves through the local forwarder", func(t *testing.T) {
		c := c.with(t)
		got := c.ssh("nomad-client1", "dig +short consul.service.consul")
		if got != server {
			t.Errorf("dig on nomad-client1 answered %q, want %s", got, server)
		}
		if ns := c.ssh("nomad-client1", "grep ^nameserver /etc/resolv.conf"); ns != "nameserver 127.0.0.1" {
			t.Errorf("resolv.conf does not point at dnsmasq: %q", ns)
		}
	})

	t.Run("agents listen on the private address", func(t *testing.T) {
		c := c.with(t)
		for node, want := range map[string][]string{
			// Consul's gRPC (for Nomad's Connect sidecars) on loopback only.
			"nomad-server1": {server + ":8300", server + ":8301", server + ":8500", server + ":4646", server + ":4647", server + ":4648", "127.0.0.1:8502"},
			"nomad-client1": {client1 + ":8301", client1 + ":8500", client1 + ":4646", "127.0.0.1:8502"},
		} {
			listening := c.ssh(node, "sudo ss -Hltn | awk '{print $4}'")
			for _, addr := range want {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(addr) + `$`).MatchString(listening) {
					t.Errorf("%s does not listen on %s; listening:\n%s", node, addr, listening)
				}
			}
			for _, port := range []string{"8301", "4646", "4647", "8502"} {
				if regexp.MustCompile(`(?m)^(0\.0\.0\.0|\*|\[::\]):` + port + `$`).MatchString(listening) {
					t.Errorf("%s listens on all interfaces on %s:\n%s", node, port, listening)
				}
			}
			if strings.Contains(listening, server+":8502") || strings.Contains(listening, client1+":8502") {
				t.Errorf("%s's Consul gRPC listens on the private address:\n%s", node, listening)
			}
		}
	})

	t.Run("the firewall separates peers from the world", func(t *testing.T) {
		c := c.with(t)
		c.firewallSeparates("4646", "8500")
	})

	t.Run("a second provision changes nothing", func(t *testing.T) {
		c := c.with(t)
		c.provisionChangesNothing(3)
	})

	t.Run("verify names a stopped agent and provision repairs it", func(t *testing.T) {
		c := c.with(t)
		c.ssh("nomad-client2", "sudo systemctl stop nomad")
		rep, r := c.verify()
		if r.code != 1 || rep.Healthy {
			t.Fatalf("verify with a stopped Nomad agent: %s", r)
		}
		named := false
		for _, ch := range rep.Checks {
			if !ch.OK && ch.Name == "nomad-client" && ch.Node == "nomad-client2" {
				named = true
			}
			// Cluster-wide checks may fail too, but only because of
			// nomad-client2 (its Nomad no longer registered in Consul).
			if !ch.OK && ch.Node != "nomad-client2" && !strings.Contains(ch.Detail, "nomad-client2") {
				t.Errorf("check %s %s failed too: %s", ch.Name, ch.Node, ch.Detail)
			}
		}
		if !named {
			t.Errorf("verify did not name nomad-client2's nomad-client check: %s", r.stdout)
		}
		// A hand-edited unit of a unit systemd has loaded: provision puts
		// the file back, and systemd must reload to see it again (it
		// reports NeedDaemonReload=yes from the edit on until then).
		const unit = "/etc/systemd/system/nomad.service"
		c.ssh("nomad-client2", "sudo sed -i '1i # edited by hand' "+unit)
		c.mustRun("provision")
		if rep, r := c.verify("--wait", "3m"); r.code != 0 || !rep.Healthy {
			t.Fatalf("verify after provision: %s", r)
		}
		if got := c.ssh("nomad-client2", "grep -c '^# edited by hand' "+unit+" || true; systemctl show -p NeedDaemonReload nomad"); got != "0\nNeedDaemonReload=no" {
			t.Errorf("after provision, nomad-client2's %s: want the edit gone and systemd reloaded (0, NeedDaemonReload=no), got %q", unit, got)
		}
	})

	// Issue: `up --dry-run` said "no changes" for a firewall edit and the
	// next up changed the firewall on every node. The plan now compares
	// the edited topology with what the last provision applied.
	t.Run("a firewall edit is planned, survives a render and is applied without restarts", func(t *testing.T) {
		c := c.with(t)
		nodes := []string{"nomad-server1", "nomad-client1", "nomad-client2"}
		const line = "~ firewall: open 7779/tcp on 3 nodes (no restart)"
		defer c.listen("nomad-server1", "7779")()
		reach := func() error {
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(server, "7779"), 3*time.Second)
			if err == nil {
				conn.Close()
			}
			return err
		}
		if reach() == nil {
			t.Fatalf("nomad-server1:7779 answers this machine before the firewall opens it")
		}
		c.editTopology(regexp.MustCompile(`(?s)\nfirewall \{.*?\n\}`), "\nfirewall {\n  enabled = true\n  extra_ports = [\"7779/tcp\"]\n}")
		if r := c.mustRun("up", "--dry-run"); !strings.Contains(r.stdout, line) || strings.Contains(r.stdout, "Plan: no changes.") {
			t.Fatalf("the dry run does not name the firewall edit (want %q):\n%s", line, r.stdout)
		}
		// A render in between writes the edited tree; the plan still
		// compares with what the nodes carry.
		c.mustRun("render")
		r := c.mustRun("up", "--dry-run", "--json")
		var pl struct {
			Empty      bool `json:"empty"`
			Provisions bool `json:"provisions"`
			Edits      []struct {
				What     string   `json:"what"`
				Nodes    []string `json:"nodes"`
				Restarts []string `json:"restarts"`
			} `json:"edits"`
			Changes []any `json:"changes"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &pl); err != nil {
			t.Fatalf("up --dry-run --json after render: %v\n%s", err, r)
		}
		if pl.Empty || !pl.Provisions || len(pl.Edits) != 1 || pl.Edits[0].What != "firewall: open 7779/tcp" ||
			len(pl.Edits[0].Nodes) != 3 || len(pl.Edits[0].Restarts) != 0 || len(pl.Changes) != 0 {
			t.Fatalf("up --dry-run --json after render: want one firewall edit on 3 nodes and no restart:\n%s", r.stdout)
		}
		before := c.agentStarts(nodes)
		c.mustRun("up")
		if err := reach(); err != nil {
			t.Errorf("after up, nomad-server1:7779 does not answer this machine: %v", err)
		}
		if after := c.agentStarts(nodes); !maps.Equal(before, after) {
			t.Errorf("the plan named no restart, but agents restarted:\nbefore %v\nafter  %v", before, after)
		}
		if r := c.mustRun("up", "--dry-run"); !strings.Contains(r.stdout, "Plan: no changes.") {
			t.Errorf("after up, the dry run still plans:\n%s", r.stdout)
		}
		if r := c.mustRun("up"); !strings.Contains(r.stdout, "provision done in 0.0s: no changes") {
			t.Errorf("an up with an empty plan ran Ansible:\n%s", r.stdout)
		}
	})

	// The rendered tree is plain Ansible: --check --diff shows what a run
	// would put back and where, and --tags selects one role's work.
	t.Run("--check --diff names hand-edited files and their node; --tags firewall and --tags consul each put back their own", func(t *testing.T) {
		c := c.with(t)
		nodes := []string{"nomad-server1", "nomad-client1", "nomad-client2"}
		const ruleset, consulHCL = "/etc/nftables.d/nomadbox.nft", "/etc/consul.d/consul.hcl"
		c.ssh("nomad-client1", "echo '# edited by hand' | sudo tee -a "+ruleset+" "+consulHCL+" >/dev/null")
		edits := func(node string) string {
			return c.ssh(node, "sudo grep -c '^# edited by hand' "+ruleset+" "+consulHCL+" || true")
		}
		before := c.agentStarts(nodes)

		check := c.ansiblePlaybook("site.yml", "--check", "--diff")
		for host, changed := range recapChanged(check) {
			if (host == "nomad-client1") != (changed != "0") {
				t.Errorf("--check --diff: %s changed=%s; want changes on the hand-edited nomad-client1 only:\n%s", host, changed, check)
			}
		}
		for _, path := range []string{ruleset, consulHCL} {
			if hosts := diffHosts(check, path); !slices.Equal(hosts, []string{"nomad-client1"}) {
				t.Errorf("--check --diff after a hand edit of %s on nomad-client1: diffs reported for %v, want [nomad-client1]:\n%s", path, hosts, check)
			}
		}
		if !strings.Contains(check, "-# edited by hand") {
			t.Errorf("--check --diff does not show the hand-edited line going:\n%s", check)
		}
		want := ruleset + ":1\n" + consulHCL + ":1"
		if got := edits("nomad-client1"); got != want {
			t.Errorf("--check changed nomad-client1's files: %q, want %q", got, want)
		}

		run := c.ansiblePlaybook("site.yml", "--tags", "firewall")
		for host, changed := range recapChanged(run) {
			if (host == "nomad-client1") != (changed != "0") {
				t.Errorf("--tags firewall: %s changed=%s; want changes on nomad-client1 only:\n%s", host, changed, run)
			}
		}
		if got := edits("nomad-client1"); got != ruleset+":0\n"+consulHCL+":1" {
			t.Errorf("after --tags firewall, nomad-client1: want the ruleset put back and consul.hcl left as edited, got %q", got)
		}
		if got := c.ssh("nomad-client1", "systemctl is-active nomadbox-firewall"); got != "active" {
			t.Errorf("after --tags firewall, the firewall on nomad-client1 is %q", got)
		}
		if after := c.agentStarts(nodes); !maps.Equal(before, after) {
			t.Errorf("--tags firewall restarted an agent:\nbefore %v\nafter  %v", before, after)
		}

		// Consul's own tag puts its file back, and the agent whose file
		// changed restarts (through the roll), alone.
		c.ansiblePlaybook("site.yml", "--tags", "consul")
		if got := edits("nomad-client1"); got != ruleset+":0\n"+consulHCL+":0" {
			t.Errorf("after --tags consul, nomad-client1: want both files put back, got %q", got)
		}
		after := c.agentStarts(nodes)
		for key := range before {
			if restarted := before[key] != after[key]; restarted != (key == "nomad-client1/consul") {
				t.Errorf("--tags consul: %s restarted=%v; want only nomad-client1's Consul restarted", key, restarted)
			}
		}
		c.provisionChangesNothing(3)

		// The roles applied by themselves (example.yml, each role's own
		// tasks) to the cluster site.yml made, with the rendered inventory:
		// they agree with it file for file and unit for unit.
		example := c.ansiblePlaybook("example.yml")
		recap := recapChanged(example)
		if len(recap) != 3 {
			t.Fatalf("example.yml: want a recap for 3 hosts:\n%s", example)
		}
		for host, changed := range recap {
			if changed != "0" {
				t.Errorf("example.yml on the cluster site.yml made: %s changed=%s, want 0 (the roles' own tasks and site.yml disagree):\n%s", host, changed, example)
			}
		}
	})

	t.Run("turning the firewall and the DNS forwarder off removes them from every node", func(t *testing.T) {
		c := c.with(t)
		c.editTopology(regexp.MustCompile(`(?s)\nfirewall \{.*?\n\}`), "\nfirewall {\n  enabled = false\n}")
		c.editTopology(regexp.MustCompile(`(?s)\ndns \{.*?\n\}`), "\ndns {\n  forwarder = \"none\"\n}")
		c.mustRun("up")
		for _, n := range []string{"nomad-server1", "nomad-client1", "nomad-client2"} {
			left := c.ssh(n, "sudo nft list table inet nomadbox >/dev/null 2>&1 && echo 'the nomadbox table';"+
				" test -e /etc/systemd/system/nomadbox-firewall.service && echo 'the firewall unit';"+
				" test -e /etc/nftables.d/nomadbox.nft && echo 'the ruleset';"+
				" test -e /etc/dnsmasq.d/10-consul && echo 'dnsmasq forwarding .consul';"+
				" systemctl is-active --quiet dnsmasq && echo 'a running dnsmasq';"+
				" test -e /etc/systemd/system/nomadbox-resolv.service && echo 'the resolver restore unit';"+
				" grep -qx 'nameserver 127.0.0.1' /etc/resolv.conf && echo 'a resolver pointing at the forwarder'; true")
			if left != "" {
				t.Errorf("%s keeps %s with the firewall and the forwarder off", n, strings.ReplaceAll(left, "\n", ", "))
			}
		}
		// What the firewall dropped now answers.
		defer c.listen("nomad-server1", "7777")()
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(server, "7777"), 3*time.Second)
		if err != nil {
			t.Errorf("with the firewall off, this machine cannot reach a listener on nomad-server1:7777: %v", err)
		} else {
			conn.Close()
		}
		c.provisionChangesNothing(3)
	})

	t.Run("destroy leaves no containers and no networks", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("destroy", "--force")
		if left := leftovers(t, name, cidr); len(left) > 0 {
			t.Errorf("destroy left %v", left)
		}
	})
}

// sigtermUpMidProvision starts `nomadbox up` on the new cluster, waits
// until Ansible starts its services, and sends SIGTERM to the nomadbox process
// alone, as timeout(1), CI runners and service managers do (a terminal's
// Ctrl-C reaches the whole process group instead). nomadbox must stop
// ansible-playbook with its workers and ssh, remove the machines it made,
// and exit non-zero within 15 s.
func (c *cluster) sigtermUpMidProvision() {
	t := c.t
	renderDir := filepath.Join(c.dir, ".nomadbox", c.name)
	cmd := exec.Command(nomadboxBin, "up")
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if t.Failed() {
			t.Logf("--- log tail\n%s", c.logTail(40))
		}
	}()

	// The services step is where the issue was seen: a worker busy on a
	// node outlives a killed ansible-playbook and holds the output pipe.
	servicesStep := func() bool {
		log, _ := os.ReadFile(filepath.Join(renderDir, "nomadbox.log"))
		return bytes.Contains(log, []byte("TASK [Restart what changed and start the node's services]")) &&
			slices.ContainsFunc(processesOf(renderDir), func(p string) bool { return strings.Contains(p, "ansible-playbook") })
	}
	deadline := time.After(10 * time.Minute)
	for !servicesStep() {
		select {
		case err := <-exited:
			t.Fatalf("up ended (%v) before Ansible reached the services step", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("Ansible did not reach the services step within 10 minutes")
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("running for the cluster before SIGTERM: %q", processesOf(renderDir))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	var err error
	select {
	case err = <-exited:
	case <-time.After(15 * time.Second):
		t.Errorf("up still runs 15 s after SIGTERM")
		select {
		case err = <-exited:
		case <-time.After(5 * time.Minute):
			cmd.Process.Kill()
			t.Fatal("up still runs 5 minutes after SIGTERM")
		}
	}
	t.Logf("up exited %v %.1fs after SIGTERM; it said:\n%s", err, time.Since(sent).Seconds(), out.String())
	if err == nil {
		t.Error("up stopped by SIGTERM exited 0")
	}
	// Killed processes are zombies until reaped: give them a moment.
	var left []string
	for wait := time.Now().Add(3 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
		if left = processesOf(renderDir); len(left) == 0 {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("processes of the stopped run are left: %q", left)
	}
	for _, l := range leftovers(t, c.name, c.cidr) {
		if strings.HasPrefix(l, "container ") {
			t.Errorf("the new cluster's %s was not removed", l)
		}
	}
}

// processesOf lists the processes (pid and command line) whose command
// line, environment or working directory names dir: ansible-playbook
// runs in the render directory with ANSIBLE_CONFIG pointing into it, and
// its workers and ssh inherit both.
func processesOf(dir string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' || pid == strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
		if err != nil || len(cmdline) == 0 {
			continue // gone, or a zombie
		}
		env, _ := os.ReadFile("/proc/" + pid + "/environ")
		cwd, _ := os.Readlink("/proc/" + pid + "/cwd")
		if bytes.Contains(cmdline, []byte(dir)) || bytes.Contains(env, []byte(dir)) || strings.HasPrefix(cwd, dir) {
			found = append(found, pid+" "+strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))))
		}
	}
	return found
}
