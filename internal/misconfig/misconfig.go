// Package misconfig is the misconfiguration analyzer: it recognises infrastructure and pipeline
// files by name, parses them with line-keeping parsers (buildkit for Dockerfiles, yaml.v3 nodes,
// hashicorp/hcl/v2), runs the built-in Go checks of each platform package, custom conftest-style
// Rego policies, and turns what fires into findings with inline suppression and per-check config.
// Helm charts (at their Chart.yaml) are rendered and Kustomize overlays (at their kustomization)
// built, and the output is checked as Kubernetes with findings pointing back at the template or
// source file (rendered.go; the helm and kustomize packages own rendering and building).
package misconfig

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	"github.com/tollgate-dev/tollgate/internal/misconfig/compose"
	"github.com/tollgate-dev/tollgate/internal/misconfig/dockerfile"
	"github.com/tollgate-dev/tollgate/internal/misconfig/ghactions"
	"github.com/tollgate-dev/tollgate/internal/misconfig/gitlabci"
	"github.com/tollgate-dev/tollgate/internal/misconfig/helm"
	"github.com/tollgate-dev/tollgate/internal/misconfig/kubernetes"
	"github.com/tollgate-dev/tollgate/internal/misconfig/rego"
	"github.com/tollgate-dev/tollgate/internal/misconfig/terraform"
	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Options configure the analyzer.
type Options struct {
	// PolicyDirs hold custom Rego policies (conftest layout).
	PolicyDirs []string
	// Namespaces are the Rego packages whose deny/warn/violation rules run; default "main".
	Namespaces []string
	// Disabled check ids produce no findings.
	Disabled []string
	// Severity overrides a check's severity by id.
	Severity map[string]finding.Severity
	// HelmValues are values files (paths relative to the working directory) every chart is
	// rendered with, over its own values.yaml; later files win.
	HelmValues []string
}

// Scanner is the misconfiguration analyzer. One Scanner serves one scan: it caches Terraform module
// evaluations by directory for the tree it is walking.
type Scanner struct {
	opts     Options
	disabled map[string]bool
	policies *rego.Engine
	tf       *terraform.Evaluator
	helm     *helm.Renderer

	mu sync.Mutex
	// built maps each kustomize build finding's fingerprint to the fingerprint the same finding has
	// when its source file is scanned raw ("" for generated resources); see analyzeKustomization.
	built map[string]string
	// patches are files kustomize builds use as patches.
	patches map[string]bool
}

// New builds the analyzer, compiling custom policies up front so a broken policy fails the run early.
func New(o Options) (*Scanner, error) {
	s := &Scanner{opts: o, disabled: map[string]bool{}, tf: terraform.NewEvaluator(),
		built: map[string]string{}, patches: map[string]bool{}}
	hr, err := helm.NewRenderer(o.HelmValues)
	if err != nil {
		return nil, err
	}
	s.helm = hr
	for _, id := range o.Disabled {
		s.disabled[strings.ToUpper(strings.TrimSpace(id))] = true
	}
	if len(o.PolicyDirs) > 0 {
		e, err := rego.Load(o.PolicyDirs, o.Namespaces)
		if err != nil {
			return nil, err
		}
		s.policies = e
	}
	return s, nil
}

// Name implements scan.Analyzer.
func (s *Scanner) Name() string { return "misconfig" }

// Wants implements scan.Analyzer: the path decides; YAML content is sniffed in Analyze.
func (s *Scanner) Wants(p string, size int64) bool {
	switch detect(p) {
	case typeNone:
		return false
	case typeJSON:
		return s.policies != nil
	}
	return true
}

