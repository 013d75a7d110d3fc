package execx

import (
	"context"
	"time"
)

type stopKey struct{}

// WithStop returns ctx carrying stop, a context that is done when the
// user asks a second time (a second Ctrl-C or SIGTERM): cleanup that runs
// after ctx was cancelled ends then too (CleanupContext).
func WithStop(ctx, stop context.Context) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// CleanupContext is for the cleanup after a failed or cancelled step
// (removing the machines a run created): it outlives ctx's cancel, ends
// after d, and ends when the stop that ctx carries (WithStop) is done.
func CleanupContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	stop, ok := ctx.Value(stopKey{}).(context.Context)
	if !ok {
		return c, cancel
	}
	unregister := context.AfterFunc(stop, cancel)
	return c, func() {
		unregister()
		cancel()
	}
}
