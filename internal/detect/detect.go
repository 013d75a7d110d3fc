// Package detect finds which machine provider can run on this host now,
// for `nomadbox init`: a provider whose program is installed but whose
// daemon is down is not chosen, since `up` would fail at its preflight.
// The order is VirtualBox, libvirt where KVM can boot a guest, Docker,
// then libvirt under software emulation (several times slower than
// containers).
package detect

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/kvmprobe"
)

// probeTimeout bounds each probe: a daemon that does not answer within
// it is as good as down for `up`.
const probeTimeout = 3 * time.Second

// Sockets where the daemons listen by default.
const (
	LibvirtSocket = "/var/run/libvirt/libvirt-sock"
	DockerSocket  = "/var/run/docker.sock"
)

// System is what detection asks of this machine; tests substitute every
// field.
type System struct {
	// LookPath finds a program on PATH (exec.LookPath).
	LookPath func(name string) (string, error)
	// Run runs a program and reports whether it exited 0 before ctx ended.
	Run func(ctx context.Context, name string, args ...string) error
	// Dial reports whether something accepts connections on the unix
	// socket at path before ctx ends.
	Dial func(ctx context.Context, path string) error
	// KVMBootsGuest says whether libvirt's KVM domains can boot a Linux
	// guest here.
	KVMBootsGuest func() bool
}

// Host is this machine.
func Host() System {
	return System{LookPath: exec.LookPath, Run: run, Dial: dial, KVMBootsGuest: kvmBootsGuest}
}

// kvmBootsGuest asks the KVM probe, which boots a Linux kernel under
// KVM (cached): /dev/kvm may exist and a minimal KVM guest may run while
// a Linux kernel still hangs in early boot under `qemu -enable-kvm`
// (measured on this project's CI machines, see shared/LAB.md), so the
// device proves nothing.
func kvmBootsGuest() bool { return kvmprobe.OnHost().Boots }

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	execx.ContainGrace(cmd, 0) // a child holding the pipes must not hold init
	err := cmd.Run()
	execx.KillGroup(cmd)
	return err
}

func dial(ctx context.Context, path string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return err
	}
	return c.Close()
}

// Candidate is one provider and whether it can run now.
type Candidate struct {
	Provider string
	Usable   bool
	// Emulated: libvirt without a KVM that boots a guest.
	Emulated bool
	// Why is the evidence: what answers, or what is missing or down.
	Why string
	// Fix says what makes an unusable candidate usable.
	Fix string
}

// Label is the candidate as init names it: "libvirt (emulated: several
// times slower)".
func (c Candidate) Label() string {
	if c.Emulated {
		return c.Provider + " (emulated: several times slower)"
	}
	return c.Provider
}

// Result is the chosen provider, the runner-up and every candidate
// looked at.
type Result struct {
	Chosen, RunnerUp *Candidate
	Looked           []Candidate
}

// Detect probes every candidate at once (each probe is bounded) and
// chooses.
func Detect(ctx context.Context, sys System) Result {
	probes := []func(context.Context, System) Candidate{virtualbox, libvirt, docker}
	looked := make([]Candidate, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Add(1)
		go func(i int, p func(context.Context, System) Candidate) {
			defer wg.Done()
			looked[i] = p(ctx, sys)
		}(i, p)
	}
	wg.Wait()
	return choose(looked)
}

// choose orders the usable candidates: VirtualBox, libvirt with KVM,
// Docker, libvirt emulated.
func choose(looked []Candidate) Result {
	rank := func(c Candidate) int {
		switch {
		case c.Provider == "virtualbox":
			return 0
		case c.Provider == "libvirt" && !c.Emulated:
			return 1
		case c.Provider == "docker":
			return 2
		}
		return 3
	}
	r := Result{Looked: looked}
	for want := 0; want <= 3; want++ {
		for i := range looked {
			c := &looked[i]
			if !c.Usable || rank(*c) != want {
				continue
			}
			if r.Chosen == nil {
				r.Chosen = c
			} else if r.RunnerUp == nil {
				r.RunnerUp = c
			}
		}
	}
	return r
}

func virtualbox(ctx context.Context, sys System) Candidate {
	c := Candidate{Provider: "virtualbox"}
	path, err := sys.LookPath("VBoxManage")
	if err != nil {
		c.Why, c.Fix = "VBoxManage is not on PATH", "install VirtualBox (virtualbox.org)"
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := sys.Run(ctx, path, "--version"); err != nil {
		c.Why = fmt.Sprintf("`%s --version` failed (%v)", path, err)
		c.Fix = "load VirtualBox's kernel modules (`sudo /sbin/vboxconfig`) and check `VBoxManage --version`"
		return c
	}
	c.Usable, c.Why = true, fmt.Sprintf("`%s --version` answers", path)
	return c
}

// daemon is a provider that runs where its daemon answers: at its
// socket, or through its command-line client.
type daemon struct {
	provider, socket, client string
	args                     []string // the client's call that needs the daemon
	startFix, installFix     string
}

// probeDaemon finds whether d's daemon answers: installed and running,
// installed but stopped, or absent, each with its fix.
func probeDaemon(ctx context.Context, sys System, d daemon) Candidate {
	c := Candidate{Provider: d.provider}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	client, lookErr := sys.LookPath(d.client)
	switch {
	case sys.Dial(ctx, d.socket) == nil:
		c.Usable, c.Why = true, "the daemon answers at "+d.socket
	case lookErr == nil && sys.Run(ctx, client, d.args...) == nil:
		c.Usable, c.Why = true, fmt.Sprintf("`%s %s` answers", d.client, strings.Join(d.args, " "))
	case lookErr == nil:
		c.Why = fmt.Sprintf("%s is installed but the daemon does not answer at %s", client, d.socket)
		c.Fix = d.startFix
	default:
		c.Why = fmt.Sprintf("no %s on PATH and no daemon at %s", d.client, d.socket)
		c.Fix = d.installFix
	}
	return c
}

func libvirt(ctx context.Context, sys System) Candidate {
	c := probeDaemon(ctx, sys, daemon{
		provider: "libvirt", socket: LibvirtSocket, client: "virsh", args: []string{"-c", "qemu:///system", "version"},
		startFix:   "start it: `sudo systemctl start libvirtd` (`libvirtd -d` and `virtlogd -d` without systemd)",
		installFix: "install libvirt (`apt-get install libvirt-daemon-system qemu-system-x86`) and start libvirtd",
	})
	if c.Usable && !sys.KVMBootsGuest() {
		c.Emulated = true
	}
	return c
}

func docker(ctx context.Context, sys System) Candidate {
	return probeDaemon(ctx, sys, daemon{
		provider: "docker", socket: DockerSocket, client: "docker", args: []string{"version"},
		startFix:   "start it: `sudo systemctl start docker` (`dockerd &` without systemd)",
		installFix: "install Docker (`apt-get install docker.io`) and start dockerd",
	})
}

// Explain says why nothing can run: each candidate, what was found and
// what fixes it.
func (r Result) Explain() string {
	var b strings.Builder
	b.WriteString("no machine provider can run on this host now:")
	for _, c := range r.Looked {
		fmt.Fprintf(&b, "\n  %s: %s; %s", c.Provider, c.Why, c.Fix)
	}
	return b.String()
}
