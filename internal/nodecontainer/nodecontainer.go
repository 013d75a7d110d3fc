// Package nodecontainer holds what makes a docker provider node: the
// `docker run` options of a container that boots systemd without
// --privileged and gets only what its role and drivers need. The docker
// provider creates its containers with them, and the rendered
// Vagrantfile gives Vagrant's docker provider the same lists, so a
// cluster made either way runs on the same containers.
package nodecontainer

import (
	"fmt"

	"github.com/nomadbox/nomadbox/internal/topology"
)

// Systemd is what every node needs for systemd as PID 1 and the firewall.
var Systemd = []string{
	"--tmpfs", "/run", "--tmpfs", "/run/lock",
	"--cap-add", "NET_ADMIN", // the firewall's nftables table
}

// CgroupReadOnly is the cgroup tree of a node that runs no tasks.
var CgroupReadOnly = []string{"-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro"}

// TaskRunner is for every Nomad client, whatever its drivers: the task
// runner mounts each task's secrets/ (a tmpfs) and its shared alloc
// directory (SYS_ADMIN, which Docker's default AppArmor profile would
// still refuse), and puts every task in Nomad's own cgroups (a writable
// cgroup tree).
var TaskRunner = []string{
	"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
	"--cap-add", "SYS_ADMIN",
	"--security-opt", "apparmor=unconfined",
}

// Isolation is for the exec and java drivers (libcontainer) and the
// docker driver (dockerd and runc inside the node), which also create
// session keyrings and namespaces that Docker's default seccomp profile
// refuses.
var Isolation = []string{"--security-opt", "seccomp=unconfined"}

// RunsTasks reports whether n gets TaskRunner.
func RunsTasks(n topology.Node) bool { return n.Role == topology.RoleClient }

// Isolates reports whether n gets Isolation: its group runs a driver
// that isolates its tasks with namespaces and keyrings of its own.
func Isolates(n topology.Node) bool {
	g := n.Group
	return g.HasDriver("exec") || g.HasDriver("java") || g.HasDriver("docker")
}

// Options is every `docker run` option of n's container but its name,
// labels and network: the lists above as n needs them, its hostname
// (the container's own, so nothing sets it again over SSH), memory and
// CPUs.
func Options(n topology.Node) []string {
	args := append([]string{}, Systemd...)
	if RunsTasks(n) {
		args = append(args, TaskRunner...)
	} else {
		args = append(args, CgroupReadOnly...)
	}
	if Isolates(n) {
		args = append(args, Isolation...)
	}
	return append(args, "--hostname", n.Name,
		"--memory", fmt.Sprintf("%dm", n.Group.Memory), "--cpus", fmt.Sprint(n.Group.CPUs))
}
