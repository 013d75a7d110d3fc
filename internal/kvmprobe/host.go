package kvmprobe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nomadbox/nomadbox/internal/cachedir"
	"github.com/nomadbox/nomadbox/internal/execx"
)

// Busybox is the static shell the probe's initrd runs (Debian's
// busybox-static, which scripts/deps.sh installs).
const Busybox = "/bin/busybox"

// Host is this machine: /dev/kvm, the newest kernel in /boot, qemu on
// PATH, and the cache at <user cache dir>/nomadbox/kvm-probe.json.
func Host() System {
	cache, _ := cachedir.Path("kvm-probe.json")
	return System{KVM: openKVM, Kernel: newestKernel, HostKernel: hostKernel, Qemu: qemuVersion, Boot: bootKVM, CacheFile: cache}
}

var (
	hostOnce   sync.Once
	hostResult Result
)

// OnHost probes this machine once per process (a cached answer costs a
// qemu --version; a boot up to Timeout).
func OnHost() Result {
	hostOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout+10*time.Second)
		defer cancel()
		hostResult = Probe(ctx, Host())
	})
	return hostResult
}

func openKVM() error {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// newestKernel picks the last /boot/vmlinuz-* in version order (Debian's
// cloud kernel where linux-image-cloud-amd64 is installed).
func newestKernel() (string, error) {
	ks, _ := filepath.Glob("/boot/vmlinuz-*")
	if len(ks) == 0 {
		return "", errors.New("/boot has no vmlinuz-* (apt-get install linux-image-cloud-amd64)")
	}
	sort.Strings(ks)
	return ks[len(ks)-1], nil
}

func hostKernel() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

func qemuVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "qemu-system-x86_64", "--version").Output()
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line, nil
}

// bootKVM boots kernel under KVM with the marker initrd, reading the
// serial console until the marker shows or Timeout passes. qemu runs in
// a process group of its own and is killed with it either way.
func bootKVM(ctx context.Context, kernel string) (string, bool, error) {
	initrd, err := writeInitrd()
	if err != nil {
		return "", false, err
	}
	defer os.Remove(initrd)
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", QemuArgs(kernel, initrd)...)
	execx.ContainGrace(cmd, 0)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", false, err
	}
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	defer func() { execx.KillGroup(cmd); cmd.Wait() }()
	var console strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		console.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), Marker) {
			return console.String(), true, nil
		}
	}
	// qemu ended (or was killed at the timeout) without the marker.
	if ctx.Err() == nil && stderr.Len() > 0 {
		return console.String(), false, errors.New(strings.TrimSpace(stderr.String()))
	}
	return console.String(), false, nil
}

// QemuArgs boots kernel with initrd under KVM, the console on stdout and
// no devices besides: the least a Linux guest needs. The CPU is the
// host's own (-cpu host), the one nomadbox's kvm machines get
// (host-passthrough in the Vagrantfile): a host whose KVM refuses it
// ("failed to set MSR 0x10a" on some) must not be told its machines
// would boot.
func QemuArgs(kernel, initrd string) []string {
	return []string{
		"-enable-kvm", "-cpu", "host", "-M", "pc", "-m", "256", "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
		"-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 rdinit=/init",
	}
}

// initScript prints the marker and powers the guest off.
const initScript = "#!/bin/sh\necho " + Marker + "\n/bin/busybox poweroff -f\n"

// writeInitrd writes the probe's initrd (a newc cpio: busybox as
// /bin/sh and an /init script) to a temporary file.
func writeInitrd() (string, error) {
	bb, err := os.ReadFile(Busybox)
	if err != nil {
		return "", fmt.Errorf("the probe's initrd needs %s (apt-get install busybox-static): %w", Busybox, err)
	}
	f, err := os.CreateTemp("", "nomadbox-kvm-probe-*.cpio")
	if err != nil {
		return "", err
	}
	err = WriteCpio(f, []CpioEntry{
		{Name: "bin", Mode: 0o40755},
		{Name: "bin/busybox", Mode: 0o100755, Data: bb},
		{Name: "bin/sh", Mode: 0o120777, Data: []byte("busybox")},
		{Name: "init", Mode: 0o100755, Data: []byte(initScript)},
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
