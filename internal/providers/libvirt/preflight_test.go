package libvirt

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/kvmprobe"
	"github.com/nomadbox/nomadbox/internal/nodeimage"
	"github.com/nomadbox/nomadbox/internal/providers/vagrant"
	"github.com/nomadbox/nomadbox/internal/topology"
)

func TestHasVagrantPlugin(t *testing.T) {
	list := "vagrant-libvirt (0.11.2, system)\n  - Version Constraint: > 0\nvagrant-mutate (1.2.0, global)\n"
	if !hasVagrantPlugin(list, "vagrant-libvirt") || hasVagrantPlugin(list, "vagrant-vbguest") || hasVagrantPlugin("No plugins installed.", "vagrant-libvirt") {
		t.Error("hasVagrantPlugin misreads `vagrant plugin list`")
	}
}

// libvirtFake is a host where everything the libvirt provider needs is
// in place; each case takes one thing away.
func libvirtFake() (libvirtHost, *Config) {
	h := libvirtHost{
		plugins: func(context.Context) (string, error) { return "vagrant-libvirt (0.11.2, system)\n", nil },
		dial:    func(context.Context, string) error { return nil },
		kvm:     func() kvmprobe.Result { return kvmprobe.Result{Boots: true} },
		hasBox:  func(context.Context, string, string) (bool, error) { return true, nil },
		buildBox: func(context.Context) error {
			panic("built the box though it is there")
		},
	}
	return h, &Config{BoxConfig: vagrant.BoxConfig{Box: topology.DefaultLibvirtBox}, Driver: "kvm"}
}

// TestLibvirtPreflight: each missing piece is named with the command
// that fixes it, all of them at once, and nothing is started or built.
func TestLibvirtPreflight(t *testing.T) {
	h, p := libvirtFake()
	if err := checkLibvirt(context.Background(), h, p); err != nil {
		t.Fatalf("all in place: %v", err)
	}
	for _, tc := range []struct {
		name    string
		breakIt func(*libvirtHost, *Config)
		want    string
	}{
		{"no plugin", func(h *libvirtHost, _ *Config) {
			h.plugins = func(context.Context) (string, error) { return "No plugins installed.\n", nil }
		}, "apt-get install vagrant-libvirt"},
		{"daemon down", func(h *libvirtHost, _ *Config) {
			h.dial = func(context.Context, string) error { return errors.New("connection refused") }
		}, "libvirt is not running (no daemon answers at /var/run/libvirt/libvirt-sock"},
		{"kvm hangs", func(h *libvirtHost, _ *Config) {
			h.kvm = func() kvmprobe.Result { return kvmprobe.Result{Detail: "did not reach its /init"} }
		}, `driver = "kvm", but KVM cannot boot a guest here: did not reach its /init. Set driver = "qemu"`},
		{"box missing and cannot be built", func(h *libvirtHost, _ *Config) {
			h.hasBox = func(_ context.Context, name, version string) (bool, error) { return false, nil }
			h.buildBox = func(context.Context) error { return errors.New("debootstrap failed") }
		}, "the box nomadbox/bookworm (libvirt, version " + nodeimage.LibvirtBoxVersion() + ") is not in Vagrant, or its kernel is not in libvirt's storage pool: build it with `nomadbox box build --provider libvirt`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, p := libvirtFake()
			tc.breakIt(&h, p)
			err := checkLibvirt(context.Background(), h, p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	// driver qemu needs no KVM; another box is not nomadbox's to check.
	h, p = libvirtFake()
	h.kvm = func() kvmprobe.Result { t.Error("probed KVM for driver qemu"); return kvmprobe.Result{} }
	h.hasBox = func(context.Context, string, string) (bool, error) {
		t.Error("looked for a box that is not nomadbox's")
		return false, nil
	}
	p.Driver, p.Box = "qemu", "generic/debian12"
	if err := checkLibvirt(context.Background(), h, p); err != nil {
		t.Error(err)
	}
	// Two problems: both named, and nothing built.
	h, p = libvirtFake()
	h.dial = func(context.Context, string) error { return errors.New("refused") }
	h.hasBox = func(context.Context, string, string) (bool, error) { return false, nil }
	if err := checkLibvirt(context.Background(), h, p); err == nil || !strings.Contains(err.Error(), "libvirt is not running") || !strings.Contains(err.Error(), "box build --provider libvirt") {
		t.Errorf("two problems: %v", err)
	}
	// An older version of nomadbox's box is not built: named instead.
	h, p = libvirtFake()
	h.hasBox = func(context.Context, string, string) (bool, error) { return false, nil }
	p.BoxVersion = "1.1"
	if err := checkLibvirt(context.Background(), h, p); err == nil || !strings.Contains(err.Error(), "version 1.1") {
		t.Errorf("older box version missing: %v", err)
	}
}

// TestLibvirtPreflightBuildsTheMissingBox: when nomadbox's box is all
// that is missing, up builds it instead of failing.
func TestLibvirtPreflightBuildsTheMissingBox(t *testing.T) {
	h, p := libvirtFake()
	h.hasBox = func(context.Context, string, string) (bool, error) { return false, nil }
	built := 0
	h.buildBox = func(context.Context) error { built++; return nil }
	if err := checkLibvirt(context.Background(), h, p); err != nil || built != 1 {
		t.Errorf("box missing: err %v, built %d times, want built once", err, built)
	}
}
