package vulndb

import (
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

// cmp orders the installed version against a parsed advisory version.
func (v version) cmp(w semantic.Version) (int, bool) {
	if v.parsed == nil || w == nil {
		return 0, false
	}
	c, err := v.parsed.Compare(w)
	return c, err == nil
}

// hit is one advisory that affects one installed version, with the fixes above it.
type hit struct {
	adv   *Advisory
	fixes []string
}

// prepared is an advisory with its affected entries for one key, event versions parsed and sorted
// once, so evaluating many installed versions of the same package costs comparisons only.
type prepared struct {
	adv     *Advisory
	entries []preparedEntry
}

type preparedEntry struct {
	suffix   string
	versions []string
	ranges   []preparedRange
}

type pev struct {
	kind byte // 'i'ntroduced, 'f'ixed, 'l'ast_affected
	raw  string
	zero bool // introduced "0": before everything
	v    semantic.Version
}

type preparedRange struct {
	evs    []pev
	limits []semantic.Version
}

// prepare keeps the entries of adv that name key k and parses their events in k's ecosystem.
// Events whose version the ecosystem cannot read are dropped (they cannot be ordered).
func prepare(adv *Advisory, k key) prepared {
	p := prepared{adv: adv}
	for i := range adv.Affected {
		a := &adv.Affected[i]
		base, suffix := splitEcosystem(a.Ecosystem)
		if base != k.eco || normaliseName(base, a.Name) != k.name {
			continue
		}
		e := preparedEntry{suffix: suffix, versions: a.Versions}
		for _, r := range a.Ranges {
			var pr preparedRange
			for _, ev := range r.Events {
				var x pev
				switch {
				case ev.Introduced != "":
					x = pev{kind: 'i', raw: ev.Introduced, zero: ev.Introduced == "0"}
				case ev.Fixed != "":
					x = pev{kind: 'f', raw: ev.Fixed}
				case ev.LastAffected != "":
					x = pev{kind: 'l', raw: ev.LastAffected}
				case ev.Limit != "":
					if ev.Limit != "*" {
						if lv, err := semantic.Parse(ev.Limit, k.eco); err == nil {
							pr.limits = append(pr.limits, lv)
						}
					}
					continue
				default:
					continue
				}
				if !x.zero {
					pv, err := semantic.Parse(x.raw, k.eco)
					if err != nil {
						continue
					}
					x.v = pv
				}
				pr.evs = append(pr.evs, x)
			}
			sortEvents(pr.evs)
			e.ranges = append(e.ranges, pr)
		}
		p.entries = append(p.entries, e)
	}
	return p
}

// sortEvents orders by version, "0" first; at equal versions introduced comes before fixed so an
// empty range stays empty. Insertion sort: ranges have a handful of events.
func sortEvents(evs []pev) {
	less := func(a, b pev) bool {
		if a.zero != b.zero {
			return a.zero
		}
		if !a.zero {
			if c, err := a.v.Compare(b.v); err == nil && c != 0 {
				return c < 0
			}
		}
		return a.kind == 'i' && b.kind != 'i'
	}
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && less(evs[j], evs[j-1]); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

// affects evaluates the prepared entries for the package's release and returns the fixed versions
// above v when it is affected.
func (p *prepared) affects(k key, pkgSuffix string, v version) (bool, []string) {
	hitAny := false
	var fixes []string
	for i := range p.entries {
		e := &p.entries[i]
		if !sameRelease(k.eco, pkgSuffix, e.suffix) {
			continue
		}
		if in, fx := e.affects(v); in {
			hitAny = true
			fixes = append(fixes, fx...)
		}
	}
	return hitAny, fixes
}

// affects follows the OSV evaluation: the version is listed in versions[], or some SEMVER or
// ECOSYSTEM range contains it. GIT ranges were dropped at import — they order commits, not
// releases — so an entry mixing GIT with SEMVER still matches by its SEMVER range (osv-scalibr's
// matcher gives up at the first GIT range). An entry with neither ranges nor versions affects
// nothing, as in osv-scalibr.
func (e *preparedEntry) affects(v version) (bool, []string) {
	for _, listed := range e.versions {
		if listed == v.raw || strings.TrimPrefix(listed, "v") == strings.TrimPrefix(v.raw, "v") {
			return true, e.fixesAbove(v)
		}
	}
	if v.parsed == nil {
		return false, nil
	}
	if len(e.ranges) == 0 {
		// A bare list: compare by the ecosystem's equality too (PEP 440: 0.5 == 0.5.0).
		for _, listed := range e.versions {
			if c, err := v.parsed.CompareStr(listed); err == nil && c == 0 {
				return true, nil
			}
		}
		return false, nil
	}
	for _, r := range e.ranges {
		if r.contains(v) {
			return true, e.fixesAbove(v)
		}
	}
	return false, nil
}

// contains walks the sorted events: introduced opens, fixed closes (exclusive), last_affected
// closes (inclusive); a limit caps the whole range.
func (r *preparedRange) contains(v version) bool {
	affected := false
	for _, e := range r.evs {
		switch e.kind {
		case 'i':
			if e.zero {
				affected = true
			} else if c, ok := v.cmp(e.v); ok && c >= 0 {
				affected = true
			}
		case 'f':
			if c, ok := v.cmp(e.v); ok && c >= 0 {
				affected = false
			}
		case 'l':
			if c, ok := v.cmp(e.v); ok && c > 0 {
				affected = false
			}
		}
	}
	if !affected {
		return false
	}
	for _, l := range r.limits {
		if c, ok := v.cmp(l); ok && c >= 0 {
			return false
		}
	}
	return true
}

// fixesAbove lists every fixed version of the entry above v: the candidates for the upgrade.
func (e *preparedEntry) fixesAbove(v version) []string {
	var out []string
	for _, r := range e.ranges {
		for _, ev := range r.evs {
			if ev.kind == 'f' {
				if c, ok := v.cmp(ev.v); ok && c < 0 {
					out = append(out, ev.raw)
				}
			}
		}
	}
	return out
}

// affects is the one-shot form used where an advisory is evaluated once (fuzzing, tests).
func affects(adv *Advisory, k key, pkgSuffix string, v version) (bool, []string) {
	p := prepare(adv, k)
	return p.affects(k, pkgSuffix, v)
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
		if a == b {
			return false
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
