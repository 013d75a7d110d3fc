package cli

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/execx"
)

func TestSignalContextFirstStopsSecondEndsCleanup(t *testing.T) {
	ctx, stop := signalContext(context.Background())
	defer stop()
	// What up does when it cleans up after its step was stopped.
	cleanup := func() (context.Context, context.CancelFunc) { return execx.CleanupContext(ctx, time.Minute) }

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not cancel the command's context")
	}
	if cause := context.Cause(ctx); cause == nil || cause.Error() != "stopped by SIGTERM" || !errors.Is(cause, context.Canceled) {
		t.Errorf("cause = %v, want stopped by SIGTERM, a context.Canceled", cause)
	}
	cctx, cancel := cleanup()
	defer cancel()
	time.Sleep(100 * time.Millisecond)
	if cctx.Err() != nil {
		t.Fatal("the cleanup after the first signal was cancelled with the command")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a second signal did not end the cleanup")
	}
}
