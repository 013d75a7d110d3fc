//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/cachedir"
	"github.com/nomadbox/nomadbox/internal/testtools"
	"github.com/nomadbox/nomadbox/internal/topology"
)

// TestVirtualMachines brings up one 1+2 cluster of libvirt virtual
// machines (real libvirtd, qemu, vagrant-libvirt, nomadbox's own box) and
// makes every check of the libvirt provider on it: the box built by up
// when missing and reused after, guest kernels and systemd, canaries, the
// web job found through Consul DNS, the firewall on the guest kernel, a
// no-op second provision, halt and up of one node (the others untouched),
// and a destroy that leaves nothing in libvirt. Under software emulation (no KVM that boots
// a guest) it takes about 15 minutes on two cores, so the test command
// runs it beside the container tests (scripts/e2e.sh).
func TestVirtualMachines(t *testing.T) {
	const name, cidr = "e2e-vm", "192.168.187.0/24"
	testtools.Require(t, "vagrant", "ansible-playbook", "docker", "ssh", "virsh", "qemu-img", "qemu-system-x86_64")
	if out, err := virsh("version"); err != nil {
		t.Fatalf("libvirt does not answer: start it (`go tool task deps`)\n%s", out)
	}
	c := newClusterOn(t, "libvirt", name, cidr, 1, 2, func() { removeVMLeftovers(t, name) })
	// Runs before the cluster is destroyed: what libvirt and qemu saw.
	t.Cleanup(func() {
		if t.Failed() {
			logVMDiagnostics(t, name)
		}
	})
	// One vCPU each: three emulated machines share two cores.
	c.editTopology(regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  memory  = )\d+`), "${1}1536")
	c.editTopology(regexp.MustCompile(`(client "nomad-client" \{[^}]*?\n  cpus    = )\d+`), "${1}1")
	c.clientDrivers(`["docker", "raw_exec"]`, false)
	server := c.hostIP(11)

	// Vagrant and libvirt keep the box outside the cluster: take it away,
	// so that this up proves it builds a missing box.
	removeLibvirtBox(t)
	up := c.mustRun("up")

	t.Run("up built the missing box and a second box build reuses it", func(t *testing.T) {
		c := c.with(t)
		if !strings.Contains(up.stdout+up.stderr, "vagrant box add "+topology.DefaultLibvirtBox) {
			t.Errorf("up did not build the missing box:\n%s", up)
		}
		r := c.mustRun("box", "build", "--provider", "libvirt")
		if !strings.Contains(r.stdout+r.stderr, "is present and current: nothing to build") {
			t.Errorf("a second box build does not say it had nothing to do:\n%s", r)
		}
		if strings.Contains(r.stdout+r.stderr, "docker build") {
			t.Errorf("a second box build built again:\n%s", r)
		}
	})

	t.Run("up named the driver the machines run under", func(t *testing.T) {
		c := c.with(t)
		var list []struct {
			Name, Driver string
			Ready        bool
		}
		r := c.mustRun("providers", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("providers --json: %v\n%s", err, r)
		}
		driver := ""
		for _, p := range list {
			if p.Name == "libvirt" {
				driver = p.Driver
			}
		}
		if driver != "kvm" && driver != "qemu" {
			t.Fatalf("providers names no libvirt driver: %s", r.stdout)
		}
		if want := "machines: libvirt, driver " + driver; !strings.Contains(up.stdout+up.stderr, want) {
			t.Errorf("up did not say %q:\n%s", want, up)
		}
		// libvirt's domain type is the driver: the machines run under it.
		for _, node := range []string{"nomad-server1", "nomad-client1"} {
			xml, err := virsh("dumpxml", name+"-"+node)
			if err != nil || !strings.Contains(xml, "<domain type='"+driver+"'") {
				t.Errorf("%s: domain is not of type %s: %v\n%.300s", node, driver, err, xml)
			}
		}
	})

	t.Run("every node is a virtual machine with its own kernel and systemd", func(t *testing.T) {
		c := c.with(t)
		host, err := exec.Command("uname", "-r").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, node := range []string{"nomad-server1", "nomad-client1", "nomad-client2"} {
			// One ssh per node: each costs seconds.
			f := strings.Split(c.ssh(node, "uname -r; ps -p 1 -o comm=; systemd-detect-virt --vm || true"), "\n")
			if len(f) != 3 {
				t.Fatalf("%s answered %q", node, f)
			}
			if k := strings.TrimSpace(f[0]); k == "" || k == strings.TrimSpace(string(host)) {
				t.Errorf("%s runs kernel %q, the host runs %q: not a machine of its own", node, k, host)
			}
			if pid1 := strings.TrimSpace(f[1]); pid1 != "systemd" {
				t.Errorf("%s: PID 1 is %q, want systemd", node, pid1)
			}
			if v := strings.TrimSpace(f[2]); v == "none" || v == "" {
				t.Errorf("%s: systemd-detect-virt --vm says %q", node, v)
			}
		}
	})

	t.Run("verify with canaries is healthy", func(t *testing.T) {
		c := c.with(t)
		rep, r := c.verify("--canary")
		if r.code != 0 || !rep.Healthy {
			t.Fatalf("verify --canary: %s", r)
		}
		canaries := 0
		for _, ch := range rep.Checks {
			if strings.HasPrefix(ch.Name, "canary:") && ch.OK && !ch.Skipped {
				canaries++
			}
		}
		// docker and raw_exec on each of the two clients.
		if canaries != 4 {
			t.Errorf("%d canaries passed, want 4:\n%s", canaries, r.stdout)
		}
	})

	t.Run("the firewall runs on the guest kernel", func(t *testing.T) {
		c := c.with(t)
		rules := c.ssh("nomad-client1", "sudo nft list table inet nomadbox")
		if !strings.Contains(rules, "policy drop") || !strings.Contains(rules, "4646") {
			t.Errorf("nomad-client1 has no default-deny nomadbox table:\n%s", rules)
		}
	})

	t.Run("web runs on both clients and resolves as web.service.consul", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("run", jobFile(t, "web"))
		api := &jobsAPI{nomad: "http://" + server + ":4646", consul: "http://" + server + ":8500"}
		// Generous: emulated machines on a loaded 2-core host start
		// tasks in minutes; the waits end as soon as the state is there.
		api.waitAllocs(t, "web", 8*time.Minute, func(running []jobsAlloc) string {
			if len(running) != 2 {
				return fmt.Sprintf("%d allocations running, want 2", len(running))
			}
			return ""
		})
		entries := api.waitPassing(t, "web", 2, 6*time.Minute)
		var want []string
		for _, e := range entries {
			want = append(want, e.addr())
		}
		dig := strings.Fields(c.ssh("nomad-client1", "dig +short web.service.consul"))
		if len(dig) != 2 || distinct(dig) != 2 || !sameSet(dig, want) {
			t.Errorf("dig +short web.service.consul on nomad-client1 answered %v, want Consul's %v", dig, want)
		}
		c.mustRun("stop", "web")
		for _, a := range api.allocs(t, "web") {
			if a.ClientStatus == "running" || a.ClientStatus == "pending" {
				t.Errorf("allocation %s on %s is still %s after stop", a.ID, a.NodeName, a.ClientStatus)
			}
		}
	})

	t.Run("a second provision changes nothing", func(t *testing.T) {
		c.with(t).provisionChangesNothing(3)
	})

	t.Run("halt one client, then up brings it back without touching the others", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("halt", "nomad-client2")
		if state, _ := virsh("domstate", name+"-nomad-client2"); !strings.Contains(state, "shut off") {
			t.Errorf("after halt, nomad-client2's domain is %q, want shut off", strings.TrimSpace(state))
		}
		agents := func(node string) string {
			return c.ssh(node, "systemctl show -p MainPID --value consul nomad | tr '\\n' ' '")
		}
		before := map[string]string{"nomad-server1": agents("nomad-server1"), "nomad-client1": agents("nomad-client1")}
		r := c.mustRun("up")
		for _, want := range []string{"~ nomad-client2  (not running: started, then provisioned)", "machines: libvirt, driver "} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("up's plan does not say %q:\n%s", want, r)
			}
		}
		if strings.Contains(r.stdout, "not applied") {
			t.Errorf("up's plan names a change nobody made:\n%s", r)
		}
		for node, pids := range before {
			if now := agents(node); now != pids {
				t.Errorf("%s: the agents' PIDs went from %s to %s: up restarted a node it had no reason to touch", node, pids, now)
			}
		}
		rep, r := c.verify()
		if r.code != 0 || !rep.Healthy {
			t.Fatalf("verify after up: %s", r)
		}
		clients := 0
		for _, ch := range rep.Checks {
			if ch.Name == "nomad-client" && ch.OK {
				clients++
			}
		}
		if clients != 2 {
			t.Errorf("%d clients healthy, want 2:\n%s", clients, r.stdout)
		}
	})

	t.Run("destroy leaves no domain, volume or network of the cluster", func(t *testing.T) {
		c := c.with(t)
		c.mustRun("destroy", "--force")
		for _, args := range [][]string{{"list", "--all", "--name"}, {"vol-list", "default"}, {"net-list", "--all", "--name"}} {
			out, err := virsh(args...)
			if err != nil {
				t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, name) {
					t.Errorf("virsh %s still lists %q after destroy", strings.Join(args, " "), strings.TrimSpace(line))
				}
			}
		}
	})
}

// logVMDiagnostics logs, for a failed run, what decides and shows how
// the machines ran: /dev/kvm and the KVM probe's cached answer, the
// domains, each of the cluster's qemu logs and libvirtd's log (their
// ends), and the host's load and memory.
func logVMDiagnostics(t *testing.T, name string) {
	t.Helper()
	var b strings.Builder
	sh := func(title, script string) {
		out, _ := exec.Command("sh", "-c", script).CombinedOutput()
		fmt.Fprintf(&b, "--- %s\n%s\n", title, strings.TrimRight(string(out), "\n"))
	}
	probe, _ := cachedir.Path("kvm-probe.json")
	sh("/dev/kvm and the KVM probe", "ls -l /dev/kvm; cat "+probe)
	sh("domains", "virsh -c qemu:///system list --all")
	// This run's logs only, and only qemu's own complaints in them.
	sh("qemu logs of the cluster", "for f in $(find /var/log/libvirt/qemu -name '"+name+"-*.log' -mmin -120); do echo \"== $f\"; grep -i -E 'error|warn|fail|terminat' \"$f\" | tail -n 3; done")
	// libvirtd logs every client that hangs up (virsh) as an error.
	sh("libvirtd", "grep -v 'End of file while reading data' /var/log/nomadbox-libvirtd.log | tail -n 5")
	sh("load and memory", "uptime; free -m | head -2")
	t.Logf("diagnostics for the failure above:\n%s", b.String())
}

// virsh runs virsh on the system connection (where vagrant-libvirt
// makes the machines).
func virsh(args ...string) (string, error) {
	return testtools.Output("", nil, "virsh", append([]string{"-c", "qemu:///system"}, args...)...)
}

// removeVMLeftovers removes what an earlier, killed run of the cluster
// left in libvirt: its domains and their disks (named <cluster>-<node>)
// and its network (nomadbox-<cluster>). Only this test's names.
func removeVMLeftovers(t *testing.T, name string) {
	t.Helper()
	out, _ := virsh("list", "--all", "--name")
	for _, d := range strings.Fields(out) {
		if strings.HasPrefix(d, name+"-") {
			virsh("destroy", d)
			virsh("undefine", d, "--remove-all-storage")
		}
	}
	vols, _ := virsh("vol-list", "default")
	for _, line := range strings.Split(vols, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], name+"-") {
			virsh("vol-delete", "--pool", "default", f[0])
		}
	}
	virsh("net-destroy", "nomadbox-"+name)
	virsh("net-undefine", "nomadbox-"+name)
}

// removeLibvirtBox takes nomadbox's libvirt box out of Vagrant and its
// volumes out of libvirt's pool, as on a machine that never built it.
// The node image it is made from stays: rebuilding that is the docker
// provider's test.
func removeLibvirtBox(t *testing.T) {
	t.Helper()
	box := topology.DefaultLibvirtBox
	if out, err := testtools.Output("", nil, "vagrant", "box", "list"); err == nil && strings.Contains(out, box+" ") {
		if out, err := testtools.Output("", nil, "vagrant", "box", "remove", "--all", "--force", "--provider", "libvirt", box); err != nil {
			t.Fatalf("vagrant box remove %s: %v\n%s", box, err, out)
		}
	}
	vols, _ := virsh("vol-list", "default")
	prefixes := []string{"nomadbox-bookworm-", strings.ReplaceAll(box, "/", "-VAGRANTSLASH-") + "_vagrant_box_image_"}
	for _, line := range strings.Split(vols, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(f[0], p) {
				if out, err := virsh("vol-delete", "--pool", "default", f[0]); err != nil {
					t.Fatalf("removing the box's volume %s: %v\n%s", f[0], err, out)
				}
			}
		}
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}
