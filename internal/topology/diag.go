package topology

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

func errorAt(subject *hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  subject,
	}
}

func warningAt(subject *hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	d := errorAt(subject, summary, detail, args...)
	d.Severity = hcl.DiagWarning
	return d
}
