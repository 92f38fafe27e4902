package secrets

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

const maxInt = int(^uint(0) >> 1)

// hexEntropyFloor is the entropy floor of all-hex values under generic rules.
const hexEntropyFloor = 3.0

// fileState is the per-file scratch space, pooled so a scan allocates nothing per file on the hot path.
type fileState struct {
	s        *Scanner
	f        *scan.File
	content  []byte
	commit   string
	lockfile bool

	// Per rule: the window last scanned ([from,to)) and the start of the last reported secret.
	from, to, last []int
	pathOK         []int8 // per rule: 0 unknown, 1 applies to this path, -1 not
	touched        []int32

	// Line cursor: line number (1-based) at offset pos.
	pos, line int

	hitFn    hitFunc
	findings []finding.Finding
	spans    []span // spans[i] is where findings[i]'s secret sits
}

// span is a reported secret's byte range and how specific its rule is, for dedup.
type span struct {
	ss, se, ri int
	rank       int
	match      int // length of the whole match: more context matched is a more specific rule
}

func (st *fileState) reset(f *scan.File) {
	st.f = f
	st.content = f.Content
	st.commit = ""
	if f.Commit != nil {
		st.commit = f.Commit.Hash
	}
	st.lockfile = isLockfile(f.Path)
	st.pos, st.line = 0, 1
}

func (st *fileState) release() {
	for _, ri := range st.touched {
		st.from[ri], st.to[ri], st.last[ri], st.pathOK[ri] = maxInt, -1, -1, 0
	}
	st.touched = st.touched[:0]
	st.f, st.content, st.findings, st.spans = nil, nil, nil, st.spans[:0]
	st.s.pool.Put(st)
}

// ruleApplies answers, once per file and rule, whether the rule's path filter and the lockfile
// exception let it run here.
func (st *fileState) ruleApplies(ri int) bool {
	switch st.pathOK[ri] {
	case 1:
		return true
	case -1:
		return false
	}
	st.touched = append(st.touched, int32(ri))
	r := st.s.rules[ri]
	ok := !(r.generic && st.lockfile) && (r.path == nil || r.path.MatchString(st.f.Path))
	if ok {
		st.pathOK[ri] = 1
	} else {
		st.pathOK[ri] = -1
	}
	return ok
}

func (st *fileState) onHit(kw int, end int) bool {
	s := st.s
	start := end - len(s.pf.keywords[kw])
	for _, ri := range s.kwRules[kw] {
		st.runRule(int(ri), start, end)
	}
	return true
}

// runRule runs one rule's regex over the window around a keyword at [ks,ke).
func (st *fileState) runRule(ri, ks, ke int) {
	if !st.ruleApplies(ri) {
		return
	}
	r := st.s.rules[ri]
	c := st.content
	if r.pre != nil && !r.pre(c, ks, ke) {
		return
	}
	// A keyword inside a stretch already searched for this rule needs no new search when that
	// stretch ran to the end of its line, is a multi-line block window, or still runs half a window
	// past the keyword: runs of one keyword (base64 "AAAA…", a minified line repeating "token=")
	// then cost one regex call per line or half-window, not one per hit.
	if ks >= st.from[ri] && ke <= st.to[ri] && (r.window > 0 || st.to[ri] == len(c) || c[st.to[ri]] == '\n' || ke+defaultAfter/2 <= st.to[ri]) {
		return
	}
	ws, we := st.window(r, ks, ke)
	if ws >= st.from[ri] && we <= st.to[ri] {
		return // this stretch was already searched for this rule
	}
	st.from[ri], st.to[ri] = ws, we
	for _, m := range r.re.FindAllSubmatchIndex(c[ws:we], -1) {
		st.consider(ri, ws, m)
	}
}

// window is the keyword's line cut to the rule's bounds; multi-line rules run Window bytes on.
func (st *fileState) window(r *Rule, ks, ke int) (int, int) {
	c := st.content
	lo := max(0, ks-r.before)
	ws := lo
	if i := bytes.LastIndexByte(c[lo:ks], '\n'); i >= 0 {
		ws = lo + i + 1
	}
	if r.window > 0 {
		return ws, min(len(c), ks+r.window)
	}
	hi := min(len(c), ke+defaultAfter)
	we := hi
	if i := bytes.IndexByte(c[ke:hi], '\n'); i >= 0 {
		we = ke + i
	}
	return ws, we
}

