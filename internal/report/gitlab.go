package report

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() {
	Register("gitlab-sast", func(w io.Writer, r *Report, _ Options) error { return writeGitLab(w, r, "sast") })
	Register("gitlab-dependency-scanning", func(w io.Writer, r *Report, _ Options) error {
		return writeGitLab(w, r, "dependency_scanning")
	})
}

// GitLabSchemaVersion is the security report schema version written (gitlab-org/security-products/
// security-report-schemas); 15.x is what current GitLab security dashboards ingest.
const GitLabSchemaVersion = "15.0.7"

type glReport struct {
	Version         string      `json:"version"`
	Scan            glScan      `json:"scan"`
	Vulnerabilities []glVuln    `json:"vulnerabilities"`
	DependencyFiles []glDepFile `json:"dependency_files,omitempty"`
}

type glScan struct {
	Analyzer  glTool      `json:"analyzer"`
	Scanner   glTool      `json:"scanner"`
	Type      string      `json:"type"`
	StartTime string      `json:"start_time"`
	EndTime   string      `json:"end_time"`
	Status    string      `json:"status"`
	Messages  []glMessage `json:"messages,omitempty"`
}

type glTool struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	URL     string   `json:"url,omitempty"`
	Version string   `json:"version"`
	Vendor  glVendor `json:"vendor"`
}

type glVendor struct {
	Name string `json:"name"`
}

type glMessage struct {
	Level string `json:"level"` // info, warn, fatal
	Value string `json:"value"`
}

type glVuln struct {
	ID          string         `json:"id"`
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Severity    string         `json:"severity"`
	Solution    string         `json:"solution,omitempty"`
	Identifiers []glIdentifier `json:"identifiers"`
	Links       []glLink       `json:"links,omitempty"`
	Location    glLocation     `json:"location"`
}

type glIdentifier struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type glLink struct {
	URL string `json:"url"`
}

type glLocation struct {
	File       string        `json:"file,omitempty"`
	StartLine  int           `json:"start_line,omitempty"`
	EndLine    int           `json:"end_line,omitempty"`
	Dependency *glDependency `json:"dependency,omitempty"`
}

type glDependency struct {
	Package glPackage `json:"package"`
	Version string    `json:"version"`
	Direct  *bool     `json:"direct,omitempty"`
}

type glPackage struct {
	Name string `json:"name"`
}

type glDepFile struct {
	Path           string         `json:"path"`
	PackageManager string         `json:"package_manager"`
	Dependencies   []glDependency `json:"dependencies"`
}