// Analyze implements scan.Analyzer.
func (s *Scanner) Analyze(ctx context.Context, f *scan.File) (scan.Result, error) {
	var res scan.Result
	var hits []check.Hit
	var inputs []rego.Doc
	var err error
	ft := detect(f.Path)
	switch ft {
	case typeChart, typeKustomization:
		// The chart's render or the overlay's build is checked; the file itself only goes to custom
		// policies, as any YAML does.
		if ft == typeChart {
			res = s.analyzeChart(ctx, f)
		} else {
			res = s.analyzeKustomization(ctx, f)
		}
		if s.policies == nil {
			return res, nil
		}
		hits, inputs, err = s.analyzeYAML(f, ft)
	case typeDockerfile:
		hits, err = dockerfile.Scan(f.Content)
		if err == nil && s.policies != nil {
			var in []any
			in, err = dockerfile.Input(f.Content)
			for _, v := range in {
				inputs = append(inputs, rego.Doc{Value: v, Line: 1})
			}
		}
	case typeTerraform:
		hits, err = s.tf.ScanFile(f.FS, f.Path, f.Content)
		if err == nil && s.policies != nil {
			var in any
			in, err = terraform.Input(f.Path, f.Content)
			inputs = []rego.Doc{{Value: in, Line: 1}}
		}
	default:
		hits, inputs, err = s.analyzeYAML(f, ft)
		if err == errNotOurs {
			return res, nil
		}
	}
	if err != nil {
		res.Skipped = append(res.Skipped, finding.Skipped{Path: f.Path, Reason: finding.SkipParseError, Detail: err.Error()})
		return res, nil
	}
	res.Findings = append(res.Findings, s.findings(f, hits)...)
	if s.policies != nil && len(inputs) > 0 {
		pf, perr := s.policies.Eval(ctx, f.Path, inputs)
		if perr != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("misconfig: policy on %s: %v", f.Path, perr))
		}
		res.Findings = append(res.Findings, s.adjust(f, pf)...)
	}
	return res, nil
}

var errNotOurs = fmt.Errorf("not a recognised file")

// analyzeYAML parses once and dispatches by file type; plain YAML is Kubernetes when a document
// has apiVersion and kind.
func (s *Scanner) analyzeYAML(f *scan.File, ft fileType) ([]check.Hit, []rego.Doc, error) {
	if ft == typeYAML && s.policies == nil && !(bytes.Contains(f.Content, []byte("apiVersion")) && bytes.Contains(f.Content, []byte("kind"))) {
		return nil, nil, errNotOurs
	}
	if ft == typeYAML && inChartTemplates(f.Path) {
		// Templates are checked through their chart's render (analyzeChart); raw they are not YAML,
		// and a static one would be reported twice.
		if _, ok := helm.ChartOfTemplate(f.FS, f.Path); ok {
			return nil, nil, errNotOurs
		}
		if bytes.Contains(f.Content, []byte("{{")) {
			return nil, nil, fmt.Errorf("helm template: not rendered without its chart (Go templates are not YAML)")
		}
	}
	docs, err := yamldoc.Parse(f.Content)
	if err != nil {
		if ft == typeYAML && s.policies == nil && !looksLikeManifest(f.Content) {
			return nil, nil, errNotOurs
		}
		return nil, nil, fmt.Errorf("yaml: %w", err)
	}
	var hits []check.Hit
	switch ft {
	case typeWorkflow:
		hits = ghactions.ScanWorkflow(docs)
	case typeAction:
		hits = ghactions.ScanAction(docs)
	case typeGitLab:
		hits = gitlabci.Scan(docs)
	case typeCompose:
		hits = compose.Scan(docs)
	case typeYAML, typeJSON:
		hits = kubernetes.Scan(docs)
	}
	var inputs []rego.Doc
	if s.policies != nil {
		for _, d := range docs {
			if d.Root == nil {
				continue
			}
			v, err := yamldoc.ToValue(d.Root)
			if err != nil {
				return nil, nil, err
			}
			in := rego.Doc{Value: v, Line: d.Root.Line}
			if kubernetes.IsManifest(d.Root) {
				in.Resource = yamldoc.Str(yamldoc.Val(d.Root, "kind")) + "/" + yamldoc.Str(yamldoc.Path(d.Root, "metadata", "name"))
			}
			inputs = append(inputs, in)
		}
	}
	return hits, inputs, nil
}

// looksLikeManifest is a cheap guess whether a YAML file that failed to parse was meant to be a
// Kubernetes manifest (so the failure is reported rather than ignored).
func looksLikeManifest(b []byte) bool {
	return bytes.Contains(b, []byte("\napiVersion:")) || bytes.HasPrefix(b, []byte("apiVersion:")) ||
		bytes.Contains(b, []byte("\nkind:")) || bytes.HasPrefix(b, []byte("kind:"))
}