// consider filters one regex match (indexes relative to base) and records a finding if it survives.
func (st *fileState) consider(ri, base int, m []int) {
	r := st.s.rules[ri]
	ss, se := r.secretSpan(m)
	if ss < 0 || se <= ss {
		return
	}
	ss, se = ss+base, se+base
	if ss <= st.last[ri] {
		return
	}
	c := st.content
	secret := string(c[ss:se])
	ent := shannon(secret)
	if floor := r.entropy; floor > 0 {
		// Hex carries 4 bits a character at most: a random 32-digit hex secret scores ~3.7, under
		// floors tuned for mixed-case tokens. Generic rules hold hex to a floor of its own.
		if r.generic && allHex(secret) {
			floor = min(floor, hexEntropyFloor)
		}
		if ent < floor {
			return
		}
	}
	var v verdict
	if r.validator != nil {
		if v = r.validator(secret); v.reject {
			return
		}
	}
	if !v.strong && (isPlaceholder(secret) || docValue(secret)) {
		return
	}
	ls, le := lineBounds(c, ss, se)
	line := string(c[ls:le])
	// A context rule (cloudflare… then 40 token characters) can land on a URL slug or prose:
	// words without a digit are no token of any provider whose format we do not validate.
	if !v.validated && (isSlug(secret) || pathLike(secret)) {
		return
	}
	if r.generic && (genericReject(secret, string(c[min(m[0]+base, ss):ss]), line) || len(secret) >= 32 && allHex(secret) && testVectorContext(c, ls, le)) {
		return
	}
	if containsStopword(secret, r.stopwords) {
		return
	}
	cand := candidate{path: st.f.Path, commit: st.commit, secret: secret, match: string(c[m[0]+base : m[1]+base]), line: line}
	for _, a := range r.allow {
		if a.allows(&cand) {
			return
		}
	}
	for _, a := range st.s.global {
		if a.appliesTo(r.ID) && a.allows(&cand) {
			return
		}
	}
	st.last[ri] = ss
	rank := 0
	if !r.generic {
		rank += 2
	}
	if v.validated {
		rank++
	}
	st.spans = append(st.spans, span{ss: ss, se: se, ri: ri, rank: rank, match: m[1] - m[0]})
	st.findings = append(st.findings, st.makeFinding(r, ss, se, secret, ent, v, suppressed(line)))
}

func lineBounds(c []byte, ss, se int) (int, int) {
	ls := bytes.LastIndexByte(c[:ss], '\n') + 1
	le := len(c)
	if i := bytes.IndexByte(c[se:], '\n'); i >= 0 {
		le = se + i
	}
	return ls, le
}

// lineAt returns the 1-based line of offset off, moving a cursor so consecutive calls stay cheap.
func (st *fileState) lineAt(off int) int {
	if off >= st.pos {
		st.line += bytes.Count(st.content[st.pos:off], []byte{'\n'})
	} else {
		st.line -= bytes.Count(st.content[off:st.pos], []byte{'\n'})
	}
	st.pos = off
	return st.line
}

// column is the 1-based character (rune) column of offset off.
func (st *fileState) column(off int) int {
	ls := bytes.LastIndexByte(st.content[:off], '\n') + 1
	return utf8.RuneCount(st.content[ls:off]) + 1
}

func (st *fileState) makeFinding(r *Rule, ss, se int, secret string, ent float64, v verdict, inline bool) finding.Finding {
	hash := finding.HashSecret(secret)
	loc := finding.Location{
		Path:        st.f.Path,
		StartLine:   st.lineAt(ss),
		StartColumn: st.column(ss),
	}
	loc.EndLine = st.lineAt(se)
	loc.EndColumn = st.column(se) // exclusive, as SARIF expects
	rem := r.Remediation
	if rem == "" {
		rem = defaultRemediation
	}
	msg := fmt.Sprintf("%s in %s", r.Title, st.f.Path)
	if v.validated {
		msg += " (structure confirmed offline"
		if v.note != "" {
			msg += ": " + v.note
		}
		msg += ")"
	}
	fd := finding.Finding{
		Kind: finding.KindSecret, RuleID: r.ID, Severity: r.Severity, Title: r.Title,
		Message: msg, Remediation: rem, Location: loc,
		Fingerprint: finding.Fingerprint(finding.KindSecret, r.ID, st.f.Path, hash),
		Secret: &finding.Secret{
			Redacted: finding.Redact(secret), Hash: hash, Validated: v.validated,
			Entropy: math.Round(ent*1000) / 1000, Note: v.note,
		},
	}
	if v.low {
		fd.Severity = finding.Low
	}
	if inline {
		fd.Status = "suppressed"
		fd.Suppression = &finding.Suppression{Kind: "inline", Reason: "tollgate:ignore / gitleaks:allow on the line"}
	}
	return fd
}

// dedup keeps one finding per secret: where the spans of several rules' secrets overlap, the most
// specific rule wins (provider over generic, checksum-validated over not, then the one whose match
// took in more context — paystack_key = "sk_live_…" over the bare sk_live_ prefix — then table order), so a
// GitHub token assigned to `token = …` is one finding of github-pat, not two.
func (st *fileState) dedup() {
	if len(st.spans) < 2 {
		return
	}
	idx := make([]int, len(st.spans))
	for i := range idx {
		idx[i] = i
	}
	sp := st.spans
	sort.Slice(idx, func(a, b int) bool { return sp[idx[a]].ss < sp[idx[b]].ss })
	drop := make([]bool, len(sp))
	for a := 0; a < len(idx); a++ {
		i := idx[a]
		for b := a + 1; b < len(idx) && sp[idx[b]].ss < sp[i].se; b++ {
			j := idx[b]
			if better(sp[i], sp[j]) {
				drop[j] = true
			} else {
				drop[i] = true
			}
		}
	}
	out := st.findings[:0]
	for i, f := range st.findings {
		if !drop[i] {
			out = append(out, f)
		}
	}
	st.findings = out
}

func better(a, b span) bool {
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if a.match != b.match {
		return a.match > b.match
	}
	return a.ri < b.ri
}
