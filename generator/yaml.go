package generator

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// mapping is a YAML mapping that keeps the order keys were added in, so
// generated YAML reads top-down the way a person would write it.
type mapping struct {
	node yaml.Node
}

func newMapping() *mapping {
	return &mapping{node: yaml.Node{Kind: yaml.MappingNode}}
}

// set appends key: value. Values are Go values (encoded by yaml.v3) or
// *mapping.
func (m *mapping) set(key string, value any) *mapping {
	k := &yaml.Node{Kind: yaml.ScalarNode, Value: key}
	var v *yaml.Node
	if sub, ok := value.(*mapping); ok {
		v = &sub.node
	} else {
		v = &yaml.Node{}
		if err := v.Encode(value); err != nil {
			panic(fmt.Sprintf("generator: cannot encode %s: %v", key, err))
		}
	}
	m.node.Content = append(m.node.Content, k, v)
	return m
}

// yamlDocument renders m with a leading comment and the document marker
// ansible-lint expects.
func yamlDocument(headerComment string, m *mapping) []byte {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	buf.WriteString(headerComment)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&m.node); err != nil {
		panic(fmt.Sprintf("generator: encoding YAML: %v", err))
	}
	enc.Close()
	return buf.Bytes()
}
