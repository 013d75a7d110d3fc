package provider

import (
	"context"
	"fmt"
	"net"
	"time"
)

// WaitSSH waits until an SSH server answers at host (an address, port
// 22 unless host has one) or timeout has passed. A new machine or
// container runs long before its init system has started sshd, and
// nomadbox connects as soon as Up returns, so Up should call this for
// every machine it made. It reads the banner rather than only
// connecting, since a half-booted machine may accept and then drop.
func WaitSSH(ctx context.Context, host string, timeout time.Duration) error {
	hostPort := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		hostPort = net.JoinHostPort(host, "22")
	}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = sshBanner(ctx, hostPort); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("sshd on %s did not answer within %s (last: %v)", hostPort, timeout, last)
}

func sshBanner(ctx context.Context, hostPort string) error {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	if _, err := conn.Read(buf); err != nil {
		return err
	}
	if string(buf) != "SSH-" {
		return fmt.Errorf("%s answered %q, not an SSH banner", hostPort, buf)
	}
	return nil
}
