package vulndb

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// version is an installed version parsed once for its ecosystem. parsed is nil where scalibr has no
// ordering for the ecosystem; then only versions[] lists can match.
type version struct {
	raw    string
	eco    string // base ecosystem
	parsed semantic.Version
}

func parseVersion(eco, raw string) (version, error) {
	v := version{raw: raw, eco: eco}
	p, err := semantic.Parse(raw, eco)
	if err != nil {
		if strings.Contains(err.Error(), semantic.ErrUnsupportedEcosystem.Error()) {
			return v, nil
		}
		return v, err
	}
	v.parsed = p
	return v, nil
}

// compareTo orders the installed version against an advisory's version string.
func (v version) compareTo(s string) (int, bool) {
	if v.parsed == nil {
		return 0, false
	}
	c, err := v.parsed.CompareStr(s)
	if err != nil {
		return 0, false
	}
	return c, true
}

// hit is one advisory that affects one installed version, with the fixes above it.
type hit struct {
	adv   *Advisory
	fixes []string
}

// affects evaluates every affected entry of adv naming the package (name already normalised into
// the key) in the package's release, and returns the fixed versions above v when it is affected.
func affects(adv *Advisory, k key, pkgSuffix string, v version) (bool, []string) {
	hitAny := false
	var fixes []string
	for i := range adv.Affected {
		a := &adv.Affected[i]
		base, suffix := splitEcosystem(a.Ecosystem)
		if base != k.eco || normaliseName(base, a.Name) != k.name || !sameRelease(base, pkgSuffix, suffix) {
			continue
		}
		in, fx := entryAffects(a, v)
		if in {
			hitAny = true
			fixes = append(fixes, fx...)
		}
	}
	return hitAny, fixes
}

// entryAffects follows the OSV evaluation: the version is listed in versions[], or some SEMVER or
// ECOSYSTEM range contains it. GIT ranges were dropped at import — they order commits, not
// releases — so an entry mixing GIT with SEMVER still matches by its SEMVER range (osv-scalibr's
// matcher stops at the first GIT range). An entry with neither ranges nor versions affects nothing.
func entryAffects(a *Affected, v version) (bool, []string) {
	for _, listed := range a.Versions {
		if listed == v.raw || strings.TrimPrefix(listed, "v") == strings.TrimPrefix(v.raw, "v") {
			// A listed version: the fix is whatever the ranges say comes next.
			return true, fixesAbove(a, v)
		}
		if c, ok := v.compareTo(listed); ok && c == 0 {
			return true, fixesAbove(a, v)
		}
	}
	if v.parsed == nil {
		return false, nil
	}
	for _, r := range a.Ranges {
		if in, fix := rangeContains(r, v); in {
			return true, fix
		}
	}
	return false, nil
}

// rangeContains walks the events in version order: introduced opens, fixed closes (exclusive),
// last_affected closes (inclusive); limit caps the whole range.
func rangeContains(r Range, v version) (bool, []string) {
	type ev struct {
		kind  byte // i, f, l
		ver   string
		order int // kind order for equal versions: introduced before fixed
	}
	evs := make([]ev, 0, len(r.Events))
	var limits []string
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			evs = append(evs, ev{'i', e.Introduced, 0})
		case e.Fixed != "":
			evs = append(evs, ev{'f', e.Fixed, 1})
		case e.LastAffected != "":
			evs = append(evs, ev{'l', e.LastAffected, 1})
		case e.Limit != "":
			limits = append(limits, e.Limit)
		}
	}
	// Sort with the ecosystem's own order; "0" is before everything.
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.kind == 'i' && a.ver == "0" && !(b.kind == 'i' && b.ver == "0"):
			return -1
		case b.kind == 'i' && b.ver == "0" && !(a.kind == 'i' && a.ver == "0"):
			return 1
		}
		if c, ok := compareStrs(v, a.ver, b.ver); ok && c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	affected := false
	for _, e := range evs {
		switch e.kind {
		case 'i':
			if e.ver == "0" {
				affected = true
			} else if c, ok := v.compareTo(e.ver); ok && c >= 0 {
				affected = true
			}
		case 'f':
			if c, ok := v.compareTo(e.ver); ok && c >= 0 {
				affected = false
			}
		case 'l':
			if c, ok := v.compareTo(e.ver); ok && c > 0 {
				affected = false
			}
		}
	}
	if !affected {
		return false, nil
	}
	for _, l := range limits {
		if l == "*" {
			continue
		}
		if c, ok := v.compareTo(l); ok && c >= 0 {
			return false, nil
		}
	}
	var fixes []string
	for _, e := range evs {
		if e.kind == 'f' {
			if c, ok := v.compareTo(e.ver); ok && c < 0 {
				fixes = append(fixes, e.ver)
			}
		}
	}
	return true, fixes
}

func fixesAbove(a *Affected, v version) []string {
	var out []string
	for _, r := range a.Ranges {
		for _, e := range r.Events {
			if e.Fixed == "" {
				continue
			}
			if c, ok := v.compareTo(e.Fixed); ok && c < 0 {
				out = append(out, e.Fixed)
			}
		}
	}
	return out
}

// compareStrs orders two advisory version strings in v's ecosystem.
func compareStrs(v version, a, b string) (int, bool) {
	pa, err := semantic.Parse(a, v.eco)
	if err != nil {
		return 0, false
	}
	c, err := pa.CompareStr(b)
	return c, err == nil
}

// nearestFix picks the smallest fixed version above the installed one, preferring the installed
// version's own major line (upgrading 1.4 to 1.4.7 beats 2.0.1 when both fix it).
func nearestFix(v version, fixes []string) string {
	if len(fixes) == 0 {
		return ""
	}
	major := majorOf(v.raw)
	var best, bestSame string
	less := func(a, b string) bool {
		if b == "" {
			return true
		}
		c, ok := compareStrs(v, a, b)
		if !ok {
			return a < b
		}
		return c < 0
	}
	for _, f := range fixes {
		if less(f, best) {
			best = f
		}
		if major != "" && majorOf(f) == major && less(f, bestSame) {
			bestSame = f
		}
	}
	if bestSame != "" {
		return bestSame
	}
	return best
}

// majorOf is the leading number of a version, after any "v" or Debian/RPM epoch.
func majorOf(s string) string {
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, ':'); i >= 0 && i < 4 {
		s = s[i+1:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if m := strings.TrimLeft(s[:end], "0"); m != "" || end == 0 {
		return m
	}
	return "0"
}