// writeGitLab writes a GitLab security report. sast carries every non-vulnerability finding
// (secrets, misconfigurations, licenses, pinning); dependency_scanning carries vulnerable packages
// and the dependency files they came from. Suppressed findings are left out: GitLab would show them
// as open.
func writeGitLab(w io.Writer, r *Report, typ string) error {
	tool := glTool{ID: "tollgate", Name: "Tollgate", Version: glString(r.Tool.Version), Vendor: glVendor{Name: "Tollgate"}}
	if tool.Version == "" {
		tool.Version = "dev"
	}
	out := glReport{
		Version: GitLabSchemaVersion,
		Scan: glScan{Analyzer: tool, Scanner: tool, Type: typ, Status: "success",
			StartTime: r.StartedAt.UTC().Format("2006-01-02T15:04:05"), EndTime: r.FinishedAt.UTC().Format("2006-01-02T15:04:05")},
		Vulnerabilities: []glVuln{},
	}
	for _, nc := range r.NotChecked {
		out.Scan.Messages = append(out.Scan.Messages, glMessage{Level: "warn", Value: glString("not checked: " + nc)})
	}
	for _, wn := range r.Warnings {
		out.Scan.Messages = append(out.Scan.Messages, glMessage{Level: "warn", Value: glString(wn)})
	}
	for _, f := range r.Findings {
		if f.Status == "suppressed" || (f.Kind == finding.KindVuln) != (typ == "dependency_scanning") {
			continue
		}
		v := glVuln{
			ID:          glUUID(f.Fingerprint),
			Name:        glCap(glString(f.Title), 255),
			Description: glCap(glString(f.Message), 1<<20),
			Severity:    glSeverity(f.Severity),
			Solution:    glCap(glString(f.Remediation), 7000),
			Location:    glLocation{File: glString(f.Location.Path), StartLine: f.Location.StartLine, EndLine: f.Location.EndLine},
		}
		if v.Location.EndLine < v.Location.StartLine {
			v.Location.EndLine = 0
		}
		v.Identifiers = append(v.Identifiers, glIdentifier{Type: "tollgate_rule_id", Name: "Tollgate " + glString(f.RuleID), Value: glString(f.RuleID)})
		if f.Vuln != nil {
			v.Location = glLocation{File: glString(glFirst(f.Vuln.Manifest, f.Location.Path)),
				Dependency: &glDependency{Package: glPackage{Name: glString(f.Vuln.Package)}, Version: glString(f.Vuln.Version)}}
			for _, id := range append([]string{f.Vuln.ID}, f.Vuln.Aliases...) {
				if id == "" || id == f.RuleID {
					continue
				}
				v.Identifiers = append(v.Identifiers, glIdent(id))
			}
			if f.Vuln.ID != "" && f.Vuln.ID == f.RuleID {
				v.Identifiers[0] = glIdent(f.Vuln.ID) // the advisory id itself is the primary identifier
			}
			if f.Vuln.FixedVersion != "" && v.Solution == "" {
				v.Solution = fmt.Sprintf("Upgrade %s to %s or later.", glString(f.Vuln.Package), glString(f.Vuln.FixedVersion))
			}
		}
		if v.Location.File == "" {
			v.Location.File = "."
		}
		for _, ref := range f.References {
			if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
				v.Links = append(v.Links, glLink{URL: glString(ref)})
			}
		}
		out.Vulnerabilities = append(out.Vulnerabilities, v)
	}
	if typ == "dependency_scanning" {
		out.DependencyFiles = glDependencyFiles(r.Packages)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// glIdent types an advisory id the way GitLab links it: cve, ghsa, osv otherwise.
func glIdent(id string) glIdentifier {
	id = glString(id)
	u := strings.ToUpper(id)
	switch {
	case strings.HasPrefix(u, "CVE-"):
		return glIdentifier{Type: "cve", Name: id, Value: id, URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(u, "GHSA-"):
		return glIdentifier{Type: "ghsa", Name: id, Value: id, URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(u, "CWE-"):
		return glIdentifier{Type: "cwe", Name: id, Value: strings.TrimPrefix(u, "CWE-")}
	}
	return glIdentifier{Type: "osv", Name: id, Value: id, URL: "https://osv.dev/vulnerability/" + id}
}

func glDependencyFiles(ps []finding.Package) []glDepFile {
	byFile := map[string]*glDepFile{}
	for _, p := range ps {
		if p.Manifest == "" {
			continue
		}
		df := byFile[p.Manifest]
		if df == nil {
			df = &glDepFile{Path: glString(p.Manifest), PackageManager: glPackageManager(p.Ecosystem), Dependencies: []glDependency{}}
			byFile[p.Manifest] = df
		}
		df.Dependencies = append(df.Dependencies, glDependency{Package: glPackage{Name: glString(p.Name)}, Version: glString(p.Version), Direct: p.Direct})
	}
	paths := make([]string, 0, len(byFile))
	for k := range byFile {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	out := make([]glDepFile, 0, len(paths))
	for _, k := range paths {
		out = append(out, *byFile[k])
	}
	return out
}

// glPackageManager names the package manager GitLab expects for an OSV ecosystem.
func glPackageManager(eco string) string {
	switch strings.ToLower(eco) {
	case "npm":
		return "npm"
	case "pypi":
		return "pip"
	case "go":
		return "go"
	case "maven":
		return "maven"
	case "rubygems":
		return "bundler"
	case "packagist":
		return "composer"
	case "nuget":
		return "nuget"
	case "crates.io":
		return "cargo"
	case "pub":
		return "pub"
	case "debian", "ubuntu":
		return "dpkg"
	case "alpine":
		return "apk"
	}
	if eco == "" {
		return "unknown"
	}
	return strings.ToLower(glString(eco))
}

func glSeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "Critical"
	case finding.High:
		return "High"
	case finding.Medium:
		return "Medium"
	case finding.Low:
		return "Low"
	}
	return "Unknown"
}

// glUUID turns a fingerprint into a stable UUID-shaped id, so GitLab tracks a finding across pipelines.
func glUUID(fp string) string {
	h := sha256.Sum256([]byte("tollgate:" + fp))
	h[6] = (h[6] & 0x0f) | 0x50 // version 5 layout
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// glString keeps JSON valid UTF-8; encoding/json escapes the rest.
func glString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func glCap(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func glFirst(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
