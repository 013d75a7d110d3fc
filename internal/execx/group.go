package execx

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Grace is how long a cancelled command's process group has between
// SIGTERM and SIGKILL.
const Grace = 5 * time.Second

// Contain makes cmd, made with exec.CommandContext, run in a process
// group of its own and end as a whole when its context is cancelled:
// SIGTERM to the group, SIGKILL Grace later. Killing only the child is
// not enough: ansible-playbook's forked workers, or a plugin's shell
// wrapper's children, keep running and hold the output pipes, and a
// Wait that reads those pipes never returns. WaitDelay bounds that wait
// even for a process that left the group.
//
// A child in its own group no longer gets the terminal's Ctrl-C; the
// context is how nomadbox passes it on. Interactive children (ssh to a
// terminal) must not be contained: only the foreground group may read
// the terminal.
func Contain(cmd *exec.Cmd) { ContainGrace(cmd, Grace) }

// ContainGrace is Contain with another time between SIGTERM and SIGKILL:
// 0 for a probe (a `version` call, a test boot) that has nothing to
// clean up and is killed at once.
func ContainGrace(cmd *exec.Cmd, grace time.Duration) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.Cancel = func() error { return stopGroup(cmd.Process.Pid, grace) }
	cmd.WaitDelay = grace + time.Second
}

// stopGroup sends SIGTERM to process group pgid and SIGKILL after grace
// to whatever of it is left.
func stopGroup(pgid int, grace time.Duration) error {
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	time.AfterFunc(grace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
	return nil
}

// KillGroup ends at once every process left in the group of a started,
// contained cmd: after Wait has returned on a cancelled command, the
// leader is gone but members that closed their output (and so did not
// hold Wait up) may still run.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
