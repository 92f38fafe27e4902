package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Input shapes one .tf file for Rego the way conftest's hcl2 parser does: block type, then each
// label as a nested key, then the body as an object (input.resource.aws_s3_bucket.logs.acl).
// A block type that repeats under the same keys becomes an array. Expressions that cannot be
// evaluated statically are given as their source text wrapped in ${…}.
func Input(p string, content []byte) (any, error) {
	file, diags := hclsyntax.ParseConfig(content, p, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("hcl: %s", diags.Error())
	}
	body := file.Body.(*hclsyntax.Body)
	guard(body)
	return bodyValue(body, content, 0, withBudget(&hcl.EvalContext{Functions: functions}, newPool())), nil
}

func bodyValue(b *hclsyntax.Body, src []byte, depth int, ctx *hcl.EvalContext) map[string]any {
	out := map[string]any{}
	if depth > 64 {
		return out
	}
	for name, a := range b.Attributes {
		v, d := evalExprDiags(a.Expr, ctx) // over-budget values are unknown
		if d.HasErrors() || !v.IsWhollyKnown() {
			r := a.Expr.Range()
			out[name] = "${" + string(r.SliceBytes(src)) + "}"
			continue
		}
		out[name] = ctyToGo(v)
	}
	for _, blk := range b.Blocks {
		body := bodyValue(blk.Body, src, depth+1, ctx)
		m := out
		keys := append([]string{blk.Type}, blk.Labels...)
		for i, k := range keys {
			if i == len(keys)-1 {
				switch prev := m[k].(type) {
				case nil:
					m[k] = body
				case map[string]any:
					m[k] = []any{prev, body}
				case []any:
					m[k] = append(prev, body)
				}
				break
			}
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
	}
	return out
}

func ctyToGo(v cty.Value) any {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		var out []any
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToGo(e))
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ctyToGo(e)
		}
		return out
	}
	return nil
}
