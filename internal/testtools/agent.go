package testtools

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// FreePorts returns n TCP ports on 127.0.0.1 that were free a moment
// ago, for agents a test starts on loopback.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// StartAgent runs a long-lived program (a Consul or Nomad dev agent) in
// a process group of its own, its output going to logPath. The group is
// killed when the test ends; stop interrupts it earlier (SIGINT, as
// `systemctl stop` signals Nomad) and waits for it to exit.
func StartAgent(t testing.TB, logPath, bin string, args ...string) (stop func()) {
	t.Helper()
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(done) }()
	end := func(sig syscall.Signal, grace time.Duration) {
		select {
		case <-done:
			return
		default:
		}
		syscall.Kill(-cmd.Process.Pid, sig)
		select {
		case <-done:
		case <-time.After(grace):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	t.Cleanup(func() { end(syscall.SIGKILL, 5*time.Second) })
	return func() { end(syscall.SIGINT, 15*time.Second) }
}
