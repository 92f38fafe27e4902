package vulndb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// MatchResult is what matching a package list produced.
type MatchResult struct {
	Findings []finding.Finding
	// Uncovered lists the ecosystems of packages the database holds no data for: those packages
	// were not checked, and the report must say so.
	Uncovered []string
	// Unparsable counts packages whose version the ecosystem's rules could not read.
	Unparsable []string
	Packages   int
}

// pkgQuery is one distinct thing to match: a package name (or its source package) at a version.
type pkgQuery struct {
	k      key
	suffix string
	ver    string
}

// Match checks every package against the database. Packages without a version become unpinned
// findings instead of matching every advisory of the name.
func (db *DB) Match(ctx context.Context, pkgs []finding.Package) (*MatchResult, error) {
	res := &MatchResult{Packages: len(pkgs)}
	uncovered := map[string]bool{}
	// What to look up: the package's own name and, for OS packages, the source package the
	// distribution's advisories name (Debian source, Alpine origin).
	queries := map[pkgQuery]bool{}
	plan := make([][]pkgQuery, len(pkgs))
	for i, p := range pkgs {
		base, suffix := splitEcosystem(p.Ecosystem)
		if base == "" || p.Name == "" {
			continue
		}
		if !db.Has(base) {
			uncovered[base] = true
			continue
		}
		if unpinned(p.Version) {
			continue
		}
		ver := goVersion(base, p.Name, p.Version)
		q := pkgQuery{k: keyFor(base, p.Name), suffix: suffix, ver: ver}
		plan[i] = append(plan[i], q)
		if p.SourceName != "" && normaliseName(base, p.SourceName) != q.k.name {
			sv := p.SourceVersion
			if sv == "" {
				sv = p.Version
			}
			plan[i] = append(plan[i], pkgQuery{k: keyFor(base, p.SourceName), suffix: suffix, ver: sv})
		}
		for _, q := range plan[i] {
			queries[q] = true
		}
	}

	// Look each distinct key up once, in parallel; records are small and independent.
	keys := map[key]bool{}
	for q := range queries {
		keys[q.k] = true
	}
	keyList := make([]key, 0, len(keys))
	for k := range keys {
		keyList = append(keyList, k)
	}
	advs := make([][]*Advisory, len(keyList))
	errs := make([]error, len(keyList))
	parallel(len(keyList), func(i int) {
		if ctx.Err() != nil {
			return
		}
		advs[i], errs[i] = db.lookup(keyList[i])
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	byKey := make(map[key][]*Advisory, len(keyList))
	for i, k := range keyList {
		if errs[i] != nil {
			return nil, errs[i]
		}
		byKey[k] = advs[i]
	}

	// Evaluate each distinct (key, release, version) once, grouped by key so each advisory's
	// events are parsed once however many versions of the package the scan holds.
	byKeyQueries := map[key][]pkgQuery{}
	for q := range queries {
		if len(byKey[q.k]) > 0 {
			byKeyQueries[q.k] = append(byKeyQueries[q.k], q)
		}
	}
	work := make([]key, 0, len(byKeyQueries))
	for k := range byKeyQueries {
		work = append(work, k)
	}
	hits := map[pkgQuery][]hit{}
	var mu sync.Mutex
	var bad []string
	parallel(len(work), func(i int) {
		k := work[i]
		preps := make([]prepared, len(byKey[k]))
		for j, a := range byKey[k] {
			preps[j] = prepare(a, k)
		}
		local := map[pkgQuery][]hit{}
		var localBad []string
		for _, q := range byKeyQueries[k] {
			v, err := parseVersion(k.eco, q.ver)
			if err != nil {
				localBad = append(localBad, fmt.Sprintf("%s/%s@%s", k.eco, k.name, q.ver))
				continue
			}
			var hs []hit
			for j := range preps {
				if in, fixes := preps[j].affects(k, q.suffix, v); in {
					hs = append(hs, hit{adv: preps[j].adv, fixes: fixes})
				}
			}
			local[q] = hs
		}
		mu.Lock()
		for q, hs := range local {
			hits[q] = hs
		}
		bad = append(bad, localBad...)
		mu.Unlock()
	})
	sort.Strings(bad)
	res.Unparsable = bad

	seen := map[string]bool{}
	for i, p := range pkgs {
		base, _ := splitEcosystem(p.Ecosystem)
		if p.Name == "" {
			continue
		}
		if unpinned(p.Version) {
			f := unpinnedFinding(p)
			if !seen[f.Fingerprint] {
				seen[f.Fingerprint] = true
				res.Findings = append(res.Findings, f)
			}
			continue
		}
		if base == "" || uncovered[base] {
			continue
		}
		var all []hit
		var ver version
		for j, q := range plan[i] {
			all = append(all, hits[q]...)
			if j == 0 {
				ver, _ = parseVersion(base, q.ver)
			}
		}
		for _, g := range mergeAliases(all) {
			f := vulnFinding(p, base, ver, g)
			if !seen[f.Fingerprint] {
				seen[f.Fingerprint] = true
				res.Findings = append(res.Findings, f)
			}
		}
	}
	for e := range uncovered {
		res.Uncovered = append(res.Uncovered, e)
	}
	sort.Strings(res.Uncovered)
	return res, nil
}

func unpinned(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || v == "*" || strings.EqualFold(v, "latest")
}

// goVersion turns the go/toolchain directive forms ("go1.22.3", "1.22") into the Go database's
// stdlib versions.
func goVersion(base, name, v string) string {
	if base == "Go" && normaliseName("Go", name) == "stdlib" {
		return strings.TrimPrefix(strings.TrimSpace(v), "go")
	}
	return v
}

// group is the advisories that describe one vulnerability (linked by ids and aliases).
type group struct {
	id      string
	aliases []string
	hits    []hit
}

// mergeAliases unites hits whose ids or aliases overlap, so PYSEC-x, GHSA-y and CVE-z about one
// flaw give one finding. The canonical id is the ecosystem's own (GO-, PYSEC-, RUSTSEC-, DSA-…),
// then GHSA, then OSV, then CVE.
func mergeAliases(hs []hit) []group {
	if len(hs) == 0 {
		return nil
	}
	parent := make([]int, len(hs))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, h := range hs {
		for _, id := range append([]string{h.adv.ID}, h.adv.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	byRoot := map[int]*group{}
	var order []int
	for i, h := range hs {
		r := find(i)
		g := byRoot[r]
		if g == nil {
			g = &group{}
			byRoot[r] = g
			order = append(order, r)
		}
		// The same advisory can arrive twice (name and source name); keep it once.
		if !slices.ContainsFunc(g.hits, func(x hit) bool { return x.adv.ID == h.adv.ID }) {
			g.hits = append(g.hits, h)
		} else {
			for k := range g.hits {
				if g.hits[k].adv.ID == h.adv.ID {
					g.hits[k].fixes = append(g.hits[k].fixes, h.fixes...)
				}
			}
		}
	}
	out := make([]group, 0, len(order))
	for _, r := range order {
		g := byRoot[r]
		ids := map[string]bool{}
		var own []string
		for _, h := range g.hits {
			own = append(own, h.adv.ID)
			ids[h.adv.ID] = true
			for _, a := range h.adv.Aliases {
				ids[a] = true
			}
		}
		slices.SortFunc(own, func(a, b string) int { return cmp.Or(cmp.Compare(idRank(a), idRank(b)), cmp.Compare(a, b)) })
		g.id = own[0]
		for id := range ids {
			if id != g.id {
				g.aliases = append(g.aliases, id)
			}
		}
		sort.Strings(g.aliases)
		// Put the canonical advisory first; its text and score lead.
		slices.SortStableFunc(g.hits, func(a, b hit) int {
			return cmp.Or(cmp.Compare(idRank(a.adv.ID), idRank(b.adv.ID)), cmp.Compare(a.adv.ID, b.adv.ID))
		})
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b group) int { return cmp.Compare(a.id, b.id) })
	return out
}

func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "OSV-"):
		return 2
	case strings.HasPrefix(id, "CVE-"):
		return 3
	}
	return 0
}

