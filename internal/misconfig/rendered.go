package misconfig

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	"github.com/tollgate-dev/tollgate/internal/misconfig/helm"
	"github.com/tollgate-dev/tollgate/internal/misconfig/kubernetes"
	"github.com/tollgate-dev/tollgate/internal/misconfig/kustomize"
	"github.com/tollgate-dev/tollgate/internal/misconfig/rego"
	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// analyzeChart renders the chart whose Chart.yaml is f and checks every rendered manifest as
// Kubernetes, reporting against the template file. A subchart is rendered with its parent.
func (s *Scanner) analyzeChart(ctx context.Context, f *scan.File) scan.Result {
	var res scan.Result
	if f.FS == nil || helm.IsSubchart(f.FS, path.Dir(f.Path)) {
		return res
	}
	ms, err := s.helm.Render(ctx, f.FS, f.Path)
	if err != nil {
		res.Skipped = append(res.Skipped, finding.Skipped{Path: f.Path, Reason: finding.SkipParseError, Detail: "helm: " + err.Error()})
		return res
	}
	var hits []check.Hit
	for _, m := range ms {
		docs, err := yamldoc.Parse(m.Rendered)
		if err != nil {
			res.Skipped = append(res.Skipped, finding.Skipped{Path: m.Path, Reason: finding.SkipParseError,
				Detail: fmt.Sprintf("helm: rendered template is not YAML: %v", err)})
			continue
		}
		var src []byte
		if !strings.HasSuffix(m.Path, ".tgz") {
			src, _ = fs.ReadFile(f.FS, m.Path)
		}
		mh := kubernetes.Scan(docs)
		mapToSource(mh, m.Rendered, src, m.Path)
		hits = append(hits, mh...)
		if s.policies != nil {
			pf, perr := s.policies.Eval(ctx, m.Path, renderedInputs(docs, m.Rendered, src))
			if perr != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("misconfig: policy on %s: %v", m.Path, perr))
			}
			res.Findings = append(res.Findings, s.adjust(&scan.File{Path: m.Path, Content: src}, pf)...)
		}
	}
	res.Findings = append(s.findings(f, hits), res.Findings...)
	return res
}

// analyzeKustomization builds the overlay whose kustomization file is f and checks its output as
// Kubernetes. Each finding points at the resource's source file (from kustomize's origin
// annotation; the kustomization itself for generated resources) and names the build.
//
// Double reporting: the source files of a build are also scanned raw. A build finding that the
// raw scan of its source file also produced (same check, file, source name and key) is dropped in
// Finish, so a base is reported once and an overlay only for what it changes (a patched-in
// hostNetwork, say). Raw findings on files a build uses as patches are dropped as well: a patch is
// a fragment, judged through the build.
func (s *Scanner) analyzeKustomization(ctx context.Context, f *scan.File) scan.Result {
	var res scan.Result
	if f.FS == nil {
		return res
	}
	rs, patches, err := kustomize.Build(f.FS, f.Path)
	if err != nil {
		res.Skipped = append(res.Skipped, finding.Skipped{Path: f.Path, Reason: finding.SkipParseError, Detail: cut(err.Error())})
		return res
	}
	s.mu.Lock()
	for _, p := range patches {
		s.patches[p] = true
	}
	s.mu.Unlock()
	var hits []check.Hit
	raw := map[int]string{}
	for _, r := range rs {
		docs, err := yamldoc.Parse(r.YAML)
		if err != nil {
			continue
		}
		src, srcb := f.Path, f.Content
		if r.Source != "" {
			src = r.Source
			srcb, _ = fs.ReadFile(f.FS, src)
		}
		rh := kubernetes.Scan(docs)
		mapToSource(rh, r.YAML, srcb, src)
		for i := range rh {
			h := &rh[i]
			if r.Source != "" {
				raw[len(hits)+i] = finding.Fingerprint(finding.KindMisconfig, h.ID, src, r.Kind+"/"+r.OrigName, h.Key)
			}
			h.Key += " @kustomize:" + path.Dir(f.Path)
			if h.Message == "" {
				if c, ok := check.Lookup(h.ID); ok {
					h.Message = c.Title
				}
			}
			h.Message += " (kustomize build of " + f.Path + ")"
		}
		hits = append(hits, rh...)
	}
	res.Findings = s.findings(f, hits)
	s.mu.Lock()
	for i, fd := range res.Findings {
		if fp, ok := raw[i]; ok {
			s.built[fd.Fingerprint] = fp
		} else {
			s.built[fd.Fingerprint] = ""
		}
	}
	s.mu.Unlock()
	return res
}

