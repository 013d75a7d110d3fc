// Package detect finds which machine provider this host can run, for
// `nomadbox init`: VirtualBox first, then libvirt, then Docker.
package detect

import (
	"os"
	"os/exec"
)

// Result is the detected provider and the evidence for it.
type Result struct {
	Provider string
	Found    bool   // false: nothing was found and Provider is a fallback
	Reason   string // what was found, for the user
}

// Provider looks at this machine. lookPath and stat are the only I/O;
// tests substitute them.
func Provider() Result {
	return provider(exec.LookPath, func(p string) bool { _, err := os.Stat(p); return err == nil })
}

func provider(lookPath func(string) (string, error), exists func(string) bool) Result {
	if p, err := lookPath("VBoxManage"); err == nil {
		return Result{"virtualbox", true, "found " + p}
	}
	if p, err := lookPath("virsh"); err == nil {
		return Result{"libvirt", true, "found " + p}
	}
	if exists("/var/run/libvirt/libvirt-sock") {
		return Result{"libvirt", true, "found the libvirt socket"}
	}
	if p, err := lookPath("docker"); err == nil {
		return Result{"docker", true, "found " + p}
	}
	return Result{"virtualbox", false, "found no VBoxManage, libvirt or docker on this machine"}
}
