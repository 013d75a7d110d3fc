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

// DecodePluginBlock decodes a plugin provider's block with the schema
// the plugin declared, the way built-in blocks are decoded: unknown
// attributes, missing required ones and values of the wrong type are
// diagnostics at their line and column. The values, defaults applied,
// go to Config as JSON values.
func (p *Provider) DecodePluginBlock(s *provider.Schema) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bs := &hcl.BodySchema{}
	types := map[string]cty.Type{}
	for _, a := range s.Attributes {
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
	p.Config = map[string]any{}
	for _, a := range s.Attributes {
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
		v, vdiags := attr.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		v, err := convert.Convert(v, types[name])
		if err != nil || !v.IsWhollyKnown() || v.IsNull() {
			diags = append(diags, errorAt(&r, "Incorrect attribute value type",
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
