// Package yamldoc parses YAML into line-numbered node trees with limits that keep hostile input
// (alias bombs, huge documents) bounded, and offers the small lookups every YAML platform needs.
package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Limits on one file. yaml.v3 keeps aliases as references in the node tree (it never expands them
// while building nodes) and caps nesting at 10000; these caps bound what we build and walk on top.
const (
	MaxDocuments = 10000
	MaxNodes     = 2_000_000
	// MaxExpanded bounds how many nodes an alias-following walk (ToValue) may visit: a billion
	// laughs document is small as nodes but explodes when aliases are expanded.
	MaxExpanded = 1_000_000
)

// ErrTooLarge is returned when a document exceeds a limit.
var ErrTooLarge = errors.New("yaml exceeds limits")

// Doc is one YAML document of a stream.
type Doc struct {
	Index int
	Root  *yaml.Node // the document's content node (mapping, sequence or scalar); nil when empty
}

// Parse splits a stream into documents. A parse error in any document fails the file: a half-read
// manifest would give half the findings without saying so.
func Parse(content []byte) ([]Doc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var docs []Doc
	nodes := 0
	for i := 0; ; i++ {
		if i >= MaxDocuments {
			return nil, fmt.Errorf("%w: more than %d documents", ErrTooLarge, MaxDocuments)
		}
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var root *yaml.Node
		if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			root = n.Content[0]
		}
		nodes += count(root, MaxNodes-nodes)
		if nodes >= MaxNodes {
			return nil, fmt.Errorf("%w: more than %d nodes", ErrTooLarge, MaxNodes)
		}
		docs = append(docs, Doc{Index: i, Root: root})
	}
	return docs, nil
}

func count(n *yaml.Node, budget int) int {
	if n == nil || budget <= 0 {
		return 0
	}
	c := 1
	for _, ch := range n.Content {
		c += count(ch, budget-c)
		if c >= budget {
			return c
		}
	}
	return c
}

// Resolve follows an alias to its anchor.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// Get returns the key and value nodes of a mapping entry (merge keys `<<` included).
func Get(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Kind == yaml.ScalarNode {
			return m.Content[i], Resolve(m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "<<" {
			for _, src := range mergeSources(m.Content[i+1]) {
				if k, v := Get(src, key); k != nil {
					return k, v
				}
			}
		}
	}
	return nil, nil
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// Val returns a mapping value or nil.
func Val(m *yaml.Node, key string) *yaml.Node { _, v := Get(m, key); return v }

// Path walks nested mapping keys.
func Path(m *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		m = Val(m, k)
		if m == nil {
			return nil
		}
	}
	return m
}

// Str returns a scalar's value ("" for anything else).
func Str(n *yaml.Node) string {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// IsNull reports an absent or explicit null value.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Bool reads a YAML boolean; ok is false when the node is not one.
func Bool(n *yaml.Node) (v, ok bool) {
	s := strings.ToLower(Str(n))
	switch s {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// Int reads an integer scalar.
func Int(n *yaml.Node) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(Str(n)), 0, 64)
	return v, err == nil
}

// Seq returns a sequence's items (nil for anything else), aliases resolved.
func Seq(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, Resolve(c))
	}
	return out
}

// Pair is one mapping entry.
type Pair struct{ Key, Value *yaml.Node }

// Pairs lists a mapping's entries in order (merge keys are not expanded: callers that care use Get).
func Pairs(m *yaml.Node) []Pair {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]Pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, Pair{m.Content[i], Resolve(m.Content[i+1])})
	}
	return out
}

// Line is a node's line, or fallback when the node is nil.
func Line(n *yaml.Node, fallback int) int {
	if n == nil || n.Line == 0 {
		return fallback
	}
	return n.Line
}

// EndLine estimates the last line of a node's subtree.
func EndLine(n *yaml.Node) int {
	end := 0
	var walk func(*yaml.Node, int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 200 {
			return
		}
		if n.Line > end {
			end = n.Line
			if n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 {
				end += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return end
}

// ToValue converts a node tree to plain Go values (map[string]any, []any, string, float64/int64,
// bool, nil) as encoding/json would, expanding aliases within the MaxExpanded budget.
func ToValue(n *yaml.Node) (any, error) {
	budget := MaxExpanded
	return toValue(n, &budget, 0)
}

func toValue(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, fmt.Errorf("%w: alias expansion over %d nodes", ErrTooLarge, MaxExpanded)
	}
	if depth > 10000 {
		return nil, fmt.Errorf("%w: nested deeper than 10000", ErrTooLarge)
	}
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return toValue(n.Alias, budget, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0], budget, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Kind == yaml.ScalarNode {
				for _, src := range mergeSources(v) {
					mv, err := toValue(src, budget, depth+1)
					if err != nil {
						return nil, err
					}
					if mm, ok := mv.(map[string]any); ok {
						for mk, mvv := range mm {
							if _, set := out[mk]; !set {
								out[mk] = mvv
							}
						}
					}
				}
				continue
			}
			val, err := toValue(v, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out[Str(k)] = val
		}
		return out, nil
	default:
		return scalar(n), nil
	}
}

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := Bool(n)
		return b
	case "!!int":
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return v
		}
	case "!!float":
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v
		}
	}
	return n.Value
}
