package terraform

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the HCL functions the evaluator knows. Arguments reach them already bounded by
// the guard (see budget.go), but a few can still turn a bounded input into a huge output or do
// quadratic work, so those are wrapped with a check of the output size they would produce; a call
// that fails its check is unknown. Terraform's range, formatlist and setproduct are deliberately
// not provided: a call to an unknown function is unknown too.
var functions = map[string]function.Function{
	"jsonencode": limited(stdlib.JSONEncodeFunc, jsonencodeOK), "jsondecode": limited(stdlib.JSONDecodeFunc, jsondecodeOK),
	"lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc,
	"concat": stdlib.ConcatFunc, "merge": stdlib.MergeFunc, "format": limited(stdlib.FormatFunc, formatOK),
	"join": limited(stdlib.JoinFunc, joinOK), "split": limited(stdlib.SplitFunc, splitOK),
	"lookup": stdlib.LookupFunc, "coalesce": stdlib.CoalesceFunc, "contains": stdlib.ContainsFunc, "length": stdlib.LengthFunc,
	"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc,
	"distinct": limited(stdlib.DistinctFunc, distinctOK), "compact": stdlib.CompactFunc, "trimspace": stdlib.TrimSpaceFunc,
	"replace":  limited(stdlib.ReplaceFunc, replaceOK),
	"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number), "tobool": stdlib.MakeToFunc(cty.Bool),
	"tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), "toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "min": stdlib.MinFunc, "max": stdlib.MaxFunc,
}

// limited wraps f so that it returns unknown unless ok accepts its (known) arguments.
func limited(f function.Function, ok func(args []cty.Value) bool) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        func(args []cty.Value) (cty.Type, error) { return f.ReturnTypeForValues(args) },
		Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
			for _, a := range args {
				if !a.IsWhollyKnown() {
					return f.Call(args) // unknown in, unknown out: cheap
				}
			}
			if !ok(args) {
				return cty.UnknownVal(ret), nil
			}
			return f.Call(args)
		},
	})
}

func size(args ...cty.Value) (elems, bytes int64, ok bool) {
	for _, a := range args {
		e, b, fits := measure(a, maxValueElems, maxValueBytes, false)
		elems, bytes = elems+e, bytes+b
		if !fits {
			return elems, bytes, false
		}
	}
	return elems, bytes, elems <= maxValueElems && bytes <= maxValueBytes
}

// formatOK bounds format's output: every verb may repeat the largest argument (%[1]s…) and pad
// to its width or precision (%0999999999d).
func formatOK(args []cty.Value) bool {
	if args[0].IsNull() {
		return true
	}
	spec := args[0].AsString()
	var largest int64
	for _, a := range args[1:] {
		_, b, ok := measure(a, maxValueElems, maxValueBytes, false)
		if !ok {
			return false
		}
		largest = max(largest, b+32)
	}
	est := int64(len(spec))
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(spec) && strings.IndexByte("+-# 0[].*0123456789", spec[j]) >= 0 {
			j++
		}
		for _, n := range strings.FieldsFunc(spec[i+1:j], func(r rune) bool { return r < '0' || r > '9' }) {
			w, err := strconv.ParseInt(n, 10, 64)
			if err != nil || w > maxValueBytes {
				return false
			}
			est += w
		}
		est += largest
		if est > maxValueBytes {
			return false
		}
		i = j
	}
	return true
}

// joinOK bounds the separator repeated once per element.
func joinOK(args []cty.Value) bool {
	e, b, ok := size(args[1:]...)
	return ok && b+e*int64(len(args[0].AsString())) <= maxValueBytes
}

// splitOK bounds the number of pieces (each one a cty value, tens of bytes).
func splitOK(args []cty.Value) bool {
	sep, s := args[0].AsString(), args[1].AsString()
	n := int64(utf8.RuneCountInString(s)) + 1
	if sep != "" {
		n = int64(strings.Count(s, sep)) + 1
	}
	return n <= maxValueElems
}

// replaceOK bounds the replacement repeated at every match (a regex may match at every byte).
func replaceOK(args []cty.Value) bool {
	s, sub, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
	n := int64(len(s)) + 1
	if sub != "" && !(len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/")) {
		n = int64(strings.Count(s, sub))
	}
	return int64(len(s))+n*int64(len(repl)) <= maxValueBytes
}

// distinctOK bounds cty's quadratic duplicate search.
func distinctOK(args []cty.Value) bool { return args[0].LengthInt() <= 3000 }

// jsonencodeOK allows for the worst escaping (\u0000 is six bytes for one).
func jsonencodeOK(args []cty.Value) bool {
	e, b, ok := size(args...)
	return ok && 6*b+32*e <= maxValueBytes
}

// jsondecodeOK bounds the values the document can produce and how deep it nests (the decoder
// recurses).
func jsondecodeOK(args []cty.Value) bool {
	s := args[0].AsString()
	var n, depth, deepest int64
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr:
			esc, inStr = c == '\\', c != '"'
		case c == '"':
			inStr = true
			n++
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
			n++
		case c == ']' || c == '}':
			depth--
		case c == ',' || c == ':':
			n++
		}
	}
	return n <= maxValueElems && deepest <= maxValueDepth
}
