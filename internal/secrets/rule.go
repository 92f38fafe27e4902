package secrets

import (
	"cmp"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Default window bounds around a keyword hit: the regex sees the hit's line, cut to this many bytes
// before the keyword and after it, so a minified 1 MB line costs no more than a short one. A rule's
// regex must be able to match starting at most `before` bytes ahead of its keyword (rules whose
// keyword sits late in the match, or that anchor on ^, set a larger before).
const (
	defaultBefore = 32
	defaultAfter  = 640
	maxWindow     = 64 << 10
)

// ruleSpec is one rule as written in rules/*.toml (see doc.go for the field meanings).
type ruleSpec struct {
	ID          string   `toml:"id"`
	Title       string   `toml:"title"`
	Severity    string   `toml:"severity"`
	Keywords    []string `toml:"keywords"`
	Regex       string   `toml:"regex"`
	Group       int      `toml:"group"`
	Entropy     float64  `toml:"entropy"`
	Validator   string   `toml:"validator"`
	Remediation string   `toml:"remediation"`
	Window      int      `toml:"window"`
	Before      int      `toml:"before"`
	Generic     bool     `toml:"generic"`
	Path        string   `toml:"path"`
	Stopwords   []string `toml:"stopwords"`
	Allow       []string `toml:"allow"`
	// Pre is an optional byte-level check at the keyword hit that must pass before the regex runs
	// (see precheck.go): "assign", "userinfo" or "line:<literal>".
	Pre string `toml:"pre"`
	// TP and FP are test inputs (templates, see rules_test.go): each TP must produce a finding of this
	// rule, no FP may.
	TP []string `toml:"tp"`
	FP []string `toml:"fp"`
}

// Rule is a compiled detection rule.
type Rule struct {
	ID          string
	Title       string
	Severity    finding.Severity
	Remediation string
	Keywords    []string

	re        *regexp.Regexp
	group     int // 0: first non-empty capture group (or the whole match when there is none)
	entropy   float64
	validator validator
	window    int  // > 0: multi-line rule; the window runs this many bytes past the keyword
	before    int  // how far before the keyword the window starts (bounded by the line start)
	generic   bool // assignment-style rule: stricter placeholder filters, off in lockfiles
	path      *regexp.Regexp
	stopwords []string
	allow     []*allowlist
	pre       precheck
	// fullScan marks a user rule from which no keyword could be derived: it runs over whole files.
	fullScan bool

	tp, fp []string
}

func (s ruleSpec) compile() (*Rule, error) {
	if s.ID == "" {
		return nil, fmt.Errorf("rule without id")
	}
	if s.Regex == "" {
		return nil, fmt.Errorf("rule %s: no regex", s.ID)
	}
	re, err := regexp.Compile(s.Regex)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", s.ID, err)
	}
	if len(s.Keywords) == 0 {
		return nil, fmt.Errorf("rule %s: no keywords (every built-in rule needs a keyword)", s.ID)
	}
	sev := finding.High
	if s.Severity != "" {
		if sev, err = finding.ParseSeverity(s.Severity); err != nil {
			return nil, fmt.Errorf("rule %s: %w", s.ID, err)
		}
	}
	var v validator
	if s.Validator != "" {
		if v = validators[s.Validator]; v == nil {
			return nil, fmt.Errorf("rule %s: unknown validator %q", s.ID, s.Validator)
		}
	}
	if s.Group > re.NumSubexp() {
		return nil, fmt.Errorf("rule %s: group %d but the regex has %d", s.ID, s.Group, re.NumSubexp())
	}
	r := &Rule{
		ID: s.ID, Title: s.Title, Severity: sev, Remediation: s.Remediation,
		Keywords: lowerAll(s.Keywords), re: re, group: s.Group, entropy: s.Entropy,
		validator: v, window: min(s.Window, maxWindow), before: cmp.Or(min(s.Before, maxWindow), defaultBefore), generic: s.Generic, stopwords: lowerAll(s.Stopwords),
		tp: s.TP, fp: s.FP,
	}
	if r.pre, err = parsePrecheck(s.Pre, r.before); err != nil {
		return nil, fmt.Errorf("rule %s: %w", s.ID, err)
	}
	if r.Title == "" {
		r.Title = s.ID
	}
	if s.Path != "" {
		if r.path, err = regexp.Compile(s.Path); err != nil {
			return nil, fmt.Errorf("rule %s: path: %w", s.ID, err)
		}
	}
	if len(s.Allow) > 0 {
		al := &allowlist{target: "secret"}
		for _, a := range s.Allow {
			x, err := regexp.Compile(a)
			if err != nil {
				return nil, fmt.Errorf("rule %s: allow: %w", s.ID, err)
			}
			al.regexes = append(al.regexes, x)
		}
		r.allow = append(r.allow, al)
	}
	return r, nil
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// secretSpan picks the secret out of one submatch index slice.
func (r *Rule) secretSpan(m []int) (int, int) {
	if r.group > 0 {
		return m[2*r.group], m[2*r.group+1]
	}
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return m[2*g], m[2*g+1]
		}
	}
	return m[0], m[1]
}

// deriveKeywords finds literal strings every match of re must contain, so user rules without
// keywords can still go through the prefilter. It returns nil when there is no usable literal.
func deriveKeywords(expr string) []string {
	t, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	t = t.Simplify()
	best := requiredLiterals(t)
	for _, k := range best {
		if len(k) < 3 {
			return nil
		}
	}
	return lowerAll(best)
}

// requiredLiterals returns a set of literals one of which every match contains (the longest such set
// found by a shallow walk), or nil.
func requiredLiterals(t *syntax.Regexp) []string {
	switch t.Op {
	case syntax.OpLiteral:
		return []string{string(t.Rune)}
	case syntax.OpCapture:
		return requiredLiterals(t.Sub[0])
	case syntax.OpPlus:
		return requiredLiterals(t.Sub[0])
	case syntax.OpRepeat:
		if t.Min >= 1 {
			return requiredLiterals(t.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		score := func(s []string) int {
			m := 1 << 30
			for _, x := range s {
				m = min(m, len(x))
			}
			return m
		}
		// Adjacent literals concatenate: "ab" then "cd" in a concat make "abcd".
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				if c := []string{run.String()}; best == nil || score(c) > score(best) {
					best = c
				}
				run.Reset()
			}
		}
		for _, sub := range t.Sub {
			if sub.Op == syntax.OpLiteral {
				run.WriteString(string(sub.Rune))
				continue
			}
			flush()
			if c := requiredLiterals(sub); c != nil && (best == nil || score(c) > score(best)) {
				best = c
			}
		}
		flush()
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range t.Sub {
			c := requiredLiterals(sub)
			if c == nil {
				return nil
			}
			all = append(all, c...)
		}
		return all
	}
	return nil
}
