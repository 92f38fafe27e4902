package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// versionRange is an OR of AND-groups of comparisons: ">=1.0.0, <1.2.3 || =2.0.0".
type versionRange [][]comparison

type comparison struct {
	op string // =, !=, <, <=, >, >=
	v  string
}

// parseRange reads a waiver's versions field. A bare version means "=".
func parseRange(s string) (versionRange, error) {
	var r versionRange
	for _, alt := range strings.Split(s, "||") {
		var group []comparison
		for _, part := range strings.Split(alt, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				return nil, fmt.Errorf("empty comparison in %q", s)
			}
			op := "="
			for _, cand := range []string{">=", "<=", "!=", "==", ">", "<", "="} {
				if strings.HasPrefix(part, cand) {
					op = cand
					part = strings.TrimSpace(part[len(cand):])
					break
				}
			}
			if op == "==" {
				op = "="
			}
			if part == "" || strings.ContainsAny(part, " <>=!") {
				return nil, fmt.Errorf("bad version in %q (want e.g. \">=1.2.0, <1.4.2\")", s)
			}
			group = append(group, comparison{op, part})
		}
		r = append(r, group)
	}
	return r, nil
}

func (r versionRange) contains(v string) bool {
	if v == "" {
		return false
	}
	for _, group := range r {
		ok := true
		for _, c := range group {
			d := compareVersions(v, c.v)
			switch c.op {
			case "=":
				ok = d == 0
			case "!=":
				ok = d != 0
			case "<":
				ok = d < 0
			case "<=":
				ok = d <= 0
			case ">":
				ok = d > 0
			case ">=":
				ok = d >= 0
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// compareVersions orders versions of any ecosystem well enough for waiver ranges: a leading "v" is
// dropped, runs of digits compare as numbers, other runs as text, and a pre-release ("-rc1", "-beta")
// sorts before its release as semver says.
func compareVersions(a, b string) int {
	a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	a, _, _ = strings.Cut(a, "+") // build metadata never orders
	b, _, _ = strings.Cut(b, "+")
	ma, pa, hasPA := strings.Cut(a, "-")
	mb, pb, hasPB := strings.Cut(b, "-")
	if d := compareSegments(ma, mb); d != 0 {
		return d
	}
	switch {
	case hasPA && !hasPB:
		return -1
	case !hasPA && hasPB:
		return 1
	}
	return compareSegments(pa, pb)
}

func compareSegments(a, b string) int {
	ta, tb := tokens(a), tokens(b)
	for i := 0; i < len(ta) || i < len(tb); i++ {
		var x, y string
		if i < len(ta) {
			x = ta[i]
		}
		if i < len(tb) {
			y = tb[i]
		}
		if d := compareToken(x, y); d != 0 {
			return d
		}
	}
	return 0
}

// tokens splits "1.10rc2" into 1, 10, rc, 2 (separators dropped).
func tokens(s string) []string {
	var out []string
	start := -1
	kind := 0 // 1 digit, 2 other
	flush := func(i int) {
		if start >= 0 {
			out = append(out, s[start:i])
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		k := 2
		switch {
		case c >= '0' && c <= '9':
			k = 1
		case c == '.' || c == '-' || c == '_' || c == '~' || c == ':':
			flush(i)
			kind = 0
			continue
		}
		if k != kind {
			flush(i)
			start = i
			kind = k
		} else if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return out
}

func compareToken(x, y string) int {
	if x == y {
		return 0
	}
	if x == "" { // 1.0 == 1.0.0 is handled by "0" vs missing below
		if isZero(y) {
			return 0
		}
		return -1
	}
	if y == "" {
		if isZero(x) {
			return 0
		}
		return 1
	}
	nx, ex := strconv.ParseUint(x, 10, 64)
	ny, ey := strconv.ParseUint(y, 10, 64)
	switch {
	case ex == nil && ey == nil:
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return 0
	case ex == nil: // numbers sort after words: 1.0.rc < 1.0.0
		return 1
	case ey == nil:
		return -1
	}
	return strings.Compare(x, y)
}

func isZero(s string) bool { return strings.Trim(s, "0") == "" && s != "" }
