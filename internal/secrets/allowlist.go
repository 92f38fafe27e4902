package secrets

import (
	"regexp"
	"strings"
)

// allowlist follows gitleaks' semantics: with condition OR (the default) any one criterion allows
// the finding; with AND every criterion that is set must hold.
type allowlist struct {
	description string
	and         bool
	commits     []string
	paths       []*regexp.Regexp
	regexes     []*regexp.Regexp
	target      string // "secret" (default), "match" or "line"
	stopwords   []string
	// targetRules limits a global allowlist to some rule ids (empty = all rules).
	targetRules map[string]bool
}

// candidate is one regex match under consideration.
type candidate struct {
	path, commit        string
	secret, match, line string
}

func (a *allowlist) appliesTo(ruleID string) bool {
	return len(a.targetRules) == 0 || a.targetRules[ruleID]
}

// pathOnly reports whether the list allows whole files by path alone, so the file can be skipped
// before it is read.
func (a *allowlist) pathOnly() bool {
	return len(a.paths) > 0 && (!a.and || len(a.commits)+len(a.regexes)+len(a.stopwords) == 0)
}

func (a *allowlist) allowsPath(path string) bool {
	for _, p := range a.paths {
		if p.MatchString(path) {
			return true
		}
	}
	return false
}

func (a *allowlist) allows(c *candidate) bool {
	type check struct {
		set bool
		ok  func() bool
	}
	checks := [...]check{
		{len(a.commits) > 0, func() bool {
			for _, x := range a.commits {
				if x != "" && c.commit != "" && strings.HasPrefix(c.commit, x) {
					return true
				}
			}
			return false
		}},
		{len(a.paths) > 0, func() bool { return a.allowsPath(c.path) }},
		{len(a.regexes) > 0, func() bool {
			target := c.secret
			switch a.target {
			case "match":
				target = c.match
			case "line":
				target = c.line
			}
			for _, re := range a.regexes {
				if re.MatchString(target) {
					return true
				}
			}
			return false
		}},
		{len(a.stopwords) > 0, func() bool { return containsStopword(c.secret, a.stopwords) }},
	}
	any := false
	for _, ch := range checks {
		if !ch.set {
			continue
		}
		any = true
		ok := ch.ok()
		if a.and && !ok {
			return false
		}
		if !a.and && ok {
			return true
		}
	}
	return a.and && any
}

// containsStopword is case-insensitive; stopwords are stored lowercase.
func containsStopword(s string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	ls := strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(ls, w) {
			return true
		}
	}
	return false
}
