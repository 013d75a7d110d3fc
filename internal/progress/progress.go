// Package progress shows where a long command is: the phase, the node or
// task it is on, and the time spent. On a terminal one status line is
// redrawn in place; elsewhere (CI, pipes, log files) each event is a
// plain line, so output stays readable when nothing can redraw.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Timing is how long one phase took.
type Timing struct {
	Phase    string
	Duration time.Duration
	OK       bool
}

// Progress reports phases and their details. Safe for concurrent use.
type Progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	start time.Time

	mu         sync.Mutex
	phase      string
	phaseStart time.Time
	lastDetail string
	drawn      bool
	timings    []Timing
}

// New reports to w; tty selects redrawing.
func New(w io.Writer, tty bool) *Progress {
	p := &Progress{w: w, tty: tty, now: time.Now}
	p.start = p.now()
	return p
}

func (p *Progress) elapsed() string {
	d := p.now().Sub(p.start).Round(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// Phase starts a phase, ending the previous one as successful.
func (p *Progress) Phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked(true, "")
	p.phase, p.phaseStart, p.lastDetail = name, p.now(), ""
	p.clearLocked()
	fmt.Fprintf(p.w, "[%s] %s\n", p.elapsed(), name)
}

// Detail reports what the current phase is doing ("nomad-client1:
// Creating the container"). Repeats are dropped.
func (p *Progress) Detail(format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	p.mu.Lock()
	defer p.mu.Unlock()
	if msg == "" || msg == p.lastDetail {
		return
	}
	p.lastDetail = msg
	if p.tty {
		line := fmt.Sprintf("  [%s] %s: %s", p.elapsed(), p.phase, msg)
		if len(line) > 119 {
			line = line[:116] + "..."
		}
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "  [%s] %s\n", p.elapsed(), msg)
}

// Printf prints a line of its own (a result, a hint), keeping the
// status line intact on a terminal.
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, format, args...)
}

// Done ends the current phase successfully, with an optional summary.
func (p *Progress) Done(summary string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked(true, summary)
}

// Fail ends the current phase as failed.
func (p *Progress) Fail(summary string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked(false, summary)
}

func (p *Progress) endLocked(ok bool, summary string) {
	if p.phase == "" {
		return
	}
	d := p.now().Sub(p.phaseStart)
	p.timings = append(p.timings, Timing{Phase: p.phase, Duration: d, OK: ok})
	p.clearLocked()
	mark := "done"
	if !ok {
		mark = "FAILED"
	}
	if summary != "" {
		summary = ": " + summary
	}
	fmt.Fprintf(p.w, "[%s] %s %s in %.1fs%s\n", p.elapsed(), p.phase, mark, d.Seconds(), summary)
	p.phase = ""
}

func (p *Progress) clearLocked() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// Timings lists the finished phases in order.
func (p *Progress) Timings() []Timing {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Timing(nil), p.timings...)
}

// Summary is one line with every phase's duration and the total, the
// line the benchmark reads: "timings: render=0.1s machines=20.3s total=56.2s".
func (p *Progress) Summary() string {
	var b strings.Builder
	b.WriteString("timings:")
	for _, t := range p.Timings() {
		fmt.Fprintf(&b, " %s=%.1fs", strings.ReplaceAll(t.Phase, " ", "-"), t.Duration.Seconds())
	}
	fmt.Fprintf(&b, " total=%.1fs", p.now().Sub(p.start).Seconds())
	return b.String()
}

// Write prints p as it is, keeping the status line intact on a terminal,
// so a Progress can stand in for an io.Writer.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	return p.w.Write(b)
}

// DetailWriter is an io.Writer whose every write becomes the current
// detail (transient, unlike Write), for output that only shows progress.
func (p *Progress) DetailWriter() io.Writer { return detailWriter{p} }

type detailWriter struct{ p *Progress }

func (w detailWriter) Write(b []byte) (int, error) {
	w.p.Detail("%s", string(b))
	return len(b), nil
}
