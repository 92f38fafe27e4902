package policy

import (
	"fmt"
	"strings"
)

// licenseExpr is a parsed SPDX license expression: a leaf license (with an optional exception) or an
// AND/OR of sub-expressions.
type licenseExpr struct {
	op        string // "", "AND", "OR"
	id        string // leaf: the license id as written
	exception string // leaf: the WITH exception
	args      []*licenseExpr
}

// parseLicense parses an SPDX expression: ids, LicenseRef-…, "+", WITH, AND, OR and parentheses,
// with AND binding tighter than OR as the SPDX spec says.
func parseLicense(s string) (*licenseExpr, error) {
	p := &licenseParser{toks: lexLicense(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty license expression")
	}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in license expression", p.toks[p.pos])
	}
	return e, nil
}

func lexLicense(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type licenseParser struct {
	toks []string
	pos  int
}

// maxLicenseDepth bounds nesting so a hostile expression cannot exhaust the stack.
const maxLicenseDepth = 64

func (p *licenseParser) peekOp(op string) bool {
	return p.pos < len(p.toks) && strings.EqualFold(p.toks[p.pos], op)
}

func (p *licenseParser) or(depth int) (*licenseExpr, error) {
	return p.binary(depth, "OR", p.and)
}

func (p *licenseParser) and(depth int) (*licenseExpr, error) {
	return p.binary(depth, "AND", p.atom)
}

func (p *licenseParser) binary(depth int, op string, next func(int) (*licenseExpr, error)) (*licenseExpr, error) {
	first, err := next(depth)
	if err != nil {
		return nil, err
	}
	args := []*licenseExpr{first}
	for p.peekOp(op) {
		p.pos++
		e, err := next(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &licenseExpr{op: op, args: args}, nil
}

func (p *licenseParser) atom(depth int) (*licenseExpr, error) {
	if depth > maxLicenseDepth {
		return nil, fmt.Errorf("license expression nested too deeply")
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("license expression ends early")
	}
	t := p.toks[p.pos]
	switch {
	case t == "(":
		p.pos++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return nil, fmt.Errorf("missing ) in license expression")
		}
		p.pos++
		return e, nil
	case t == ")" || isLicenseOp(t):
		return nil, fmt.Errorf("unexpected %q in license expression", t)
	}
	if !validLicenseID(t) {
		return nil, fmt.Errorf("%q is not an SPDX license id", t)
	}
	p.pos++
	leaf := &licenseExpr{id: t}
	if p.peekOp("WITH") {
		p.pos++
		if p.pos >= len(p.toks) || !validLicenseID(p.toks[p.pos]) || isLicenseOp(p.toks[p.pos]) {
			return nil, fmt.Errorf("WITH needs an exception id")
		}
		leaf.exception = p.toks[p.pos]
		p.pos++
	}
	return leaf, nil
}

func isLicenseOp(t string) bool {
	u := strings.ToUpper(t)
	return u == "AND" || u == "OR" || u == "WITH"
}

// validLicenseID accepts the SPDX idstring characters: letters, digits, '.', '-', '+' (suffix), ':'
// for DocumentRef.
func validLicenseID(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == ':':
		case r == '+' && i == len(s)-1:
		default:
			return false
		}
	}
	return true
}

// normLicense folds case and the deprecated GNU spellings: "GPL-3.0" and "GPL-3.0-only" are one
// license, "GPL-3.0+" and "GPL-3.0-or-later" another.
func normLicense(id string) string {
	u := strings.ToUpper(strings.TrimSpace(id))
	if strings.HasSuffix(u, "+") {
		u = strings.TrimSuffix(u, "+") + "-OR-LATER"
	}
	return strings.TrimSuffix(u, "-ONLY")
}

// licenseList is an allow or deny list, normalised; an entry may be "X WITH Y" to name the pair.
type licenseList map[string]bool

func newLicenseList(ids []string) licenseList {
	l := licenseList{}
	for _, id := range ids {
		if e, err := parseLicense(id); err == nil && e.op == "" {
			l[leafKey(e)] = true
			continue
		}
		l[normLicense(id)] = true
	}
	return l
}

func leafKey(e *licenseExpr) string {
	if e.exception != "" {
		return normLicense(e.id) + " WITH " + strings.ToUpper(e.exception)
	}
	return normLicense(e.id)
}

// has matches a leaf: the exact pair, or the base license (an exception only adds permissions).
func (l licenseList) has(e *licenseExpr) bool {
	return l[leafKey(e)] || l[normLicense(e.id)]
}

// licenseVerdict is the outcome of one license against the policy.
type licenseVerdict int

const (
	licenseOK licenseVerdict = iota
	licenseNotAllowed
	licenseDenied
)

// evalLicense decides an expression: OR passes when any branch passes (the licensee may choose), AND
// only when every part passes. With an empty allow list everything not denied is allowed.
func evalLicense(e *licenseExpr, allow, deny licenseList) licenseVerdict {
	switch e.op {
	case "OR":
		best := licenseDenied
		for _, a := range e.args {
			if v := evalLicense(a, allow, deny); v < best {
				best = v
			}
		}
		return best
	case "AND":
		worst := licenseOK
		for _, a := range e.args {
			if v := evalLicense(a, allow, deny); v > worst {
				worst = v
			}
		}
		return worst
	}
	// An explicitly allowed pair ("GPL-2.0-only WITH Classpath-exception-2.0") wins over its denied base.
	if e.exception != "" && allow[leafKey(e)] {
		return licenseOK
	}
	if deny.has(e) {
		return licenseDenied
	}
	if len(allow) > 0 && !allow.has(e) {
		return licenseNotAllowed
	}
	return licenseOK
}

// unknownLicense is true for the values scanners use when they could not tell.
func unknownLicense(s string) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "UNKNOWN", "NOASSERTION", "NONE", "UNLICENSED":
		return true
	}
	return false
}
