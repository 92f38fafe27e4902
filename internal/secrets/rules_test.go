package secrets

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

func newTestScanner(t testing.TB) *Scanner {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scanText(t testing.TB, s *Scanner, path, content string) []finding.Finding {
	t.Helper()
	res, err := s.Analyze(context.Background(), &scan.File{Path: path, Content: []byte(content), Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

// splitCase lets a case name a path: "@config/prod.env rest of content".
func splitCase(c string) (path, content string) {
	if strings.HasPrefix(c, "@") {
		if i := strings.IndexByte(c, ' '); i > 0 {
			return c[1:i], c[i+1:]
		}
	}
	return "src/app/config.txt", c
}

// TestRuleCases runs every rule's own true hits and near misses from the rule table.
func TestRuleCases(t *testing.T) {
	s := newTestScanner(t)
	for _, r := range s.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			if len(r.tp) == 0 || len(r.fp) == 0 {
				t.Fatalf("rule %s needs at least one tp and one fp case", r.ID)
			}
			g := newGen(r.ID)
			for _, c := range r.tp {
				path, content := splitCase(g.expand(t, c))
				fs := scanText(t, s, path, content)
				if !hasRule(fs, r.ID) {
					t.Errorf("tp %q: no %s finding (got %v)", content, r.ID, ruleIDs(fs))
				}
			}
			for _, c := range r.fp {
				path, content := splitCase(g.expand(t, c))
				if fs := scanText(t, s, path, content); hasRule(fs, r.ID) {
					t.Errorf("fp %q: unexpected %s finding", content, r.ID)
				}
			}
		})
	}
}

func hasRule(fs []finding.Finding, id string) bool {
	for _, f := range fs {
		if f.RuleID == id && f.Status != "suppressed" {
			return true
		}
	}
	return false
}

func ruleIDs(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	return out
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestRuleTableShape(t *testing.T) {
	s := newTestScanner(t)
	if n := len(s.Rules()); n < 200 {
		t.Errorf("the rule table has %d rules; the issue asks for at least 200", n)
	}
	for _, r := range s.Rules() {
		if !kebab.MatchString(r.ID) {
			t.Errorf("rule id %q is not kebab-case", r.ID)
		}
		if len(r.Keywords) == 0 {
			t.Errorf("rule %s has no keyword", r.ID)
		}
		for _, k := range r.Keywords {
			if len(k) < 3 {
				t.Errorf("rule %s: keyword %q is too short to prefilter", r.ID, k)
			}
		}
		if r.Title == r.ID {
			t.Errorf("rule %s has no title", r.ID)
		}
	}
}
