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

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// Limits that keep hostile trees bounded.
const (
	maxModuleDepth = 5
	maxModuleCalls = 100 // module instances followed from one file: "./" calling itself fans out
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
	guard(file.Body.(*hclsyntax.Body))
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
		d.once.Do(func() { d.mod, d.err = loadModule(fsys, dir, nil, true, newPool()) })
		mod = d.mod
	}
	if mod == nil { // no tree, or the directory failed as a whole: judge the file alone
		mod = &module{dir: dir}
		mod.addFile(p, file.Body.(*hclsyntax.Body))
		mod.evaluate(nil, true, newPool())
	}
	var hits []check.Hit
	hits = append(hits, runChecks(mod, p, "")...)
	// every module instance this file reaches shares one count and one evaluation pool
	tree := &moduleTree{calls: maxModuleCalls, pool: newPool()}
	for _, mc := range mod.calls {
		if mc.file != p {
			continue
		}
		hits = append(hits, e.followModule(fsys, mod, mc, "module."+mc.name, 1, tree)...)
	}
	return hits, nil
}

func (e *Evaluator) followModule(fsys fs.FS, parent *module, mc moduleCall, prefix string, depth int, tree *moduleTree) []check.Hit {
	if fsys == nil || depth > maxModuleDepth || tree.calls <= 0 {
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
	tree.calls--
	e.mu.Lock()
	e.called[dir] = true
	e.mu.Unlock()
	inputs := map[string]cty.Value{}
	pool := withBudget(parent.ctx, tree.pool)
	for _, name := range sortedKeys(mc.attrs) {
		inputs[name] = evalExpr(mc.attrs[name].Expr, pool)
	}
	child, err := loadModule(fsys, dir, inputs, false, tree.pool)
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
		hits = append(hits, e.followModule(fsys, child, sub, prefix+".module."+sub.name, depth+1, tree)...)
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
	registry  []*resource // calls of well-known registry modules, judged on their inputs
	calls     []moduleCall
	varBlocks map[string]*hclsyntax.Block
	localAttr map[string]*hclsyntax.Attribute
	ctx       *hcl.EvalContext
}

// moduleTree bounds the module instances followed from one file, and the work they evaluate.
type moduleTree struct {
	calls int
	pool  *budget
}

type moduleCall struct {
	name, source, file string
	attrs              map[string]*hclsyntax.Attribute
}

func loadModule(fsys fs.FS, dir string, inputs map[string]cty.Value, root bool, pool *budget) (*module, error) {
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
			guard(f.Body.(*hclsyntax.Body))
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
			body := f.Body.(*hclsyntax.Body)
			guard(body)
			vctx := withBudget(nil, pool)
			for _, name := range sortedKeys(body.Attributes) {
				if v := evalExpr(body.Attributes[name].Expr, vctx); v != cty.DynamicVal {
					inputs[name] = v // an error (or over-budget value) leaves the default in place
				}
			}
		}
	}
	m.evaluate(inputs, root, pool)
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
				if registryModules[mc.source] {
					m.registry = append(m.registry, &resource{typ: "module:" + mc.source, name: mc.name, body: b.Body, file: p, line: b.TypeRange.Start.Line})
				}
			}
		}
	}
}

// evaluate builds the evaluation context: var.* from inputs or defaults, and local.* for the
// locals that resources, providers and module calls reference (directly or through other locals),
// each evaluated once after its dependencies; a cycle, a chain deeper than maxLocalDepth or a value
// over the budget (budget.go) stays unknown instead of hanging. Everything else is unknown.
func (m *module) evaluate(inputs map[string]cty.Value, root bool, pool *budget) {
	fnCtx := withBudget(&hcl.EvalContext{Functions: functions}, pool)
	vars := map[string]cty.Value{}
	for _, name := range sortedKeys(m.varBlocks) {
		if v, ok := inputs[name]; ok {
			vars[name] = v
			continue
		}
		vars[name] = cty.DynamicVal
		if a, ok := m.varBlocks[name].Body.Attributes["default"]; ok {
			vars[name] = evalExpr(a.Expr, fnCtx)
		}
	}
	vals := map[string]cty.Value{
		"var": cty.ObjectVal(vars), "data": cty.DynamicVal, "module": cty.DynamicVal, "path": cty.DynamicVal,
		"terraform": cty.DynamicVal, "each": cty.DynamicVal, "count": cty.DynamicVal, "self": cty.DynamicVal,
	}
	for _, r := range m.resources {
		vals[r.typ] = cty.DynamicVal
	}
	ctx := &hcl.EvalContext{Variables: vals, Functions: functions}
	locals := m.evalLocals(withBudget(ctx, pool))
	all := make(map[string]cty.Value, len(m.localAttr))
	for name := range m.localAttr {
		all[name] = cty.DynamicVal
	}
	for name, v := range locals {
		all[name] = v
	}
	vals["local"] = cty.ObjectVal(all)
	m.ctx = ctx
	for _, r := range m.resources {
		r.ctx = ctx
	}
	for _, r := range m.providers {
		r.ctx = ctx
	}
	for _, r := range m.registry {
		r.ctx = ctx
	}
}

// maxLocalDepth bounds the recursion through chains of locals.
const maxLocalDepth = 200

// evalLocals evaluates only the locals something checkable references, in dependency order.
// Each local sees just the locals it names, so a module with many locals costs linear time.
func (m *module) evalLocals(ctx *hcl.EvalContext) map[string]cty.Value {
	locals := map[string]cty.Value{}
	const visiting = 1
	const done = 2
	state := map[string]int{}
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		a, declared := m.localAttr[name]
		if !declared || state[name] != 0 || depth > maxLocalDepth {
			return // unknown name, a cycle (stays unknown), done already, or too deep
		}
		state[name] = visiting
		deps := localRefs(a.Expr)
		for _, d := range deps {
			visit(d, depth+1)
		}
		scope := map[string]cty.Value{}
		for _, d := range deps {
			if _, ok := m.localAttr[d]; ok {
				scope[d] = cty.DynamicVal
			}
			if v, ok := locals[d]; ok {
				scope[d] = v
			}
		}
		c := ctx.NewChild()
		c.Variables = map[string]cty.Value{"local": cty.ObjectVal(scope)}
		locals[name] = evalExpr(a.Expr, c)
		state[name] = done
	}
	for _, name := range m.referencedLocals() {
		visit(name, 0)
	}
	return locals
}

// referencedLocals lists, sorted, the locals named by resources, providers and module calls.
func (m *module) referencedLocals() []string {
	seen := map[string]bool{}
	var body func(b *hclsyntax.Body)
	body = func(b *hclsyntax.Body) {
		for _, a := range b.Attributes {
			for _, n := range localRefs(a.Expr) {
				seen[n] = true
			}
		}
		for _, blk := range b.Blocks {
			body(blk.Body)
		}
	}
	for _, r := range append(append([]*resource{}, m.resources...), m.providers...) {
		body(r.body)
	}
	for _, mc := range m.calls {
		for _, a := range mc.attrs {
			for _, n := range localRefs(a.Expr) {
				seen[n] = true
			}
		}
	}
	return sortedKeys(seen)
}

// localRefs lists the names of the locals an expression reads (local.x or local["x"]).
func localRefs(e hcl.Expression) []string {
	var out []string
	for _, tr := range e.Variables() {
		if len(tr) < 2 || tr.RootName() != "local" {
			continue
		}
		switch step := tr[1].(type) {
		case hcl.TraverseAttr:
			out = append(out, step.Name)
		case hcl.TraverseIndex:
			if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
				out = append(out, step.Key.AsString())
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