func inChartTemplates(p string) bool {
	return strings.Contains("/"+path.Dir(p)+"/", "/templates/")
}

// findings turns hits into findings: metadata from the table, overrides and suppression applied.
func (s *Scanner) findings(f *scan.File, hits []check.Hit) []finding.Finding {
	if len(hits) == 0 {
		return nil
	}
	igs := map[string]ignores{f.Path: parseIgnores(f.Content)}
	out := make([]finding.Finding, 0, len(hits))
	for _, h := range hits {
		c, ok := check.Lookup(h.ID)
		if !ok {
			panic("misconfig: unregistered check " + h.ID)
		}
		p := f.Path
		if h.Path != "" {
			p = h.Path
		}
		ig, seen := igs[p]
		if !seen {
			ig = readIgnores(f.FS, p)
			igs[p] = ig
		}
		fd := s.build(c, p, h)
		if d, ok := ig.match(c.ID, h.Line, h.ResourceLine); ok {
			fd.Status = "suppressed"
			fd.Suppression = &finding.Suppression{Kind: "inline", Reason: d.reason, Source: p}
		}
		if s.disabled[c.ID] {
			continue
		}
		out = append(out, fd)
	}
	return out
}

func readIgnores(fsys fs.FS, p string) ignores {
	if fsys == nil {
		return nil
	}
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil
	}
	return parseIgnores(b)
}

func (s *Scanner) build(c check.Check, p string, h check.Hit) finding.Finding {
	sev := c.Severity
	if o, ok := s.opts.Severity[c.ID]; ok {
		sev = o
	}
	msg := h.Message
	if msg == "" {
		msg = c.Title
	}
	end := h.EndLine
	if end < h.Line {
		end = h.Line
	}
	return finding.Finding{
		Kind:        finding.KindMisconfig,
		RuleID:      c.ID,
		Severity:    sev,
		Title:       c.Title,
		Message:     msg,
		Remediation: c.Remediation,
		References:  c.References,
		Location:    finding.Location{Path: p, StartLine: h.Line, EndLine: end, Resource: h.Resource},
		Fingerprint: finding.Fingerprint(finding.KindMisconfig, c.ID, p, h.Resource, h.Key),
	}
}

// adjust applies disable, severity override and inline ignores to custom-policy findings.
func (s *Scanner) adjust(f *scan.File, fs []finding.Finding) []finding.Finding {
	ig := parseIgnores(f.Content)
	out := fs[:0]
	for _, fd := range fs {
		if s.disabled[strings.ToUpper(fd.RuleID)] {
			continue
		}
		if o, ok := s.opts.Severity[strings.ToUpper(fd.RuleID)]; ok {
			fd.Severity = o
		}
		if d, ok := ig.match(fd.RuleID, fd.Location.StartLine); ok && fd.Location.StartLine > 0 {
			fd.Status = "suppressed"
			fd.Suppression = &finding.Suppression{Kind: "inline", Reason: d.reason, Source: f.Path}
		}
		out = append(out, fd)
	}
	return out
}

// Finish implements scan.Finisher: Terraform modules called from elsewhere in the tree are judged
// with their callers' inputs, so their stand-alone findings (judged on variable defaults) go.
func (s *Scanner) Finish(ctx context.Context, r *finding.Report) error {
	s.dropDuplicates(r)
	called := s.tf.CalledModuleDirs()
	if len(called) == 0 {
		return nil
	}
	out := r.Findings[:0]
	for _, fd := range r.Findings {
		if fd.Kind == finding.KindMisconfig && strings.HasPrefix(fd.RuleID, "TG-TF-") &&
			called[path.Dir(fd.Location.Path)] && !strings.HasPrefix(fd.Location.Resource, "module.") {
			continue
		}
		out = append(out, fd)
	}
	r.Findings = out
	return nil
}

// ParseSeverities reads per-check severity overrides written as names ("TG-K8S-012": "MEDIUM").
func ParseSeverities(m map[string]string) (map[string]finding.Severity, error) {
	out := make(map[string]finding.Severity, len(m))
	for id, s := range m {
		v, err := finding.ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("misconfig severity for %s: %w", id, err)
		}
		out[strings.ToUpper(strings.TrimSpace(id))] = v
	}
	return out, nil
}
