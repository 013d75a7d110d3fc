// Package ruby writes the Ruby of the Vagrantfile nomadbox renders:
// string and list literals that no value can break out of, and the
// templates (delimited by [[ ]], Ruby using {{ }} itself rarely but
// #{...} often) the generator and each built-in provider's fragment are
// written in.
package ruby

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// String quotes s as a Ruby double-quoted string literal. Besides
// quotes and backslashes, "#" is escaped so "#{...}" in a value can never
// become Ruby code.
func String(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// List is strs as a Ruby array of string literals.
func List(strs []string) string {
	quoted := make([]string, len(strs))
	for i, s := range strs {
		quoted[i] = String(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// Template parses src, a template with [[ ]] delimiters and the
// functions rb (String) and rbList (List) beside funcs, as name.
func Template(name, src string, funcs template.FuncMap) (*template.Template, error) {
	all := template.FuncMap{"rb": String, "rbList": List}
	for k, f := range funcs {
		all[k] = f
	}
	return template.New(name).Delims("[[", "]]").Option("missingkey=error").Funcs(all).Parse(src)
}

// Render renders the template src (see Template) with data.
func Render(name, src string, data any) (string, error) {
	t, err := Template(name, src, nil)
	if err != nil {
		return "", fmt.Errorf("parsing the %s Ruby: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("rendering the %s Ruby: %w", name, err)
	}
	return b.String(), nil
}
