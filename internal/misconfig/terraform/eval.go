// Package terraform holds the Terraform checks (AWS, GCP, Azure) over hashicorp/hcl/v2. A
// directory is evaluated as a module: variable defaults (and terraform.tfvars / *.auto.tfvars),
// locals and local module calls are resolved well enough that the common cases are caught; anything
// unknown (resource attributes, data sources, cyclic locals) stays unknown and never fires a check.
package terraform

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// Limits that keep hostile trees bounded.
const (
	maxModuleDepth = 5
	maxLocalPasses = 20
	maxFilesPerDir = 500
)

// Evaluator caches module evaluations per directory; it is safe for concurrent use.
type Evaluator struct {
	mu     sync.Mutex
	dirs   map[string]*dirOnce
	called map[string]bool
}

type dirOnce struct {
	once sync.Once
	mod  *module
	err  error
}

// NewEvaluator returns an empty cache.
func NewEvaluator() *Evaluator {
	return &Evaluator{dirs: map[string]*dirOnce{}, called: map[string]bool{}}
}

// CalledModuleDirs lists directories used as local modules by another directory of the tree.
func (e *Evaluator) CalledModuleDirs() map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]bool, len(e.called))
	for k := range e.called {
		out[k] = true
	}
	return out
}

// ScanFile checks the resources defined in one .tf file, evaluated with its directory's variables
// and locals; module calls declared in the file are followed into local module sources.
func (e *Evaluator) ScanFile(fsys fs.FS, p string, content []byte) ([]check.Hit, error) {
	file, diags := hclsyntax.ParseConfig(content, p, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("hcl: %s", diags.Error())
	}
	dir := path.Dir(p)
	var mod *module
	if fsys != nil {
		e.mu.Lock()
		d, ok := e.dirs[dir]
		if !ok {
			d = &dirOnce{}
			e.dirs[dir] = d
		}
		e.mu.Unlock()
		d.once.Do(func() { d.mod, d.err = loadModule(fsys, dir, nil, true) })
		mod = d.mod
	}
	if mod == nil { // no tree, or the directory failed as a whole: judge the file alone
		mod = &module{dir: dir}
		mod.addFile(p, file.Body.(*hclsyntax.Body))
		mod.evaluate(nil, true)
	}
	var hits []check.Hit
	hits = append(hits, runChecks(mod, p, "")...)
	for _, mc := range mod.calls {
		if mc.file != p {
			continue
		}
		hits = append(hits, e.followModule(fsys, mod, mc, "module."+mc.name, 1)...)
	}
	return hits, nil
}

func (e *Evaluator) followModule(fsys fs.FS, parent *module, mc moduleCall, prefix string, depth int) []check.Hit {
	if fsys == nil || depth > maxModuleDepth {
		return nil
	}
	src := mc.source
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
		return nil
	}
	dir := path.Clean(path.Join(parent.dir, src))
	if strings.HasPrefix(dir, "../") || dir == ".." {
		return nil
	}
	e.mu.Lock()
	e.called[dir] = true
	e.mu.Unlock()
	inputs := map[string]cty.Value{}
	for name, attr := range mc.attrs {
		v, _ := attr.Expr.Value(parent.ctx)
		inputs[name] = v
	}
	child, err := loadModule(fsys, dir, inputs, false)
	if err != nil || child == nil {
		return nil
	}
	var hits []check.Hit
	for _, f := range child.files {
		for _, h := range runChecks(child, f, prefix+".") {
			h.Path = f
			hits = append(hits, h)
		}
	}
	for _, sub := range child.calls {
		hits = append(hits, e.followModule(fsys, child, sub, prefix+".module."+sub.name, depth+1)...)
	}
	return hits
}

// module is one evaluated directory.
type module struct {
	dir       string
	files     []string
	bodies    map[string]*hclsyntax.Body
	resources []*resource
	providers []*resource
	calls     []moduleCall
	varBlocks map[string]*hclsyntax.Block
	localAttr map[string]*hclsyntax.Attribute
	ctx       *hcl.EvalContext
}

type moduleCall struct {
	name, source, file string
	attrs              map[string]*hclsyntax.Attribute
}

func loadModule(fsys fs.FS, dir string, inputs map[string]cty.Value, root bool) (*module, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	m := &module{dir: dir}
	var tfvars []string
	n := 0
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() {
			continue
		}
		p := path.Join(dir, name)
		switch {
		case strings.HasSuffix(name, ".tf"):
			if n++; n > maxFilesPerDir {
				continue
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				continue
			}
			f, diags := hclsyntax.ParseConfig(b, p, hcl.InitialPos)
			if diags.HasErrors() {
				continue // reported when that file itself is analysed
			}
			m.addFile(p, f.Body.(*hclsyntax.Body))
		case root && (name == "terraform.tfvars" || strings.HasSuffix(name, ".auto.tfvars")):
			tfvars = append(tfvars, p)
		}
	}
	if root {
		sort.Strings(tfvars)
		inputs = map[string]cty.Value{}
		for _, p := range tfvars {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				continue
			}
			f, diags := hclsyntax.ParseConfig(b, p, hcl.InitialPos)
			if diags.HasErrors() {
				continue
			}
			attrs, _ := f.Body.JustAttributes()
			for name, a := range attrs {
				if v, d := a.Expr.Value(nil); !d.HasErrors() {
					inputs[name] = v
				}
			}
		}
	}
	m.evaluate(inputs, root)
	return m, nil
}