// dropDuplicates applies analyzeKustomization's rules once every file has been scanned.
func (s *Scanner) dropDuplicates(r *finding.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.built) == 0 {
		return
	}
	have := map[string]bool{}
	for _, fd := range r.Findings {
		if _, b := s.built[fd.Fingerprint]; !b {
			have[fd.Fingerprint] = true
		}
	}
	out := r.Findings[:0]
	for _, fd := range r.Findings {
		raw, isBuilt := s.built[fd.Fingerprint]
		switch {
		case fd.Kind != finding.KindMisconfig:
		case isBuilt && raw != "" && have[raw]:
			continue
		case !isBuilt && s.patches[fd.Location.Path]:
			continue
		}
		out = append(out, fd)
	}
	r.Findings = out
}

// cut bounds an error kept in the report.
func cut(s string) string {
	if len(s) <= 1000 {
		return s
	}
	return s[:500] + " … " + s[len(s)-500:]
}

// renderedInputs are the rendered documents for custom policies, their lines mapped to the source.
func renderedInputs(docs []yamldoc.Doc, rendered, src []byte) []rego.Doc {
	var out []rego.Doc
	rl, sl := splitLines(rendered), splitLines(src)
	for _, d := range docs {
		if d.Root == nil {
			continue
		}
		v, err := yamldoc.ToValue(d.Root)
		if err != nil {
			continue
		}
		in := rego.Doc{Value: v}
		if kubernetes.IsManifest(d.Root) {
			kind := yamldoc.Str(yamldoc.Val(d.Root, "kind"))
			in.Resource = kind + "/" + yamldoc.Str(yamldoc.Path(d.Root, "metadata", "name"))
			in.Line = kindLine(sl, kind)
		} else {
			in.Line = sourceLine(sl, lineAt(rl, d.Root.Line), 0)
		}
		out = append(out, in)
	}
	return out
}

// mapToSource points hits found in generated YAML (a rendered template, a kustomize build) back at
// the source file p. Generated line numbers mean nothing in the source, so each hit's line is the
// source line that reads the same as the offending generated line (static text in a template); else
// the first source line with the same key ("privileged:"), searched from the resource's
// "kind:" line; else the "kind:" line; else 0 (no source text, e.g. a chart archive). ResourceLine
// is the "kind:" line, so an ignore comment there covers the resource. This is a heuristic: a key
// that a template emits via toYaml, or a kustomize patch adds, lands on the resource's kind line.
func mapToSource(hits []check.Hit, generated, src []byte, p string) {
	gl, sl := splitLines(generated), splitLines(src)
	for i := range hits {
		h := &hits[i]
		kind, _, _ := strings.Cut(h.Resource, "/")
		k := kindLine(sl, kind)
		h.Line = sourceLine(sl, lineAt(gl, h.Line), k)
		h.ResourceLine = k
		h.EndLine = 0
		h.Path = p
	}
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\n")
}

func lineAt(lines []string, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// trimItem is a line without indentation and a leading sequence dash.
func trimItem(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "- ") || s == "-" {
		s = strings.TrimSpace(strings.TrimPrefix(s, "-"))
	}
	return s
}

func kindLine(src []string, kind string) int {
	if kind == "" {
		return 0
	}
	for i, l := range src {
		t := trimItem(l)
		if v, ok := strings.CutPrefix(t, "kind:"); ok && strings.Trim(strings.TrimSpace(v), `"'`) == kind {
			return i + 1
		}
	}
	return 0
}

func sourceLine(src []string, generated string, from int) int {
	want := trimItem(generated)
	if want == "" || len(src) == 0 {
		return from
	}
	if n := findLine(src, from, func(t string) bool { return t == want }); n > 0 {
		return n
	}
	key, _, ok := strings.Cut(want, ":")
	if ok && key != "" {
		if n := findLine(src, from, func(t string) bool { return strings.HasPrefix(t, key+":") }); n > 0 {
			return n
		}
	}
	return from
}

// findLine returns the first matching line at or after from, else the first anywhere.
func findLine(src []string, from int, match func(string) bool) int {
	first := 0
	for i, l := range src {
		if !match(trimItem(l)) {
			continue
		}
		if i+1 >= from {
			return i + 1
		}
		if first == 0 {
			first = i + 1
		}
	}
	return first
}
