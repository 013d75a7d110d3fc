package detect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fake is a host: the programs on PATH, the sockets that answer, the
// commands that succeed (program and first argument) and whether KVM
// boots a guest.
type fake struct {
	programs, sockets, commands []string
	kvm                         bool
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (f fake) system() System {
	return System{
		LookPath: func(name string) (string, error) {
			if has(f.programs, name) {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		Run: func(_ context.Context, name string, args ...string) error {
			if has(f.commands, strings.TrimPrefix(name, "/usr/bin/")+" "+args[0]) {
				return nil
			}
			return errors.New("exit status 1")
		},
		Dial: func(_ context.Context, path string) error {
			if has(f.sockets, path) {
				return nil
			}
			return errors.New("connection refused")
		},
		KVMBootsGuest: func() bool { return f.kvm },
	}
}

func TestDetect(t *testing.T) {
	vbox := []string{"VBoxManage --version"}
	tests := []struct {
		name             string
		host             fake
		chosen, runnerUp string // "" for none
	}{
		{"nothing at all", fake{}, "", ""},
		{"virsh without libvirtd", fake{programs: []string{"virsh"}}, "", ""},
		{"docker without dockerd", fake{programs: []string{"docker"}}, "", ""},
		{"VBoxManage that fails", fake{programs: []string{"VBoxManage"}}, "", ""},
		{"every program, no daemon", fake{programs: []string{"VBoxManage", "virsh", "docker"}}, "", ""},
		{"docker socket answers", fake{sockets: []string{DockerSocket}}, "docker", ""},
		{"docker version answers", fake{programs: []string{"docker"}, commands: []string{"docker version"}}, "docker", ""},
		{"virsh down, docker up", fake{programs: []string{"virsh", "docker"}, sockets: []string{DockerSocket}}, "docker", ""},
		{"libvirt emulated only", fake{programs: []string{"virsh"}, sockets: []string{LibvirtSocket}}, "libvirt (emulated: several times slower)", ""},
		{"libvirt answers through virsh", fake{programs: []string{"virsh"}, commands: []string{"virsh -c"}}, "libvirt (emulated: several times slower)", ""},
		{"docker before emulated libvirt", fake{sockets: []string{LibvirtSocket, DockerSocket}}, "docker", "libvirt (emulated: several times slower)"},
		{"libvirt with KVM before docker", fake{sockets: []string{LibvirtSocket, DockerSocket}, kvm: true}, "libvirt", "docker"},
		{"virtualbox first", fake{programs: []string{"VBoxManage"}, commands: vbox, sockets: []string{LibvirtSocket, DockerSocket}, kvm: true}, "virtualbox", "libvirt"},
		{"virtualbox, then docker", fake{programs: []string{"VBoxManage", "virsh"}, commands: vbox, sockets: []string{DockerSocket}}, "virtualbox", "docker"},
		{"virtualbox alone", fake{programs: []string{"VBoxManage"}, commands: vbox}, "virtualbox", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Detect(context.Background(), tt.host.system())
			label := func(c *Candidate) string {
				if c == nil {
					return ""
				}
				return c.Label()
			}
			if got := label(r.Chosen); got != tt.chosen {
				t.Errorf("chose %q, want %q\n%s", got, tt.chosen, r.Explain())
			}
			if got := label(r.RunnerUp); got != tt.runnerUp {
				t.Errorf("runner-up %q, want %q", got, tt.runnerUp)
			}
			if len(r.Looked) != 3 {
				t.Fatalf("looked at %d providers, want 3", len(r.Looked))
			}
			for _, c := range r.Looked {
				if c.Why == "" || !c.Usable && c.Fix == "" {
					t.Errorf("%s: no evidence or no fix: %+v", c.Provider, c)
				}
			}
		})
	}
}

// What init says when nothing runs names each provider, what was found
// and what fixes it.
func TestExplainNothing(t *testing.T) {
	r := Detect(context.Background(), fake{programs: []string{"virsh"}}.system())
	got := r.Explain()
	for _, want := range []string{
		"virtualbox: VBoxManage is not on PATH; install VirtualBox",
		"libvirt: /usr/bin/virsh is installed but the daemon does not answer at " + LibvirtSocket + "; start it: `sudo systemctl start libvirtd`",
		"docker: no docker on PATH and no daemon at " + DockerSocket + "; install Docker",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
}

// Probes run at once, each bounded: three that hang take one timeout,
// not three, and detection still returns.
func TestProbesAreBoundedAndParallel(t *testing.T) {
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	sys := System{
		LookPath:      func(name string) (string, error) { return "/usr/bin/" + name, nil },
		Run:           func(ctx context.Context, _ string, _ ...string) error { return hang(ctx) },
		Dial:          func(ctx context.Context, _ string) error { return hang(ctx) },
		KVMBootsGuest: func() bool { return true },
	}
	start := time.Now()
	r := Detect(context.Background(), sys)
	if d := time.Since(start); d > probeTimeout+time.Second {
		t.Errorf("detection took %s; each probe is bounded by %s and they run at once", d, probeTimeout)
	}
	if r.Chosen != nil {
		t.Errorf("hung daemons were chosen: %+v", r.Chosen)
	}
}

// The real KVM probe does not exist yet: until it does, libvirt counts
// as emulated.
func TestNoKVMProbeYet(t *testing.T) {
	if Host().KVMBootsGuest() {
		t.Error("kvmBootsGuest must return false until a probe boots a kernel")
	}
}
