package provider

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
)

// exclusiveStream is a progress stream that notices overlapping Sends,
// which a gRPC stream does not allow.
type exclusiveStream struct {
	inFlight, overlaps, sent atomic.Int32
}

func (s *exclusiveStream) Context() context.Context { return context.Background() }

func (s *exclusiveStream) Send(*pb.Progress) error {
	if s.inFlight.Add(1) > 1 {
		s.overlaps.Add(1)
	}
	time.Sleep(time.Millisecond)
	s.inFlight.Add(-1)
	s.sent.Add(1)
	return nil
}

func TestStreamedSendsOneAtATime(t *testing.T) {
	s := &exclusiveStream{}
	err := streamed(s, func(_ context.Context, progress Progress) error {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					progress("line")
				}
			}()
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.overlaps.Load(); n != 0 {
		t.Errorf("%d progress lines were sent while another was being sent", n)
	}
	if n := s.sent.Load(); n != 80 {
		t.Errorf("%d progress lines sent, want 80", n)
	}
}
