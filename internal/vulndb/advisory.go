// Package vulndb owns Tollgate's local OSV vulnerability database: importing and updating the
// per-ecosystem all.zip files, the compact on-disk index keyed by (ecosystem, normalised name), and
// matching packages against it with ecosystem-correct version order.
package vulndb

import (
	"encoding/json"
	"strings"
)

// osvRecord is the part of an OSV advisory (https://ossf.github.io/osv-schema/) the database keeps.
// Fields not listed (details, credits, affected functions…) are dropped at import.
type osvRecord struct {
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published"`
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []osvSeverity   `json:"severity"`
	Affected         []osvAffected   `json:"affected"`
	References       []osvReference  `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvReference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type osvAffected struct {
	Package           osvPackage      `json:"package"`
	Severity          []osvSeverity   `json:"severity"`
	Ranges            []osvRange      `json:"ranges"`
	Versions          []string        `json:"versions"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
	DatabaseSpecific  json.RawMessage `json:"database_specific"`
}

type osvPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"`
}

type osvRange struct {
	Type   string     `json:"type"`
	Repo   string     `json:"repo,omitempty"`
	Events []osvEvent `json:"events"`
}

type osvEvent struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Advisory is one advisory as stored under one package key: only the affected entries for that
// package, and only what matching and reporting need.
type Advisory struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	Published string   `json:"published,omitempty"`
	Modified  string   `json:"modified,omitempty"`
	// Severity holds CVSS vectors by type (CVSS_V2, CVSS_V3, CVSS_V4), from the advisory or the entry.
	Severity []Severity `json:"severity,omitempty"`
	// Rating is the advisory's own word (database_specific / ecosystem_specific severity), used when
	// no CVSS vector is given.
	Rating     string     `json:"rating,omitempty"`
	References []string   `json:"refs,omitempty"`
	Affected   []Affected `json:"affected"`
}

// Severity is one scored vector.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one affected[] entry of the advisory for the key's package.
type Affected struct {
	Ecosystem string   `json:"eco"` // full string, e.g. "Debian:12"
	Name      string   `json:"name"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
}

// Range keeps SEMVER and ECOSYSTEM ranges; GIT ranges say nothing about package versions.
type Range struct {
	Type   string     `json:"type"`
	Events []osvEvent `json:"events"`
}

// maxRefs bounds the references kept per advisory: enough to read about it, not a link farm.
const maxRefs = 5

// trim turns one parsed record into the per-key advisories the index stores. It returns nil for
// withdrawn advisories and records without usable package entries.
func (r *osvRecord) trim() map[key]*Advisory {
	if r.ID == "" || r.Withdrawn != "" {
		return nil
	}
	base := Advisory{
		ID:        r.ID,
		Aliases:   r.Aliases,
		Summary:   summaryOf(r),
		Published: r.Published,
		Modified:  r.Modified,
		Rating:    ratingOf(r.DatabaseSpecific),
	}
	if base.Rating == "" {
		// Red Hat style summaries lead with the rating: "Moderate: libxml2 security update".
		if w, _, ok := strings.Cut(base.Summary, ":"); ok && ratingWord(w) != 0 {
			base.Rating = w
		}
	}
	for _, s := range r.Severity {
		if s.Type != "" && s.Score != "" {
			base.Severity = append(base.Severity, Severity(s))
		}
	}
	for _, ref := range r.References {
		if len(base.References) == maxRefs {
			break
		}
		if ref.URL != "" && (ref.Type == "ADVISORY" || ref.Type == "WEB" || len(base.References) < 2) {
			base.References = append(base.References, ref.URL)
		}
	}
	out := map[key]*Advisory{}
	for _, a := range r.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem == "" {
			continue
		}
		k := keyFor(a.Package.Ecosystem, a.Package.Name)
		if k.eco == "" || k.name == "" {
			continue
		}
		entry := Affected{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, Versions: a.Versions}
		for _, rg := range a.Ranges {
			if rg.Type == "SEMVER" || rg.Type == "ECOSYSTEM" {
				entry.Ranges = append(entry.Ranges, Range{Type: rg.Type, Events: rg.Events})
			}
		}
		adv := out[k]
		if adv == nil {
			cp := base
			adv = &cp
			adv.Severity = append([]Severity(nil), base.Severity...)
			out[k] = adv
		}
		for _, s := range a.Severity {
			if s.Type != "" && s.Score != "" && !hasSeverity(adv.Severity, s.Type) {
				adv.Severity = append(adv.Severity, Severity(s))
			}
		}
		if adv.Rating == "" {
			adv.Rating = cmpOr(ratingOf(a.EcosystemSpecific), ratingOf(a.DatabaseSpecific))
		}
		adv.Affected = append(adv.Affected, entry)
	}
	return out
}

func hasSeverity(ss []Severity, typ string) bool {
	for _, s := range ss {
		if s.Type == typ {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// summaryOf falls back to the first line of details, cut short, when there is no summary.
func summaryOf(r *osvRecord) string {
	s := strings.TrimSpace(r.Summary)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(r.Details), "\n")
	}
	if len(s) > 200 {
		s = s[:200]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// ratingOf reads the free-text severity some databases put in database_specific or
// ecosystem_specific ("severity": "HIGH", GHSA's "MODERATE", Ubuntu's "medium", Debian's "urgency").
func ratingOf(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"severity", "cvss_severity", "urgency"} {
		var s string
		if v, ok := m[k]; ok && json.Unmarshal(v, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}