func vulnFinding(p finding.Package, base string, v version, g group) finding.Finding {
	lead := g.hits[0].adv
	sc := severityOf(lead)
	for _, h := range g.hits[1:] {
		if s := severityOf(h.adv); (!sc.fromCVSS && s.fromCVSS) || (s.fromCVSS == sc.fromCVSS && s.Severity > sc.Severity) {
			sc = s
		}
	}
	var fixes []string
	for _, h := range g.hits {
		fixes = append(fixes, h.fixes...)
	}
	fix := nearestFix(v, fixes)
	summary := ""
	for _, h := range g.hits {
		if summary = h.adv.Summary; summary != "" {
			break
		}
	}
	refs := []string{"https://osv.dev/vulnerability/" + g.id}
	for _, h := range g.hits {
		for _, r := range h.adv.References {
			if !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	msg := fmt.Sprintf("%s %s is affected by %s", p.Name, p.Version, g.id)
	if summary != "" {
		msg += ": " + summary
	}
	rem := fmt.Sprintf("No fixed version of %s is known yet; consider replacing it or mitigating %s.", p.Name, g.id)
	if fix != "" {
		rem = fmt.Sprintf("upgrade %s from %s to %s", p.Name, p.Version, fix)
	}
	title := fmt.Sprintf("%s in %s %s", g.id, p.Name, p.Version)
	if summary != "" {
		title += ": " + summary
	}
	return finding.Finding{
		Kind:        finding.KindVuln,
		RuleID:      g.id,
		Severity:    sc.Severity,
		Title:       title,
		Message:     msg,
		Remediation: rem,
		References:  refs,
		Location:    finding.Location{Path: p.Manifest, StartLine: p.Line, EndLine: p.Line, Layer: p.Layer},
		Fingerprint: finding.Fingerprint(finding.KindVuln, g.id, p.Manifest, p.Ecosystem+"/"+p.Name+"@"+p.Version),
		Vuln: &finding.Vuln{
			ID:           g.id,
			Aliases:      g.aliases,
			Summary:      summary,
			Ecosystem:    p.Ecosystem,
			Package:      p.Name,
			Version:      p.Version,
			PURL:         p.PURL,
			FixedVersion: fix,
			CVSSVector:   sc.Vector,
			CVSSScore:    sc.Score,
			Published:    parseTime(lead.Published),
			FixPublished: fixPublished(fix, lead.Published),
			Manifest:     p.Manifest,
		},
	}
}

// fixPublished approximates when the fix became known: OSV records no release dates, and an
// advisory naming a fixed version is published after (rarely before) the fixing release.
func fixPublished(fix, published string) *time.Time {
	if fix == "" {
		return nil
	}
	return parseTime(published)
}

func unpinnedFinding(p finding.Package) finding.Finding {
	return finding.Finding{
		Kind:     finding.KindUnpinned,
		RuleID:   "unpinned-dependency",
		Severity: finding.Low,
		Title:    fmt.Sprintf("%s is not pinned to a version", p.Name),
		Message: fmt.Sprintf("%s (%s) in %s has no exact version, so it cannot be checked for known vulnerabilities "+
			"and may change between builds", p.Name, p.Ecosystem, p.Manifest),
		Remediation: "pin an exact version (or commit the lockfile) so builds are reproducible and checkable",
		Location:    finding.Location{Path: p.Manifest, StartLine: p.Line, EndLine: p.Line, Layer: p.Layer},
		Fingerprint: finding.Fingerprint(finding.KindUnpinned, "unpinned-dependency", p.Manifest, p.Ecosystem+"/"+p.Name),
	}
}

func parseTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() <= 1 {
		return nil
	}
	return &t
}
