package secrets

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Options configure the secret scanner.
type Options struct {
	// ConfigPath is a gitleaks-format TOML file; empty means the built-in rules only.
	ConfigPath string
	// ConfigRoot, when set, confines ConfigPath and every [extend] path it names to this folder:
	// a .gitleaks.toml found in the scanned tree is hostile input and must not read outside it.
	ConfigRoot string
}

// Scanner is the secret analyzer. It is immutable after New and safe for concurrent Analyze calls.
type Scanner struct {
	rules     []*Rule
	pf        *prefilter
	kwRules   [][]int32 // keyword id -> indexes into rules
	fullScan  []int     // rules with no keyword (user rules only)
	pathRules []*pathRule
	global    []*allowlist
	// skipPaths are global path-only allowlists that apply to every rule: such files are not read.
	skipPaths []*allowlist
	pool      sync.Pool
}

// pathRule is a gitleaks rule with a path and no regex: the file's presence is the finding.
type pathRule struct {
	id, title string
	severity  finding.Severity
	path      *regexp.Regexp
}

// lockfiles hold integrity hashes and resolved URLs, not configuration: generic assignment rules
// stay off there (provider rules still run — a registry token in a resolved URL is a real leak).
var lockfiles = map[string]bool{
	"go.sum": true, "go.work.sum": true, "package-lock.json": true, "npm-shrinkwrap.json": true,
	"yarn.lock": true, "pnpm-lock.yaml": true, "bun.lock": true, "Cargo.lock": true, "Gemfile.lock": true,
	"poetry.lock": true, "Pipfile.lock": true, "uv.lock": true, "pdm.lock": true, "composer.lock": true,
	"mix.lock": true, "pubspec.lock": true, "packages.lock.json": true, "gradle.lockfile": true,
	"flake.lock": true, "Package.resolved": true, "deno.lock": true, "conan.lock": true,
}

func isLockfile(p string) bool {
	return lockfiles[p[strings.LastIndexByte(p, '/')+1:]]
}

// New builds the scanner from the built-in rules and, when set, a gitleaks-format config.
func New(o Options) (*Scanner, error) {
	rules, err := builtinRules()
	if err != nil {
		return nil, err
	}
	s := &Scanner{}
	if o.ConfigPath != "" {
		cfg, err := loadGitleaksFile(o.ConfigPath, o.ConfigRoot)
		if err != nil {
			return nil, err
		}
		if rules, err = cfg.apply(rules); err != nil {
			return nil, err
		}
		s.pathRules = cfg.pathRules
		s.global = cfg.global
	}
	s.rules = rules
	s.build()
	return s, nil
}

func (s *Scanner) build() {
	kwID := map[string]int{}
	var keywords []string
	for ri, r := range s.rules {
		if r.fullScan || len(r.Keywords) == 0 {
			s.fullScan = append(s.fullScan, ri)
			continue
		}
		seen := map[int]bool{}
		for _, k := range r.Keywords {
			id, ok := kwID[k]
			if !ok {
				id = len(keywords)
				kwID[k] = id
				keywords = append(keywords, k)
				s.kwRules = append(s.kwRules, nil)
			}
			if !seen[id] {
				seen[id] = true
				s.kwRules[id] = append(s.kwRules[id], int32(ri))
			}
		}
	}
	s.pf = newPrefilter(keywords)
	for _, a := range s.global {
		if len(a.targetRules) == 0 && a.pathOnly() && !a.and {
			s.skipPaths = append(s.skipPaths, a)
		}
	}
	n := len(s.rules)
	s.pool.New = func() any {
		st := &fileState{s: s, from: make([]int, n), to: make([]int, n), last: make([]int, n), pathOK: make([]int8, n)}
		for i := range n {
			st.from[i], st.to[i], st.last[i] = maxInt, -1, -1
		}
		st.hitFn = st.onHit
		return st
	}
}

// Rules returns the compiled rules, for documentation and tests.
func (s *Scanner) Rules() []*Rule { return s.rules }

// Name implements scan.Analyzer.
func (s *Scanner) Name() string { return "secret" }

// Wants implements scan.Analyzer: every text file except those a global path allowlist excludes.
func (s *Scanner) Wants(path string, size int64) bool {
	for _, a := range s.skipPaths {
		if a.allowsPath(path) {
			return false
		}
	}
	return true
}

// AcceptsHistory implements scan.HistoryAware.
func (s *Scanner) AcceptsHistory() bool { return true }

// Analyze implements scan.Analyzer. The content is scanned once by the keyword automaton; each rule's
// regex runs only in a small window around its keywords' hits.
func (s *Scanner) Analyze(ctx context.Context, f *scan.File) (scan.Result, error) {
	st := s.pool.Get().(*fileState)
	defer st.release()
	st.reset(f)
	s.pf.scan(f.Content, st.hitFn)
	for _, ri := range s.fullScan {
		if err := ctx.Err(); err != nil {
			return scan.Result{}, err
		}
		r := s.rules[ri]
		if !st.ruleApplies(ri) {
			continue
		}
		for _, m := range r.re.FindAllSubmatchIndex(f.Content, -1) {
			st.consider(ri, 0, m)
		}
	}
	for _, pr := range s.pathRules {
		if pr.path.MatchString(f.Path) {
			st.findings = append(st.findings, finding.Finding{
				Kind: finding.KindSecret, RuleID: pr.id, Severity: pr.severity, Title: pr.title,
				Message:     fmt.Sprintf("%s: the file %s should not be committed", pr.title, f.Path),
				Remediation: defaultRemediation, Location: finding.Location{Path: f.Path},
				Fingerprint: finding.Fingerprint(finding.KindSecret, pr.id, f.Path),
			})
		}
	}
	st.dedup()
	out := scan.Result{Findings: st.findings}
	st.findings = nil
	return out, nil
}

const defaultRemediation = "Revoke and rotate the credential at its provider (it must be treated as compromised), " +
	"remove it from the code and from git history, and load it at runtime from a secret store or the environment."

// suppressed reports whether the line carries an inline ignore marker.
func suppressed(line string) bool {
	return strings.Contains(line, "tollgate:ignore") || strings.Contains(line, "gitleaks:allow")
}
