package kvmprobe

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// fake is a host whose every answer the test sets; boots counts the
// boots tried.
type fake struct {
	kvm     error
	qemu    string
	console string
	found   bool
	bootErr error
	boots   int
}

func (f *fake) system(cache string) System {
	return System{
		KVM:        func() error { return f.kvm },
		Kernel:     func() (string, error) { return "/boot/vmlinuz-6.1.0-57-cloud-amd64", nil },
		HostKernel: func() string { return "6.1.0-host" },
		Qemu: func(context.Context) (string, error) {
			if f.qemu == "" {
				return "", errors.New("not found")
			}
			return f.qemu, nil
		},
		Boot: func(context.Context, string) (string, bool, error) {
			f.boots++
			return f.console, f.found, f.bootErr
		},
		CacheFile: cache,
	}
}

// TestProbeDecides covers each answer the probe can give and the driver
// it picks: only a kernel that reached its /init under KVM makes kvm the
// default; /dev/kvm alone, a hang in early boot and qemu's MSR failure
// (both measured on this project's machines) make it qemu.
func TestProbeDecides(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      fake
		boots  bool
		detail string
		tried  bool
	}{
		{"no /dev/kvm", fake{kvm: fs.ErrNotExist, qemu: "QEMU 7.2"}, false, "there is no /dev/kvm", false},
		{"no permission", fake{kvm: fs.ErrPermission, qemu: "QEMU 7.2"}, false, "add your user to the kvm group", false},
		{"no qemu", fake{}, false, "apt-get install qemu-system-x86", false},
		{"boots", fake{qemu: "QEMU 7.2", console: "Linux version 6.1\n" + Marker + "\n", found: true}, true, "booted to its /init under KVM", true},
		{"hangs in early boot", fake{qemu: "QEMU 7.2", console: "Linux version 6.1\r\nProbing EDD (edd=off to disable)... ok\r\n"}, false, `last console line: "Probing EDD (edd=off to disable)... ok"`, true},
		{"qemu fails", fake{qemu: "QEMU 7.2", bootErr: errors.New("failed to set MSR 0x10a")}, false, "failed to set MSR 0x10a", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			r := Probe(context.Background(), f.system(""))
			if r.Boots != tc.boots || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("got boots=%v %q, want boots=%v and %q", r.Boots, r.Detail, tc.boots, tc.detail)
			}
			if want := map[bool]string{true: "kvm", false: "qemu"}[tc.boots]; r.Driver() != want {
				t.Errorf("driver %s, want %s", r.Driver(), want)
			}
			if (f.boots > 0) != tc.tried {
				t.Errorf("booted %d times, want a boot: %v", f.boots, tc.tried)
			}
		})
	}
}

// TestProbeCaches: a second probe of the same host answers from the
// cache without booting; a new qemu (or kernel) boots again.
func TestProbeCaches(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "nomadbox", "kvm-probe.json")
	f := &fake{qemu: "QEMU emulator version 7.2.0", console: "Probing EDD\n"}
	first := Probe(context.Background(), f.system(cache))
	second := Probe(context.Background(), f.system(cache))
	if f.boots != 1 || first.Cached || !second.Cached || second.Boots || second.Detail != first.Detail {
		t.Fatalf("boots=%d first=%+v second=%+v: want one boot, the second answer from the cache", f.boots, first, second)
	}
	f.qemu, f.console, f.found = "QEMU emulator version 8.0.0", Marker, true
	third := Probe(context.Background(), f.system(cache))
	if f.boots != 2 || third.Cached || !third.Boots {
		t.Fatalf("boots=%d third=%+v: a new qemu must boot again", f.boots, third)
	}
	// An answer without a boot (no /dev/kvm) is not cached over it.
	f.kvm = fs.ErrNotExist
	Probe(context.Background(), f.system(cache))
	f.kvm = nil
	if r := Probe(context.Background(), f.system(cache)); !r.Cached || !r.Boots {
		t.Fatalf("after a probe without /dev/kvm: %+v, want the cached boot", r)
	}
}

// The probe boots with the CPU nomadbox's kvm machines get
// (host-passthrough): a host that refuses it must not be called bootable.
func TestProbeBootsTheMachinesCPU(t *testing.T) {
	args := strings.Join(QemuArgs("k", "i"), " ")
	if !strings.Contains(args, "-enable-kvm -cpu host ") {
		t.Errorf("qemu args %q do not boot -cpu host under KVM", args)
	}
}
