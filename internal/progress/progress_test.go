package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func fakeClock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, false)
	p.now = fakeClock()
	p.start = p.now()
	p.Phase("machines")
	p.Detail("nomad-server1: Creating")
	p.Detail("nomad-server1: Creating") // repeat dropped
	p.Phase("provision")
	p.Fail("nomad-client1 failed")
	out := buf.String()
	if strings.Contains(out, "\r") || strings.Contains(out, "\033") {
		t.Errorf("plain output must not redraw: %q", out)
	}
	if strings.Count(out, "nomad-server1: Creating") != 1 {
		t.Errorf("repeat not dropped:\n%s", out)
	}
	for _, want := range []string{"machines done in", "provision FAILED in", "nomad-client1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	tm := p.Timings()
	if len(tm) != 2 || !tm[0].OK || tm[1].OK {
		t.Errorf("timings %+v", tm)
	}
	if s := p.Summary(); !strings.HasPrefix(s, "timings: machines=") || !strings.Contains(s, "total=") {
		t.Errorf("summary %q", s)
	}
}

func TestTerminalRedraws(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, true)
	p.Phase("machines")
	p.Detail("a")
	p.Detail("b")
	p.Done("")
	if !strings.Contains(buf.String(), "\r\033[K") {
		t.Errorf("no redraw: %q", buf.String())
	}
}
