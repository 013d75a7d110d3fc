package cluster

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
	"github.com/nomadbox/nomadbox/internal/progress"
	"github.com/nomadbox/nomadbox/internal/providers"
	"github.com/nomadbox/nomadbox/provider"
)

// slowDestroy is a provider whose Destroy lasts until its context ends.
type slowDestroy struct {
	provider.Provider
	started chan struct{}
}

func (s slowDestroy) Destroy(ctx context.Context, _ *provider.Cluster, _ []string, _ provider.Progress) error {
	close(s.started)
	<-ctx.Done()
	return ctx.Err()
}

// syncWriter is a strings.Builder safe to read while another goroutine
// writes.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestRemoveCreatedOutlivesTheCancelAndStopsWhenAskedAgain(t *testing.T) {
	out := &syncWriter{}
	fake := slowDestroy{started: make(chan struct{})}
	s := &Session{
		Topology: envTopology(t, ""),
		Dir:      t.TempDir(),
		Progress: progress.New(out, false),
		Provider: &providers.Handle{Provider: fake},
	}
	// The run was stopped (first Ctrl-C); stop is the second one.
	ctx, cancel := context.WithCancel(context.Background())
	stop, askAgain := context.WithCancel(context.Background())
	ctx = execx.WithStop(ctx, stop)
	cancel()

	done := make(chan struct{})
	go func() {
		(&upRun{s: s}).removeCreated(ctx)
		close(done)
	}()
	<-fake.started
	select {
	case <-done:
		t.Fatal("the removal ended with the cancelled run instead of running on")
	case <-time.After(200 * time.Millisecond):
	}
	askAgain()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a second Ctrl-C did not stop the removal")
	}
	for _, want := range []string{"Stopped removing them", `cluster "env"`, "nomad-server1, nomad-client1", "nomadbox destroy --force"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not say %q:\n%s", want, out.String())
		}
	}
}
