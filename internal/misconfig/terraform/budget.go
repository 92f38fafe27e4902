package terraform

import (
	"reflect"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Evaluation limits. A value is measured logically (elements and string bytes as if every shared
// sub-value were copied) because that is what cty walks, converts and encodes: 39 locals of
// [prev, prev, prev, prev] are a few kilobytes in memory but 4^39 elements to any deep walk.
// Anything over a limit becomes unknown, and unknown never fires a check.
const (
	maxValueElems = 100_000  // one value, e.g. a local or a function argument
	maxValueBytes = 10 << 20 // string bytes of one value
	evalElems     = 1_000_000
	evalBytes     = 32 << 20
	poolElems     = 2_000_000 // all evaluations of one module's variables and locals, or one file's checks
	poolBytes     = 64 << 20
	maxValueDepth = 256
)

// budget is the work left to one evaluation; charges also go to its parent pool. A budget is
// used by one goroutine at a time (a module's locals, one runChecks call, one expression).
type budget struct {
	elems, bytes int64
	parent       *budget
}

func newPool() *budget { return &budget{elems: poolElems, bytes: poolBytes} }

// left is what can still be spent here and in every pool above.
func (b *budget) left() (elems, bytes int64) {
	elems, bytes = b.elems, b.bytes
	for p := b.parent; p != nil; p = p.parent {
		elems, bytes = min(elems, p.elems), min(bytes, p.bytes)
	}
	return max(elems, 0), max(bytes, 0)
}

func (b *budget) spend(elems, bytes int64) {
	for p := b; p != nil; p = p.parent {
		p.elems -= elems
		p.bytes -= bytes
	}
}

// take measures v within the per-value limits and what is left, and charges the work done; false
// means v is too big (the budget is then charged the whole measuring cost, so retrying is no cheaper).
func (b *budget) take(v cty.Value, unify bool) bool {
	le, lb := b.left()
	le, lb = min(le, maxValueElems), min(lb, maxValueBytes)
	e, by, ok := measure(v, le, lb, unify)
	b.spend(e, by)
	return ok
}

// budgetKey names the budget inside an EvalContext; the space makes it unreachable from HCL.
const budgetKey = "tollgate budget"

var budgetCapsule = cty.Capsule("budget", reflect.TypeOf(budget{}))

// withBudget returns a child context carrying b, found again by budgetOf from any context
// derived from it (for-expressions evaluate in children of the context they are given).
func withBudget(ctx *hcl.EvalContext, b *budget) *hcl.EvalContext {
	c := &hcl.EvalContext{}
	if ctx != nil {
		c = ctx.NewChild()
	}
	c.Variables = map[string]cty.Value{budgetKey: cty.CapsuleVal(budgetCapsule, b)}
	return c
}

func budgetOf(ctx *hcl.EvalContext) *budget {
	for c := ctx; c != nil; c = c.Parent() {
		if v, ok := c.Variables[budgetKey]; ok {
			return v.EncapsulatedValue().(*budget)
		}
	}
	return nil
}

// evalExpr evaluates an expression under a fresh per-expression budget charged to the pool found
// in ctx (if any). Diagnostics are dropped as before: a broken expression is simply unknown.
func evalExpr(e hcl.Expression, ctx *hcl.EvalContext) cty.Value {
	v, _ := evalExprDiags(e, ctx)
	return v
}

// evalExprDiags is evalExpr keeping hcl's diagnostics; a value over budget is unknown.
func evalExprDiags(e hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	b := &budget{elems: evalElems, bytes: evalBytes, parent: budgetOf(ctx)}
	if le, lb := b.left(); le <= 0 || lb <= 0 {
		return cty.DynamicVal, nil
	}
	v, diags := e.Value(withBudget(ctx, b))
	if v == cty.NilVal || !b.take(v, false) {
		return cty.DynamicVal, diags
	}
	return v, diags
}

// measure counts v's elements and string bytes (numbers by their decimal length), giving up
// (ok false) as soon as either passes its limit, so the walk itself costs at most the limits.
// With unify set, a tuple or object of n elements also costs n/4 times its size: cty compares
// element types pairwise to unify them when a function argument is converted to a list, set or
// map (a 50,000-element tuple took 12 s), so such an argument is limited to ~600 elements.
func measure(v cty.Value, maxElems, maxBytes int64, unify bool) (elems, bytes int64, ok bool) {
	var walk func(v cty.Value, depth int) bool
	walk = func(v cty.Value, depth int) bool {
		elems++
		if elems > maxElems || depth > maxValueDepth {
			return false
		}
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return true
		}
		t := v.Type()
		start := elems
		n := int64(0)
		switch {
		case t == cty.String:
			bytes += int64(len(v.AsString()))
		case t == cty.Number:
			bytes += numberDigits(v)
		case t.IsListType() || t.IsSetType() || t.IsTupleType():
			// AsValueSlice: the element iterator allocates a big.Float key per element
			for _, e := range v.AsValueSlice() {
				n++
				if !walk(e, depth+1) {
					return false
				}
			}
		case t.IsMapType() || t.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				n++
				bytes += int64(len(k.AsString()))
				if !walk(e, depth+1) {
					return false
				}
			}
		}
		if unify && n > 1 && (t.IsTupleType() || t.IsObjectType()) {
			elems += n * (elems - start) / 4
		}
		return elems <= maxElems && bytes <= maxBytes
	}
	ok = walk(v, 0)
	return elems, bytes, ok
}