func (m *module) addFile(p string, body *hclsyntax.Body) {
	if m.bodies == nil {
		m.bodies = map[string]*hclsyntax.Body{}
		m.varBlocks = map[string]*hclsyntax.Block{}
		m.localAttr = map[string]*hclsyntax.Attribute{}
	}
	m.files = append(m.files, p)
	m.bodies[p] = body
	for _, b := range body.Blocks {
		switch b.Type {
		case "resource", "data":
			if len(b.Labels) == 2 {
				r := &resource{typ: b.Labels[0], name: b.Labels[1], body: b.Body, file: p, line: b.TypeRange.Start.Line, data: b.Type == "data"}
				m.resources = append(m.resources, r)
			}
		case "provider":
			if len(b.Labels) == 1 {
				m.providers = append(m.providers, &resource{typ: "provider", name: b.Labels[0], body: b.Body, file: p, line: b.TypeRange.Start.Line})
			}
		case "variable":
			if len(b.Labels) == 1 {
				m.varBlocks[b.Labels[0]] = b
			}
		case "locals":
			for name, a := range b.Body.Attributes {
				m.localAttr[name] = a
			}
		case "module":
			if len(b.Labels) == 1 {
				mc := moduleCall{name: b.Labels[0], file: p, attrs: map[string]*hclsyntax.Attribute{}}
				for name, a := range b.Body.Attributes {
					switch name {
					case "source":
						v, _ := a.Expr.Value(nil)
						if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
							mc.source = v.AsString()
						}
					case "version", "count", "for_each", "providers", "depends_on":
					default:
						mc.attrs[name] = a
					}
				}
				m.calls = append(m.calls, mc)
			}
		}
	}
}

var functions = map[string]function.Function{
	"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc,
	"concat": stdlib.ConcatFunc, "merge": stdlib.MergeFunc, "format": stdlib.FormatFunc, "join": stdlib.JoinFunc, "split": stdlib.SplitFunc,
	"lookup": stdlib.LookupFunc, "coalesce": stdlib.CoalesceFunc, "contains": stdlib.ContainsFunc, "length": stdlib.LengthFunc,
	"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc,
	"distinct": stdlib.DistinctFunc, "compact": stdlib.CompactFunc, "trimspace": stdlib.TrimSpaceFunc, "replace": stdlib.ReplaceFunc,
	"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number), "tobool": stdlib.MakeToFunc(cty.Bool),
	"tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), "toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "min": stdlib.MinFunc, "max": stdlib.MaxFunc,
}

// evaluate builds the evaluation context: var.* from inputs or defaults, local.* by fixed-point
// passes (bounded, so cyclic locals stay unknown instead of hanging), everything else unknown.
func (m *module) evaluate(inputs map[string]cty.Value, root bool) {
	vars := map[string]cty.Value{}
	for name, b := range m.varBlocks {
		if v, ok := inputs[name]; ok {
			vars[name] = v
			continue
		}
		vars[name] = cty.DynamicVal
		if a, ok := b.Body.Attributes["default"]; ok {
			if v, d := a.Expr.Value(&hcl.EvalContext{Functions: functions}); !d.HasErrors() {
				vars[name] = v
			}
		}
	}
	vals := map[string]cty.Value{
		"var": cty.ObjectVal(vars), "data": cty.DynamicVal, "module": cty.DynamicVal, "path": cty.DynamicVal,
		"terraform": cty.DynamicVal, "each": cty.DynamicVal, "count": cty.DynamicVal, "self": cty.DynamicVal,
	}
	for _, r := range m.resources {
		vals[r.typ] = cty.DynamicVal
	}
	locals := map[string]cty.Value{}
	for name := range m.localAttr {
		locals[name] = cty.DynamicVal
	}
	ctx := &hcl.EvalContext{Variables: vals, Functions: functions}
	names := make([]string, 0, len(m.localAttr))
	for n := range m.localAttr {
		names = append(names, n)
	}
	sort.Strings(names)
	passes := len(names) + 1
	if passes > maxLocalPasses {
		passes = maxLocalPasses
	}
	for i := 0; i < passes; i++ {
		vals["local"] = cty.ObjectVal(locals)
		changed := false
		for _, n := range names {
			if locals[n].IsWhollyKnown() {
				continue
			}
			v, _ := m.localAttr[n].Expr.Value(ctx)
			if v.IsWhollyKnown() || !v.RawEquals(locals[n]) {
				if !v.RawEquals(locals[n]) {
					changed = true
				}
				locals[n] = v
			}
		}
		if !changed {
			break
		}
	}
	vals["local"] = cty.ObjectVal(locals)
	m.ctx = ctx
	for _, r := range m.resources {
		r.ctx = ctx
	}
	for _, r := range m.providers {
		r.ctx = ctx
	}
}
