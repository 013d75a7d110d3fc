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

func TestDiagnosticToPBKeepsTheWireFields(t *testing.T) {
	// The wire keeps its bool and attribute name, which nomadbox releases
	// before typed severities read.
	cases := []struct {
		d    Diagnostic
		want *pb.Diagnostic
	}{
		{Diagnostic{Severity: SeverityError, Summary: "s", Detail: "d", Path: AtAttribute("region")},
			&pb.Diagnostic{Error: true, Summary: "s", Detail: "d", Attribute: "region"}},
		{Diagnostic{Severity: SeverityWarning, Summary: "w"}, &pb.Diagnostic{Summary: "w"}},
		{Diagnostic{Summary: "zero"}, &pb.Diagnostic{Error: true, Summary: "zero"}},
	}
	for _, c := range cases {
		got := diagnosticToPB(c.d)
		if got.GetError() != c.want.GetError() || got.GetAttribute() != c.want.GetAttribute() ||
			got.GetSummary() != c.want.GetSummary() || got.GetDetail() != c.want.GetDetail() {
			t.Errorf("diagnosticToPB(%+v) = %v, want %v", c.d, got, c.want)
		}
	}
}
