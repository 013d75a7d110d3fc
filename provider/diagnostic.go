package provider

// Diagnostic is a problem Validate found in the provider's block.
// nomadbox prints it as it prints its own topology problems, at the
// attribute's line and column (or the block's label).
type Diagnostic struct {
	// Severity is SeverityError unless set: an error stops the command,
	// a warning is printed and the command goes on.
	Severity Severity `json:"severity"`
	// Summary is a short title ("Unknown region"); nomadbox uses
	// `Provider "<name>"` when it is empty.
	Summary string `json:"summary"`
	// Detail says what is wrong and how to fix it.
	Detail string `json:"detail"`
	// Path is where the problem is: AtAttribute(name) for an attribute
	// of the block, the zero AttributePath for the block as a whole.
	Path AttributePath `json:"path"`
}

// Severity says whether a Diagnostic stops nomadbox.
type Severity int

const (
	// SeverityError: the block cannot be used as it is; validate fails
	// and no command goes on. The zero value, so a Diagnostic that does
	// not say is an error.
	SeverityError Severity = iota
	// SeverityWarning: printed, and the command goes on.
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// AttributePath is the part of the provider block a Diagnostic is
// about. The zero value is the block as a whole.
type AttributePath struct{ attribute string }

// AtAttribute is the path of the block's attribute name, as the Schema
// names it.
func AtAttribute(name string) AttributePath { return AttributePath{attribute: name} }

// Attribute is the attribute's name, "" for the whole block.
func (p AttributePath) Attribute() string { return p.attribute }

// String is the attribute's name, or "(block)".
func (p AttributePath) String() string {
	if p.attribute == "" {
		return "(block)"
	}
	return p.attribute
}

// MarshalText writes the attribute's name ("" for the block).
func (p AttributePath) MarshalText() ([]byte, error) { return []byte(p.attribute), nil }