// numberDigits estimates the decimal length of a number: 1e999999999 is a few bytes of source
// and of big.Float, but a gigabyte once formatted as Terraform formats it.
func numberDigits(v cty.Value) int64 {
	exp := v.AsBigFloat().MantExp(nil)
	if exp < 0 {
		exp = -exp
	}
	return int64(exp)*30103/100000 + 24
}

// guard rewrites a freshly parsed body so that the places where HCL multiplies work — each
// for-expression's collection and per-element results, function arguments and template parts —
// are measured and charged to the evaluation's budget before anything walks them.
func guard(body *hclsyntax.Body) {
	var fors []*hclsyntax.ForExpr
	var calls []*hclsyntax.FunctionCallExpr
	var tmpls []*hclsyntax.TemplateExpr
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ForExpr:
			fors = append(fors, e)
		case *hclsyntax.FunctionCallExpr:
			calls = append(calls, e)
		case *hclsyntax.TemplateExpr:
			tmpls = append(tmpls, e)
		}
		return nil
	})
	for _, e := range fors {
		e.CollExpr = wrap(e.CollExpr, false)
		e.ValExpr = wrap(e.ValExpr, false)
		if e.KeyExpr != nil {
			e.KeyExpr = wrap(e.KeyExpr, false)
		}
		if e.CondExpr != nil {
			e.CondExpr = wrap(e.CondExpr, false)
		}
	}
	for _, e := range calls {
		for i, a := range e.Args {
			e.Args[i] = wrap(a, true)
		}
	}
	for _, e := range tmpls {
		for i, p := range e.Parts {
			e.Parts[i] = wrap(p, false)
		}
	}
}

func wrap(e hclsyntax.Expression, arg bool) hclsyntax.Expression {
	switch e.(type) {
	case *hclsyntax.LiteralValueExpr, guarded:
		return e
	}
	return guarded{ChildScope: hclsyntax.ChildScope{Expr: e}, arg: arg}
}

// guarded is an expression whose value is measured against the budget in its context. It embeds
// ChildScope (with no local names) only to get a walkChildNodes that visits the inner
// expression, so Variables() and every walker still see what is inside.
type guarded struct {
	hclsyntax.ChildScope
	arg bool // a function argument: hcl converts it to the parameter's type
}

func (g guarded) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	b := budgetOf(ctx)
	if b == nil {
		return g.Expr.Value(ctx)
	}
	if le, lb := b.left(); le <= 0 || lb <= 0 {
		return cty.DynamicVal, nil
	}
	v, diags := g.Expr.Value(ctx)
	if v == cty.NilVal || !b.take(v, g.arg) {
		return cty.DynamicVal, diags
	}
	return v, diags
}

func (g guarded) Variables() []hcl.Traversal { return g.Expr.Variables() }
func (g guarded) StartRange() hcl.Range      { return g.Expr.StartRange() }
