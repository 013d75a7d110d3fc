// Package kvmprobe finds out whether KVM can boot a Linux guest on this
// host, which decides the libvirt provider's default driver (kvm or
// qemu) and whether `init` counts libvirt as emulated.
//
// /dev/kvm proves nothing: on machines of this project's kind it answers
// and a minimal KVM guest runs, while a Linux kernel under `qemu
// -enable-kvm` hangs in early boot (see shared/LAB.md). So the probe
// boots a kernel from /boot under KVM with a tiny initrd whose /init
// prints a marker, and waits a short while for it. A boot costs a few
// seconds at most (a hang costs the timeout), so the answer is cached
// under ~/.cache/nomadbox, keyed by what decides it: this host's kernel,
// the guest kernel, qemu's version and /dev/kvm.
package kvmprobe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// recipe names how the probe boots (QemuArgs); a new one makes every
// cached answer stale.
const recipe = "2: -cpu host"

// Marker is what the probe's /init prints once the guest runs.
const Marker = "NOMADBOX-KVM-PROBE-OK"

// Timeout bounds one boot: under KVM the cloud kernel reaches its
// /init in about a second; a kernel that hangs in early boot never does.
const Timeout = 20 * time.Second

// EmulationNote is what libvirt's qemu driver means for a user, said by
// the plan, `up` and `providers` alike.
const EmulationNote = "software emulation (no KVM that boots a guest here): machines boot and run several times slower than under KVM, minutes per machine"

// Result is the probe's answer.
type Result struct {
	// Boots: a Linux guest booted under KVM to its /init.
	Boots bool `json:"boots"`
	// Detail says what was seen: the marker, the last line before a
	// hang, qemu's error, or why no boot was tried.
	Detail string `json:"detail"`
	// Key identifies the host state the answer holds for; empty when no
	// boot was tried (nothing to cache).
	Key string `json:"key,omitempty"`
	// Cached: the answer comes from the cache.
	Cached bool `json:"-"`
}

// Driver is the libvirt domain type the result calls for.
func (r Result) Driver() string {
	if r.Boots {
		return "kvm"
	}
	return "qemu"
}

// System is what the probe asks of this machine; tests substitute every
// field.
type System struct {
	// KVM checks /dev/kvm: an error wrapping os.ErrNotExist when there
	// is none, another error when it cannot be opened for writing.
	KVM func() error
	// Kernel returns a kernel image to boot (the newest /boot/vmlinuz-*).
	Kernel func() (string, error)
	// HostKernel is this host's running kernel release.
	HostKernel func() string
	// Qemu returns qemu-system-x86_64's version line, or an error when
	// it is not installed.
	Qemu func(ctx context.Context) (string, error)
	// Boot boots kernel under KVM with the probe's initrd and returns
	// the console output up to the marker (found) or up to the timeout,
	// or qemu's error.
	Boot func(ctx context.Context, kernel string) (console string, found bool, err error)
	// CacheFile holds the last answer ("" means no cache).
	CacheFile string
}

// Probe answers from the cache when its key still holds, and boots
// otherwise.
func Probe(ctx context.Context, sys System) Result {
	if err := sys.KVM(); err != nil {
		if os.IsNotExist(err) {
			return Result{Detail: "there is no /dev/kvm (KVM is off in the firmware, or its kernel module is not loaded)"}
		}
		return Result{Detail: fmt.Sprintf("/dev/kvm cannot be used (%v): add your user to the kvm group (`sudo adduser $USER kvm`, then log in again)", err)}
	}
	qemu, err := sys.Qemu(ctx)
	if err != nil {
		return Result{Detail: "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"}
	}
	kernel, err := sys.Kernel()
	if err != nil {
		return Result{Detail: fmt.Sprintf("no Linux kernel to boot: %v", err)}
	}
	key := cacheKey(sys.HostKernel(), kernel, qemu)
	if r, ok := readCache(sys.CacheFile, key); ok {
		return r
	}
	r := boot(ctx, sys, kernel)
	r.Key = key
	writeCache(sys.CacheFile, r)
	return r
}

// boot runs one boot and reads what it showed.
func boot(ctx context.Context, sys System, kernel string) Result {
	console, found, err := sys.Boot(ctx, kernel)
	switch {
	case found:
		return Result{Boots: true, Detail: fmt.Sprintf("%s booted to its /init under KVM", filepath.Base(kernel))}
	case err != nil:
		return Result{Detail: fmt.Sprintf("qemu -enable-kvm failed: %v", err)}
	}
	last := lastLine(console)
	if last == "" {
		last = "no console output"
	}
	return Result{Detail: fmt.Sprintf("%s under KVM did not reach its /init within %s (last console line: %q)", filepath.Base(kernel), Timeout, last)}
}

// lastLine is the last non-empty line of the console output, without
// its timestamp noise kept short.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r", "")), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 120 {
		l = l[:120] + "..."
	}
	return l
}

// cacheKey names the host state an answer holds for. /dev/kvm's
// presence is part of it by construction: without the device no boot is
// tried and nothing is cached.
func cacheKey(hostKernel, kernel, qemu string) string {
	var stamp string
	if fi, err := os.Stat(kernel); err == nil {
		stamp = fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().Unix())
	}
	h := sha256.Sum256([]byte(strings.Join([]string{"host " + hostKernel, "guest " + kernel + " " + stamp, qemu, "/dev/kvm", "recipe " + recipe}, "\n")))
	return hex.EncodeToString(h[:8])
}

func readCache(path, key string) (Result, bool) {
	if path == "" {
		return Result{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Result{}, false
	}
	var r Result
	if json.Unmarshal(b, &r) != nil || r.Key != key {
		return Result{}, false
	}
	r.Cached = true
	return r, true
}

// writeCache keeps the answer; a cache that cannot be written only costs
// another boot next time.
func writeCache(path string, r Result) {
	if path == "" {
		return
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, append(b, '\n'), 0o644) == nil {
		os.Rename(tmp, path)
	}
}
