package topology

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
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
	b.items = map[string][]item{}
	for name, a := range d.attrs {
		b.attrs[name] = a.Expr.Range()
		b.items[name] = itemsOf(a.Expr)
		d.diags = append(d.diags, duplicateKeys(name, b.items[name])...)
	}
	return d
}

// item is one element of a list or one key = value of a map as written,
// so a check can point at the offending element instead of the whole
// attribute.
type item struct {
	InMap    bool   // a key = value of a map, not a list element
	Key      string // maps only
	KeyRange hcl.Range
	Range    hcl.Range // the element, or the map value
}

// itemsOf lists the elements of a list or map literal in source order;
// other expressions have none.
func itemsOf(expr hcl.Expression) []item {
	var out []item
	switch e := expr.(type) {
	case *hclsyntax.TupleConsExpr:
		for _, el := range e.Exprs {
			out = append(out, item{KeyRange: el.Range(), Range: el.Range()})
		}
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			k, diags := it.KeyExpr.Value(nil)
			key := ""
			if !diags.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() {
				key = k.AsString()
			}
			out = append(out, item{InMap: true, Key: key, KeyRange: it.KeyExpr.Range(), Range: it.ValueExpr.Range()})
		}
	}
	return out
}

// duplicateKeys reports a map key written twice. HCL keeps the last
// value and drops the first without a word, so `meta = { rack = "r1",
// rack = "r2" }` would lose "r1" silently; each repeat is an error at
// the repeated key.
func duplicateKeys(attr string, items []item) hcl.Diagnostics {
	var diags hcl.Diagnostics
	first := map[string]hcl.Range{}
	for _, it := range items {
		if !it.InMap {
			continue
		}
		if r, dup := first[it.Key]; dup {
			diags = append(diags, errorAt(it.KeyRange.Ptr(), "Duplicate key",
				"%s sets %q twice; the first is at %s. Keep one of them: HCL would silently drop the first.", attr, it.Key, r))
			continue
		}
		first[it.Key] = it.KeyRange
	}
	return diags
}

// itemSubject is the range of the i-th element of a list attribute,
// or the attribute's when its elements are unknown.
func (b *block) itemSubject(name string, i int) *hcl.Range {
	if items := b.items[name]; i < len(items) {
		r := items[i].Range
		return &r
	}
	return b.subject(name)
}

// mapItem is the first item written for key in map attribute name, nil
// when there is none.
func (b *block) mapItem(name, key string) *item {
	for i, it := range b.items[name] {
		if it.InMap && it.Key == key {
			return &b.items[name][i]
		}
	}
	return nil
}

// keySubject is the range of key in a map attribute (where the key is
// written), or the attribute's.
func (b *block) keySubject(name, key string) *hcl.Range {
	if it := b.mapItem(name, key); it != nil {
		r := it.KeyRange
		return &r
	}
	return b.subject(name)
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

// valueSubject is the range of the value of key in a map attribute, or
// the attribute's.
func (b *block) valueSubject(name, key string) *hcl.Range {
	if it := b.mapItem(name, key); it != nil {
		r := it.Range
		return &r
	}
	return b.subject(name)
}

// mapKeys lists the keys of m, the decoded value of map attribute name,
// in the order they are written (sorted when that is unknown), so that
// a problem between two entries is reported at the later one.
func (b *block) mapKeys(name string, m map[string]string) []string {
	keys := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, it := range b.items[name] {
		if _, ok := m[it.Key]; ok && it.InMap && !seen[it.Key] {
			keys = append(keys, it.Key)
			seen[it.Key] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}
