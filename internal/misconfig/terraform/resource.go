package terraform

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// resource is a resource, data source or provider block with its module's evaluation context.
type resource struct {
	typ, name, file string
	line            int
	data            bool
	body            *hclsyntax.Body
	ctx             *hcl.EvalContext
}

func (r *resource) node() node { return node{body: r.body, ctx: r.ctx, line: r.line} }

// node is a block body the checks read values from.
type node struct {
	body *hclsyntax.Body
	ctx  *hcl.EvalContext
	line int
}

// value evaluates an attribute; ok is false when it is absent. Unknown parts stay unknown.
func (n node) value(name string) (v cty.Value, line int, ok bool) {
	if n.body == nil {
		return cty.NilVal, n.line, false
	}
	a, ok := n.body.Attributes[name]
	if !ok {
		return cty.NilVal, n.line, false
	}
	return evalExpr(a.Expr, n.ctx), a.SrcRange.Start.Line, true
}

// has reports whether the attribute is written (false inside an absent block).
func (n node) has(name string) bool {
	if n.body == nil {
		return false
	}
	_, ok := n.body.Attributes[name]
	return ok
}

// str returns a known string attribute.
func (n node) str(name string) (s string, line int, known bool) {
	v, line, ok := n.value(name)
	if !ok || !v.IsKnown() || v.IsNull() {
		return "", line, false
	}
	if v.Type() == cty.String {
		return v.AsString(), line, true
	}
	if v.Type() == cty.Number {
		return v.AsBigFloat().Text('f', -1), line, true
	}
	if v.Type() == cty.Bool {
		if v.True() {
			return "true", line, true
		}
		return "false", line, true
	}
	return "", line, false
}

// boolean returns a known bool attribute (strings "true"/"false" accepted as Terraform does).
func (n node) boolean(name string) (b bool, line int, known bool) {
	s, line, ok := n.str(name)
	if !ok {
		return false, line, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, line, true
	case "false":
		return false, line, true
	}
	return false, line, false
}

// num returns a known number attribute.
func (n node) num(name string) (f float64, line int, known bool) {
	v, line, ok := n.value(name)
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return 0, line, false
	}
	f, _ = v.AsBigFloat().Float64()
	return f, line, true
}

// strs returns the known string elements of a list/set/tuple attribute (or a single string).
func (n node) strs(name string) (out []string, line int, ok bool) {
	v, line, ok := n.value(name)
	if !ok {
		return nil, line, false
	}
	return flattenStrings(v), line, true
}

func flattenStrings(v cty.Value) []string {
	if v == cty.NilVal || !v.IsKnown() || v.IsNull() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return []string{v.AsString()}
	case t == cty.Number:
		return []string{v.AsBigFloat().Text('f', -1)}
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, flattenStrings(e)...)
		}
		return out
	}
	return nil
}

// blocks returns nested blocks by type, including the content of `dynamic "type"` blocks.
func (n node) blocks(typ string) []node {
	if n.body == nil {
		return nil
	}
	var out []node
	for _, b := range n.body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, node{body: b.Body, ctx: n.ctx, line: b.TypeRange.Start.Line})
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, node{body: c.Body, ctx: n.ctx, line: c.TypeRange.Start.Line})
				}
			}
		}
	}
	return out
}

// block returns the first nested block of a type, and whether there is one.
func (n node) block(typ string) (node, bool) {
	bs := n.blocks(typ)
	if len(bs) == 0 {
		return node{line: n.line}, false
	}
	return bs[0], true
}

// refersTo reports whether an attribute's expression references addr (e.g. aws_s3_bucket.logs).
func (n node) refersTo(name, addr string) bool {
	a, ok := n.body.Attributes[name]
	if !ok {
		return false
	}
	for _, tr := range a.Expr.Variables() {
		if len(tr) >= 2 {
			root := tr.RootName()
			if attr, ok := tr[1].(hcl.TraverseAttr); ok && root+"."+attr.Name == addr {
				return true
			}
		}
	}
	return false
}
