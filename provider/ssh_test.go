package provider

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// bannerServer accepts connections on loopback and writes banner to each.
func bannerServer(t *testing.T, banner string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(banner))
			c.Close()
		}
	}()
	return l.Addr().String()
}

func TestWaitSSH(t *testing.T) {
	ctx := context.Background()
	if err := WaitSSH(ctx, bannerServer(t, "SSH-2.0-OpenSSH_9.2\r\n"), 5*time.Second); err != nil {
		t.Errorf("an SSH server: %v", err)
	}
	err := WaitSSH(ctx, bannerServer(t, "HTTP/1.1 400 Bad Request\r\n"), 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not an SSH banner") {
		t.Errorf("a server that is not SSH: %v, want an error naming the banner", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	err = WaitSSH(ctx, closed, 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 500ms") {
		t.Errorf("nothing listening: %v, want a timeout error", err)
	}
}
