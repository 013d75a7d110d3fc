package topology

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/nomadbox/nomadbox/provider"
)

// schemaTypes maps a plugin schema's attribute types to HCL's.
var schemaTypes = map[string]cty.Type{
	provider.TypeString:     cty.String,
	provider.TypeNumber:     cty.Number,
	provider.TypeBool:       cty.Bool,
	provider.TypeListString: cty.List(cty.String),
	provider.TypeMapString:  cty.Map(cty.String),
}

// DecodeBlock decodes a provider's block with the schema its provider
// declares, a plugin's or a built-in's alike: unknown attributes,
// missing required ones, values of the wrong type and map keys written
// twice are diagnostics at their line and column. The values, defaults
// applied, go to Config as JSON values.
func (p *Provider) DecodeBlock(schema []provider.Attribute) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bs := &hcl.BodySchema{}
	types := map[string]cty.Type{}
	for _, a := range schema {
		ty, ok := schemaTypes[a.Type]
		if !ok {
			diags = append(diags, errorAt(&p.NameRange, "Invalid provider schema",
				"The plugin for provider %q declares attribute %q with type %q, which nomadbox does not know (it knows string, number, bool, list(string), map(string)); the plugin needs fixing.", p.Name, a.Name, a.Type))
			continue
		}
		types[a.Name] = ty
		bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: a.Name, Required: a.Required})
	}
	if diags.HasErrors() {
		return diags
	}
	content, cdiags := p.Body.Content(bs)
	diags = append(diags, cdiags...)
	p.attrs = map[string]hcl.Range{}
	p.items = map[string][]item{}
	p.Config = map[string]any{}
	for _, a := range schema {
		if a.Default != nil {
			p.Config[a.Name] = a.Default
		}
	}
	if content == nil {
		return diags
	}
	names := make([]string, 0, len(content.Attributes))
	for name := range content.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		attr := content.Attributes[name]
		r := attr.Expr.Range()
		p.attrs[name] = r
		p.items[name] = itemsOf(attr.Expr)
		diags = append(diags, duplicateKeys(name, p.items[name])...)
		v, vdiags := attr.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			delete(p.attrs, name)
			p.attrs["!"+name] = r
			continue
		}
		v, err := convert.Convert(v, types[name])
		if err != nil || !v.IsWhollyKnown() || v.IsNull() {
			// Reported once: later checks must not judge the value.
			delete(p.attrs, name)
			p.attrs["!"+name] = r
			// The summary every other block's type errors have (gohcl's).
			diags = append(diags, errorAt(&r, "Unsuitable value type",
				"Inappropriate value for attribute %q: %s required.", name, types[name].FriendlyName()))
			continue
		}
		goValue, err := jsonValue(v, types[name])
		if err != nil {
			diags = append(diags, errorAt(&r, "Unsupported value", "Attribute %q: %v.", name, err))
			continue
		}
		p.Config[name] = goValue
	}
	return diags
}

func jsonValue(v cty.Value, ty cty.Type) (any, error) {
	b, err := ctyjson.Marshal(v, ty)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

// PluginDiagnostics places a plugin's Validate answers at the attribute
// each is about, or at the provider label.
func (p *Provider) PluginDiagnostics(ds []provider.Diagnostic) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, d := range ds {
		subject := &p.NameRange
		if r, ok := p.attrs[d.Path.Attribute()]; ok && d.Path.Attribute() != "" {
			subject = &r
		}
		summary := d.Summary
		if summary == "" {
			summary = fmt.Sprintf("Provider %q", p.Name)
		}
		if d.Severity != provider.SeverityWarning {
			diags = append(diags, errorAt(subject, summary, "%s", d.Detail))
		} else {
			diags = append(diags, warningAt(subject, summary, "%s", d.Detail))
		}
	}
	return diags
}
