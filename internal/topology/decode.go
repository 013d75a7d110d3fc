package topology

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// attrDecoder decodes the attributes of one block body into Go values and
// records where each came from. Type errors become diagnostics that point
// at the value, the way Terraform and Packer report them.
type attrDecoder struct {
	attrs hcl.Attributes
	into  *block
	diags hcl.Diagnostics
}

// newAttrDecoder reads body against a schema of optional attributes named
// in names. Unknown attributes and blocks are reported by HCL itself,
// with a "did you mean" suggestion.
func newAttrDecoder(body hcl.Body, b *block, names ...string) *attrDecoder {
	schema := &hcl.BodySchema{}
	for _, n := range names {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: n})
	}
	content, diags := body.Content(schema)
	d := &attrDecoder{into: b, diags: diags}
	if content != nil {
		d.attrs = content.Attributes
	}
	b.attrs = map[string]hcl.Range{}
	for name, a := range d.attrs {
		b.attrs[name] = a.Expr.Range()
	}
	return d
}

// decode stores attribute name into dst when the user wrote it.
func (d *attrDecoder) decode(name string, dst any) {
	a, ok := d.attrs[name]
	if !ok {
		return
	}
	diags := gohcl.DecodeExpression(a.Expr, nil, dst)
	if diags.HasErrors() {
		// A value of the wrong type is reported once; later checks must not
		// complain about the zero value left behind.
		delete(d.into.attrs, name)
		d.into.attrs["!"+name] = a.Expr.Range()
	}
	d.diags = append(d.diags, diags...)
}

// hadTypeError reports whether attribute name failed to decode, so
// value checks can stay quiet about it.
func (b *block) hadTypeError(name string) bool {
	_, ok := b.attrs["!"+name]
	return ok
}
