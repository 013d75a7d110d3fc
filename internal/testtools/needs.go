package testtools

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// A Need is one thing on this machine that `nomadbox up` or a test tier
// uses, and the Debian package that provides it. Needs is the complete
// list: Require only accepts programs named here, and the clean-system
// test (test/setup) asserts that scripts/deps.sh leaves every one of them
// present on a bare Debian system, so a tool that a test starts using
// cannot be missing from the set-up without a test failing.
type Need struct {
	Kind    string // "command", "vagrant-plugin", "file"
	Name    string
	Package string
	Why     string
}

// Needs lists what the tiers use, in the order deps.sh checks it.
var Needs = []Need{
	{"command", "vagrant", "vagrant", "up (machines); tier 2 (vagrant validate)"},
	{"vagrant-plugin", "vagrant-libvirt", "vagrant-libvirt", "tier 2: vagrant validate of libvirt renders"},
	{"command", "ansible-playbook", "ansible-core", "up (provisioning); tier 2 (--syntax-check)"},
	{"command", "ansible-lint", "ansible-lint", "tier 2"},
	{"command", "docker", "docker.io", "the docker provider; tier 2 and 3"},
	{"command", "dockerd", "docker.io", "the Docker daemon"},
	{"command", "debootstrap", "debootstrap", "box build: the node image's root file system"},
	{"file", "/usr/share/keyrings/debian-archive-keyring.gpg", "debian-archive-keyring", "debootstrap checks the release with it"},
	{"command", "dig", "dnsutils", "tier 3: DNS checks"},
	{"command", "busybox", "busybox-static", "tier 3: an image built on this machine"},
	{"command", "ssh", "openssh-client", "nomadbox ssh, verify's DNS check, Ansible"},
	{"command", "curl", "curl", "scripts/up.sh"},
	{"command", "git", "git", "bench --baseline"},
	{"command", "gcc", "gcc", "building Nomad (cgo)"},
	{"file", "libc.a", "libc6-dev", "building Nomad statically"},
	{"command", "tar", "tar", "box build"},
	{"command", "flock", "util-linux", "scripts/hashicorp-binaries.sh"},
	{"command", "cpio", "cpio", "tier 2: the KVM probe's initrd read back with GNU cpio"},
	{"command", "libvirtd", "libvirt-daemon-system", "the libvirt provider's daemon"},
	{"command", "virsh", "libvirt-clients", "the libvirt provider: detection, preflight, what destroy left"},
	{"command", "qemu-system-x86_64", "qemu-system-x86", "the libvirt provider's machines; the KVM probe"},
	{"command", "qemu-img", "qemu-utils", "box build --provider libvirt: the qcow2 disk"},
	{"command", "dnsmasq", "dnsmasq-base", "libvirt's networks: DHCP for the machines"},
	{"file", "/boot/vmlinuz-*", "linux-image-cloud-amd64", "the KVM probe boots a kernel"},
}

// packageOf returns the package that provides a command in Needs.
func packageOf(kind, name string) (string, bool) {
	for _, n := range Needs {
		if n.Kind == kind && n.Name == name {
			return n.Package, true
		}
	}
	return "", false
}

// Require fails the test unless every program is on PATH. Each must be
// listed in Needs (a test that starts using a new tool adds it there,
// and to scripts/deps.sh).
func Require(t testing.TB, programs ...string) {
	t.Helper()
	for _, prog := range programs {
		pkg, ok := packageOf("command", prog)
		if !ok {
			t.Fatalf("testtools.Require(%q): not in testtools.Needs; add it there and to scripts/deps.sh", prog)
		}
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("%s is not on PATH: install it with `apt-get install -y %s` (or run `go tool task deps`)", prog, pkg)
		}
	}
}

// RequireVagrantPlugin fails the test unless `vagrant plugin list` names
// the plugin.
func RequireVagrantPlugin(t testing.TB, plugin string) {
	t.Helper()
	pkg, ok := packageOf("vagrant-plugin", plugin)
	if !ok {
		t.Fatalf("testtools.RequireVagrantPlugin(%q): not in testtools.Needs", plugin)
	}
	out, err := Output("", nil, "vagrant", "plugin", "list")
	if err != nil || !strings.Contains("\n"+out, "\n"+plugin+" ") {
		t.Fatalf("Vagrant has no plugin %s: install it with `apt-get install -y %s` (or run `go tool task deps`); `vagrant plugin list` said:\n%s", plugin, pkg, out)
	}
}

// CheckScript is a POSIX shell script that prints one line per Need:
// "ok KIND NAME" or "missing KIND NAME PACKAGE". It exits 0 either way.
func CheckScript() string {
	var b strings.Builder
	b.WriteString("set +e\n")
	b.WriteString("report() { if [ \"$1\" = 0 ]; then echo \"ok $2 $3\"; else echo \"missing $2 $3 $4\"; fi; }\n")
	for _, n := range Needs {
		var test string
		switch n.Kind {
		case "command":
			test = fmt.Sprintf("command -v %s >/dev/null 2>&1", n.Name)
		case "vagrant-plugin":
			test = fmt.Sprintf("vagrant plugin list 2>/dev/null | grep -q '^%s '", n.Name)
		case "file":
			switch {
			case n.Name == "libc.a":
				test = `f=$(gcc -print-file-name=libc.a 2>/dev/null); case "$f" in /*) test -e "$f" ;; *) false ;; esac`
			case strings.Contains(n.Name, "*"):
				test = "ls -d " + n.Name + " >/dev/null 2>&1" // any file the pattern matches
			default:
				test = "test -e " + n.Name
			}
		default:
			panic("testtools: unknown need kind " + n.Kind)
		}
		fmt.Fprintf(&b, "%s; report $? %s '%s' %s\n", test, n.Kind, n.Name, n.Package)
	}
	return b.String()
}

// ParseCheck reads CheckScript's output: the Needs found present and
// the missing ones ("KIND NAME (package P)"), each sorted.
func ParseCheck(out string) (present, missing []string) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "ok":
			present = append(present, f[1]+" "+f[2])
		case len(f) == 4 && f[0] == "missing":
			missing = append(missing, fmt.Sprintf("%s %s (package %s)", f[1], f[2], f[3]))
		}
	}
	sort.Strings(present)
	sort.Strings(missing)
	return present, missing
}
