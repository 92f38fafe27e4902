package vulndb

import (
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// scored is an advisory's severity as a report shows it.
type scored struct {
	Severity finding.Severity
	Vector   string
	Score    float64
	fromCVSS bool
}

// severityOf scores an advisory: a CVSS v4 vector first (the current standard), then v3.x, then
// v2, then the advisory's own rating word, else UNKNOWN. Vectors are scored by go-cvss, never guessed.
func severityOf(a *Advisory) scored {
	for _, typ := range []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"} {
		for _, s := range a.Severity {
			if s.Type != typ {
				continue
			}
			if score, ok := cvssScore(s.Score); ok {
				return scored{Severity: cvssRating(typ, score), Vector: s.Score, Score: score, fromCVSS: true}
			}
		}
	}
	return scored{Severity: ratingWord(a.Rating)}
}

// cvssScore computes the base score of a vector of any supported version.
func cvssScore(vector string) (float64, bool) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := cvss40.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.Score(), true
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	case strings.HasPrefix(v, "AV:"):
		c, err := cvss20.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	}
	return 0, false
}

// cvssRating maps a base score to the qualitative scale of its version (v2 has no CRITICAL).
func cvssRating(typ string, score float64) finding.Severity {
	if typ == "CVSS_V2" {
		switch {
		case score >= 7:
			return finding.High
		case score >= 4:
			return finding.Medium
		case score > 0:
			return finding.Low
		}
		return finding.Unknown
	}
	switch {
	case score >= 9:
		return finding.Critical
	case score >= 7:
		return finding.High
	case score >= 4:
		return finding.Medium
	case score > 0:
		return finding.Low
	}
	// 0.0 is "None": nothing to rate; UNKNOWN keeps it from being hidden as LOW.
	return finding.Unknown
}

// ratingWord reads the words databases use: GHSA's MODERATE, Debian's urgencies, Ubuntu's
// priorities, Red Hat's Important/Moderate.
func ratingWord(s string) finding.Severity {
	w := strings.ToLower(strings.TrimSpace(s))
	w = strings.TrimSuffix(w, "*") // Debian marks "not yet assigned" urgencies with a star
	switch w {
	case "critical", "urgent":
		return finding.Critical
	case "high", "important", "emergency":
		return finding.High
	case "medium", "moderate":
		return finding.Medium
	case "low", "negligible", "unimportant", "minor":
		return finding.Low
	}
	return finding.Unknown
}
