package providers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nomadbox/nomadbox/internal/detect"
)

// fakeHost has the programs on PATH and the daemon sockets that answer;
// KVM boots a guest where kvm is true. No command answers.
func fakeHost(programs, sockets []string, kvm bool) detect.System {
	return detect.System{
		LookPath: func(name string) (string, error) {
			if slices.Contains(programs, name) {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		Run: func(context.Context, string, ...string) error { return errors.New("exit status 1") },
		Dial: func(_ context.Context, path string) error {
			if slices.Contains(sockets, path) {
				return nil
			}
			return errors.New("connection refused")
		},
		KVMBootsGuest: func() bool { return kvm },
	}
}

func infoOf(t *testing.T, list []Info, name string) Info {
	t.Helper()
	for _, i := range list {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("no %s in %+v", name, list)
	return Info{}
}

// TestBuiltinsReadiness: a built-in whose programs are there but whose
// daemon does not answer is not ready, with the fix; libvirt that runs
// names its driver, qemu with the note that it is slow.
func TestBuiltinsReadiness(t *testing.T) {
	ctx := context.Background()
	tools := []string{"vagrant", "virsh", "docker", "ssh"}

	down := builtins(ctx, fakeHost(tools, nil, false))
	for _, name := range []string{"libvirt", "docker"} {
		i := infoOf(t, down, name)
		if i.Ready || !strings.Contains(i.Problem, "does not answer") || !strings.Contains(i.Problem, "start it") {
			t.Errorf("%s with its daemon down: ready=%v problem=%q, want not ready with the fix", name, i.Ready, i.Problem)
		}
		if i.Driver != "" {
			t.Errorf("%s not ready but names driver %q", name, i.Driver)
		}
	}
	if i := infoOf(t, down, "ssh"); !i.Ready {
		t.Errorf("ssh needs no daemon, got not ready: %s", i.Problem)
	}

	up := []string{detect.LibvirtSocket, detect.DockerSocket}
	emulated := builtins(ctx, fakeHost(tools, up, false))
	if i := infoOf(t, emulated, "libvirt"); !i.Ready || i.Driver != "qemu" || !strings.Contains(i.DriverNote, "software emulation") {
		t.Errorf("libvirt without KVM: %+v, want ready, driver qemu with the emulation note", i)
	}
	if i := infoOf(t, emulated, "docker"); !i.Ready || i.Driver != "" {
		t.Errorf("docker with its daemon up: %+v, want ready without a driver", i)
	}
	if i := infoOf(t, builtins(ctx, fakeHost(tools, up, true)), "libvirt"); i.Driver != "kvm" || i.DriverNote != "" {
		t.Errorf("libvirt with KVM: %+v, want driver kvm, no note", i)
	}
	if i := infoOf(t, builtins(ctx, fakeHost([]string{"vagrant"}, up, true)), "libvirt"); i.Ready || i.Problem != "not on PATH: virsh" {
		t.Errorf("libvirt without virsh: %+v", i)
	}
}
