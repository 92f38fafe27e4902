package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Waiver hides the findings its scope matches until it expires. Every scope field given must match.
type Waiver struct {
	ID          string `yaml:"id"`
	Fingerprint string `yaml:"fingerprint"`
	// Rule is a rule or check id (secret rule, misconfig check, vulnerability rule id).
	Rule string `yaml:"rule"`
	// Vuln is a vulnerability id or any of its aliases (CVE-…, GHSA-…).
	Vuln     string `yaml:"vuln"`
	Package  string `yaml:"package"`
	Versions string `yaml:"versions"`
	// Path is a doublestar glob on the finding's path (or the vulnerable package's manifest).
	Path    string `yaml:"path"`
	License string `yaml:"license"`

	Reason  string `yaml:"reason"`
	Owner   string `yaml:"owner"`
	Expires *Date  `yaml:"expires"`

	// Line and Source say where the waiver is written; set by the loader.
	Line   int    `yaml:"-"`
	Source string `yaml:"-"`
	// imported marks waivers read from another tool's ignore file: owner and expiry may be missing.
	imported bool
	rng      versionRange
}

// UnmarshalYAML records the waiver's line for errors and the audit trail.
func (w *Waiver) UnmarshalYAML(n *yaml.Node) error {
	type plain Waiver
	if n.Kind != yaml.MappingNode {
		return &lineError{n.Line, "a waiver is a mapping with a scope, reason, owner and expires"}
	}
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*w = Waiver(p)
	w.Line = n.Line
	return nil
}

// problems lists what makes the waiver unusable; a config with any is rejected.
func (w *Waiver) problems() []string {
	var out []string
	if w.Fingerprint == "" && w.Rule == "" && w.Vuln == "" && w.Package == "" && w.Path == "" && w.License == "" {
		out = append(out, "no scope: give at least one of fingerprint, rule, vuln, package, path, license")
	}
	if w.Versions != "" && w.Package == "" {
		out = append(out, "versions needs package")
	}
	if w.Versions != "" {
		r, err := parseRange(w.Versions)
		if err != nil {
			out = append(out, fmt.Sprintf("versions: %v", err))
		}
		w.rng = r
	}
	if w.Path != "" && !doublestar.ValidatePattern(w.Path) {
		out = append(out, fmt.Sprintf("path: invalid glob %q", w.Path))
	}
	if !w.imported {
		if strings.TrimSpace(w.Reason) == "" {
			out = append(out, "reason is required")
		}
		if strings.TrimSpace(w.Owner) == "" {
			out = append(out, "owner is required")
		}
		if w.Expires == nil {
			out = append(out, "expires is required (a date like 2026-06-30)")
		}
	}
	return out
}

// Scope describes what the waiver matches, for reports.
func (w *Waiver) Scope() string {
	var p []string
	add := func(k, v string) {
		if v != "" {
			p = append(p, k+"="+v)
		}
	}
	add("fingerprint", w.Fingerprint)
	add("rule", w.Rule)
	add("vuln", w.Vuln)
	add("package", w.Package)
	add("versions", w.Versions)
	add("path", w.Path)
	add("license", w.License)
	return strings.Join(p, " ")
}

func (w *Waiver) expired(now time.Time) bool { return w.Expires != nil && now.After(w.Expires.Time) }

// matches reports whether every scope field given matches f.
func (w *Waiver) matches(f *finding.Finding) bool {
	if w.Fingerprint != "" && !strings.EqualFold(w.Fingerprint, f.Fingerprint) {
		return false
	}
	if w.Rule != "" && !strings.EqualFold(w.Rule, f.RuleID) {
		return false
	}
	if w.Vuln != "" && !vulnIDMatches(f, w.Vuln) {
		return false
	}
	if w.Package != "" {
		name, version := packageOf(f)
		if name == "" || !strings.EqualFold(name, w.Package) {
			return false
		}
		if w.Versions != "" && !w.rng.contains(version) {
			return false
		}
	}
	if w.Path != "" && !pathMatches(w.Path, f, !w.imported) {
		return false
	}
	if w.License != "" && !strings.EqualFold(w.License, f.License) {
		return false
	}
	return true
}

// vulnIDMatches is true when id is the finding's vulnerability id, rule id or one of its aliases.
func vulnIDMatches(f *finding.Finding, id string) bool {
	if strings.EqualFold(f.RuleID, id) {
		return true
	}
	if f.Vuln == nil {
		return false
	}
	if strings.EqualFold(f.Vuln.ID, id) {
		return true
	}
	for _, a := range f.Vuln.Aliases {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}

// packageOf names the package a finding is about, when it has one.
func packageOf(f *finding.Finding) (name, version string) {
	if f.Vuln != nil {
		return f.Vuln.Package, f.Vuln.Version
	}
	// License findings name their package as "ecosystem/name" in the resource.
	if f.Kind == finding.KindLicense {
		if _, name, ok := strings.Cut(f.Location.Resource, "/"); ok {
			return name, ""
		}
	}
	return "", ""
}

// pathMatches matches glob against the finding's path and manifest. anyDepth lets a glob without a
// slash match a base name at any depth; imported ignore files name paths from the root (gitleaks'
// "config.py" is the root file, not every config.py), so they do not get it.
func pathMatches(glob string, f *finding.Finding, anyDepth bool) bool {
	for _, p := range []string{f.Location.Path, manifestOf(f)} {
		if p == "" {
			continue
		}
		if ok, _ := doublestar.Match(glob, p); ok {
			return true
		}
		// A glob without a slash also matches a base name at any depth, like the walk's globs.
		if anyDepth && !strings.Contains(glob, "/") {
			if ok, _ := doublestar.Match("**/"+glob, p); ok {
				return true
			}
		}
	}
	return false
}

func manifestOf(f *finding.Finding) string {
	if f.Vuln != nil {
		return f.Vuln.Manifest
	}
	return ""
}
