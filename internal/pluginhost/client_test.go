package pluginhost

import (
	"testing"

	"github.com/nomadbox/nomadbox/internal/pluginwire/pb"
	"github.com/nomadbox/nomadbox/provider"
)

func TestDiagnosticFromPB(t *testing.T) {
	// What any plugin sends, built with this SDK or an older one: the
	// wire's bool is the severity, its attribute name the path.
	cases := []struct {
		in   *pb.Diagnostic
		want provider.Diagnostic
	}{
		{&pb.Diagnostic{Error: true, Summary: "s", Detail: "d", Attribute: "region"},
			provider.Diagnostic{Severity: provider.SeverityError, Summary: "s", Detail: "d", Path: provider.AtAttribute("region")}},
		{&pb.Diagnostic{Summary: "w"}, provider.Diagnostic{Severity: provider.SeverityWarning, Summary: "w"}},
	}
	for _, c := range cases {
		if got := diagnosticFromPB(c.in); got != c.want {
			t.Errorf("diagnosticFromPB(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}
