package rego

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Doc is one input document: the parsed value plus where it starts and what it names, so custom
// findings point at a line and a resource like the built-in ones.
type Doc struct {
	Value    any
	Line     int
	Resource string
}

// Engine holds compiled policies; Eval is safe for concurrent use.
type Engine struct {
	queries []query
}

type query struct {
	ns, rule string
	prepared rego.PreparedEvalQuery
}

var ruleNameRe = regexp.MustCompile(`^(deny|warn|violation)(_[A-Za-z0-9_]+)?$`)

// Builtins that reach outside the process are refused: a scan must not call the network.
var unsafe = map[string]struct{}{"http.send": {}, "net.lookup_ip_addr": {}, "opa.runtime": {}}

// safeCapabilities is this OPA's built-in set less the unsafe ones: a policy that calls one fails to
// compile, so it is refused when it loads rather than when it runs.
func safeCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		if _, bad := unsafe[b.Name]; !bad {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	return caps
}

// Load parses every .rego file under dirs (test files *_test.rego skipped), in Rego v1 syntax or,
// failing that, v0 (older conftest policies), and prepares one query per deny/warn/violation rule
// of the namespaces (default "main"; "*" means every package).
func Load(dirs, namespaces []string) (*Engine, error) {
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	modules := map[string]*ast.Module{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m, err := parse(p, string(b))
			if err != nil {
				return err
			}
			modules[p] = m
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", dir, err)
		}
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("policy: no .rego files in %s", strings.Join(dirs, ", "))
	}
	c := ast.NewCompiler().WithCapabilities(safeCapabilities())
	if c.Compile(modules); c.Failed() {
		return nil, fmt.Errorf("policy: %v", c.Errors)
	}
	all := len(namespaces) == 1 && namespaces[0] == "*"
	want := map[string]bool{}
	for _, n := range namespaces {
		want[n] = true
	}
	seen := map[string]bool{}
	var names []string
	for _, m := range modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !all && !want[pkg] {
			continue
		}
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" && len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].Value.String()
			}
			if !ruleNameRe.MatchString(name) {
				continue
			}
			k := pkg + "\x00" + name
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	e := &Engine{}
	for _, k := range names {
		pkg, name, _ := strings.Cut(k, "\x00")
		pq, err := rego.New(rego.Compiler(c), rego.Query("data."+pkg+"."+name)).PrepareForEval(context.Background())
		if err != nil {
			return nil, fmt.Errorf("policy %s.%s: %w", pkg, name, err)
		}
		e.queries = append(e.queries, query{ns: pkg, rule: name, prepared: pq})
	}
	if len(e.queries) == 0 {
		return nil, fmt.Errorf("policy: no deny, warn or violation rules in namespaces %s", strings.Join(namespaces, ", "))
	}
	return e, nil
}

func parse(p, src string) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(p, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err == nil {
		return m, nil
	}
	if m0, err0 := ast.ParseModuleWithOpts(p, src, ast.ParserOptions{RegoVersion: ast.RegoV0}); err0 == nil {
		return m0, nil
	}
	return nil, err
}

// Eval runs every rule over each document of a file.
func (e *Engine) Eval(ctx context.Context, path string, docs []Doc) ([]finding.Finding, error) {
	var out []finding.Finding
	var firstErr error
	for di, d := range docs {
		for _, q := range e.queries {
			rs, err := q.prepared.Eval(ctx, rego.EvalInput(d.Value))
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s.%s: %w", q.ns, q.rule, err)
				}
				continue
			}
			for _, r := range rs {
				for _, ex := range r.Expressions {
					for _, res := range results(ex.Value) {
						out = append(out, e.finding(path, di, d, q, res))
					}
				}
			}
		}
	}
	return out, firstErr
}

type result struct {
	msg  string
	meta map[string]any
}

// results flattens a rule's value: a set/array of strings or {msg, …} objects, or a bare
// string/object/true.
func results(v any) []result {
	switch t := v.(type) {
	case []any:
		var out []result
		for _, e := range t {
			out = append(out, results(e)...)
		}
		return out
	case string:
		return []result{{msg: t}}
	case map[string]any:
		msg, _ := t["msg"].(string)
		return []result{{msg: msg, meta: t}}
	case bool:
		if t {
			return []result{{msg: "policy rule is true"}}
		}
	}
	return nil
}

func (e *Engine) finding(path string, di int, d Doc, q query, r result) finding.Finding {
	id := "REGO-" + q.ns + "." + q.rule
	sev := finding.High
	if strings.HasPrefix(q.rule, "warn") {
		sev = finding.Low
	}
	title := r.msg
	line := d.Line
	if r.meta != nil {
		for _, k := range []string{"id", "rule_id", "ruleId"} {
			if s, ok := r.meta[k].(string); ok && s != "" {
				id = s
				break
			}
		}
		if s, ok := r.meta["severity"].(string); ok {
			if v, err := finding.ParseSeverity(s); err == nil {
				sev = v
			}
		}
		if s, ok := r.meta["title"].(string); ok && s != "" {
			title = s
		}
		for _, k := range []string{"line", "startLine", "StartLine"} {
			if n, ok := number(r.meta[k]); ok && n > 0 {
				line = n
			}
		}
	}
	if line <= 0 {
		line = 1
	}
	res := d.Resource
	return finding.Finding{
		Kind:        finding.KindMisconfig,
		RuleID:      id,
		Severity:    sev,
		Title:       title,
		Message:     r.msg,
		Remediation: "See the custom policy " + q.ns + "." + q.rule + ".",
		Location:    finding.Location{Path: path, StartLine: line, EndLine: line, Resource: res},
		Fingerprint: finding.Fingerprint(finding.KindMisconfig, id, path, res, fmt.Sprint(di), r.msg),
	}
}

func number(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	if s, ok := v.(fmt.Stringer); ok {
		var i int
		if _, err := fmt.Sscan(s.String(), &i); err == nil {
			return i, true
		}
	}
	return 0, false
}
