// Package policy owns the gate: the policy file, waivers, VEX, baselines and the verdict with every
// reason spelled out.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Finding statuses the gate sets.
const (
	StatusNew        = "new"
	StatusExisting   = "existing"
	StatusSuppressed = "suppressed"
)

// ExpiringWithin is how soon an expiry must be for the report to list the waiver as expiring.
const ExpiringWithin = 14 * 24 * time.Hour

// Policy is what the gate decides with. The zero value fails on UNKNOWN and above, fails validated
// secrets, and has no waivers.
type Policy struct {
	// FailOn is the default threshold; FailOnKind overrides it per scanner kind.
	FailOn     Threshold
	FailOnKind map[finding.Kind]Threshold
	// IgnoreUnfixed: vulnerabilities without a fixed version do not count.
	IgnoreUnfixed bool
	// FixGraceDays: a vulnerability at or above its threshold fails only once its fix is older than
	// this; younger ones warn.
	FixGraceDays int
	// License rules; when either list is set they decide license findings instead of fail-on.
	LicenseAllow, LicenseDeny []string
	LicenseUnknown            string // fail, warn (default), ignore
	// AllowValidatedSecrets turns off "a validated secret fails regardless of severity".
	AllowValidatedSecrets bool
	MisconfigDisable      []string
	MisconfigSeverity     map[string]finding.Severity
	Waivers               []Waiver
	VEX                   []*VEX
	Baseline              *Baseline
	// Warnings from loading (unmapped ignore-file entries) go into the report.
	Warnings   []string
	ConfigFile string
	// Now is the clock for expiry and fix age; zero means time.Now.
	Now time.Time
}

func (p *Policy) threshold(k finding.Kind) Threshold {
	if t, ok := p.FailOnKind[k]; ok {
		return t
	}
	return p.FailOn
}

// Evaluate applies the policy to r: it re-severities and disables misconfig checks, applies VEX,
// waivers, ignore-unfixed and the baseline (setting each finding's Status and Suppression), lists
// every waiver in r.Waivers, and sets r.Verdict with every reason.
func Evaluate(r *finding.Report, p Policy) {
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	e := &evaluation{r: r, p: &p, now: now}
	e.misconfig()
	e.vex()
	e.waivers()
	e.unfixed()
	e.baseline()
	e.verdict()
}

type evaluation struct {
	r       *finding.Report
	p       *Policy
	now     time.Time
	reasons []finding.Reason
}

func (e *evaluation) add(rule, effect, msg string, fps []string) {
	e.reasons = append(e.reasons, finding.Reason{Rule: rule, Effect: effect, Message: msg, Fingerprints: fps})
}

// open reports whether a finding is still in play (not hidden by a scanner, VEX or waiver).
func open(f *finding.Finding) bool { return f.Status != StatusSuppressed }

func suppress(f *finding.Finding, s finding.Suppression) {
	f.Status = StatusSuppressed
	f.Suppression = &s
}

func (e *evaluation) misconfig() {
	var disabled []string
	changed := 0
	for i := range e.r.Findings {
		f := &e.r.Findings[i]
		if f.Kind != finding.KindMisconfig || !open(f) {
			continue
		}
		if slices.ContainsFunc(e.p.MisconfigDisable, func(id string) bool { return strings.EqualFold(id, f.RuleID) }) {
			suppress(f, finding.Suppression{Kind: "policy", Reason: "check " + f.RuleID + " is disabled", Source: e.p.ConfigFile})
			disabled = append(disabled, f.Fingerprint)
			continue
		}
		for id, sev := range e.p.MisconfigSeverity {
			if strings.EqualFold(id, f.RuleID) && f.Severity != sev {
				f.Severity = sev
				changed++
			}
		}
	}
	if len(disabled) > 0 {
		e.add("misconfig-disabled", "info", fmt.Sprintf("%d misconfiguration findings of disabled checks not counted", len(disabled)), disabled)
	}
	if changed > 0 {
		e.add("misconfig-severity", "info", fmt.Sprintf("%d misconfiguration findings re-rated by the policy's severity overrides", changed), nil)
	}
}

func (e *evaluation) vex() {
	if len(e.p.VEX) == 0 {
		return
	}
	hidden := map[string][]string{}
	for i := range e.r.Findings {
		f := &e.r.Findings[i]
		if f.Kind != finding.KindVuln || !open(f) {
			continue
		}
		var best *vexStatement
		var src string
		for _, d := range e.p.VEX {
			if s := d.match(f); s != nil && (best == nil || !s.at.Before(best.at)) {
				best, src = s, d.Source
			}
		}
		if best == nil || (best.status != vexNotAffected && best.status != vexFixed) {
			continue
		}
		suppress(f, finding.Suppression{Kind: "vex", Justification: firstNonEmpty(best.justification, best.status),
			Reason: firstNonEmpty(best.note, "VEX status "+best.status), Source: src})
		hidden[src] = append(hidden[src], f.Fingerprint)
	}
	for _, d := range e.p.VEX {
		if fps := hidden[d.Source]; len(fps) > 0 {
			e.add("vex", "info", fmt.Sprintf("%d vulnerabilities not affected or fixed per VEX %s", len(fps), d.Source), fps)
		}
	}
}

func (e *evaluation) waivers() {
	uses := make([]finding.WaiverUse, len(e.p.Waivers))
	for i := range e.p.Waivers {
		w := &e.p.Waivers[i]
		if w.Versions != "" && w.rng == nil {
			w.rng, _ = parseRange(w.Versions) // validated on load
		}
		u := finding.WaiverUse{ID: w.ID, Source: w.Source, Scope: w.Scope(), Reason: w.Reason, Owner: w.Owner, State: finding.WaiverUnused}
		if w.Expires != nil {
			t := w.Expires.Time
			u.Expires = &t
			if w.expired(e.now) {
				u.State = finding.WaiverExpired
			} else if t.Sub(e.now) <= ExpiringWithin {
				u.ExpiringSoon = true
			}
		}
		uses[i] = u
	}
	for i := range e.r.Findings {
		f := &e.r.Findings[i]
		if !open(f) {
			continue
		}
		for j := range e.p.Waivers {
			w := &e.p.Waivers[j]
			if !w.matches(f) {
				continue
			}
			uses[j].Fingerprints = append(uses[j].Fingerprints, f.Fingerprint)
			if uses[j].State == finding.WaiverExpired {
				continue // the finding counts again; keep looking for a live waiver
			}
			uses[j].State = finding.WaiverApplied
			suppress(f, finding.Suppression{Kind: "waiver", Reason: w.Reason, Owner: w.Owner, Expires: uses[j].Expires, Source: w.Source})
			break
		}
	}
	for i, u := range uses {
		w := &e.p.Waivers[i]
		until := "no expiry"
		if u.Expires != nil {
			until = "until " + u.Expires.Format("2006-01-02")
		}
		who := firstNonEmpty(u.Owner, "no owner")
		switch u.State {
		case finding.WaiverApplied:
			e.add("waiver", "info", fmt.Sprintf("waiver %s (%s; %s, %s) hid %d findings: %s", u.Source, u.Scope, who, until, len(u.Fingerprints), u.Reason), u.Fingerprints)
		case finding.WaiverExpired:
			msg := fmt.Sprintf("waiver %s (%s; %s) expired on %s and no longer applies", u.Source, u.Scope, who, u.Expires.Format("2006-01-02"))
			if n := len(u.Fingerprints); n > 0 {
				msg += fmt.Sprintf("; %d findings count again", n)
			}
			e.add("waiver-expired", finding.Warn, msg, u.Fingerprints)
			e.r.Warnings = append(e.r.Warnings, msg)
		case finding.WaiverUnused:
			e.add("waiver-unused", "info", fmt.Sprintf("waiver %s (%s) matched nothing; remove it if the finding is gone", u.Source, u.Scope), nil)
		}
		if u.ExpiringSoon {
			msg := fmt.Sprintf("waiver %s (%s; %s) expires on %s", u.Source, u.Scope, who, u.Expires.Format("2006-01-02"))
			e.add("waiver-expiring", finding.Warn, msg, u.Fingerprints)
			e.r.Warnings = append(e.r.Warnings, msg)
		}
		if w.imported && w.Expires == nil && u.State == finding.WaiverApplied {
			msg := fmt.Sprintf("%s has no owner and no expiry; move it to tollgate.yaml waivers with owner and expires", u.Source)
			e.add("waiver-no-expiry", finding.Warn, msg, u.Fingerprints)
			e.r.Warnings = append(e.r.Warnings, msg)
		}
	}
	e.r.Waivers = uses
	e.r.Warnings = append(e.r.Warnings, e.p.Warnings...)
}

func (e *evaluation) unfixed() {
	if !e.p.IgnoreUnfixed {
		return
	}
	var fps []string
	for i := range e.r.Findings {
		f := &e.r.Findings[i]
		if f.Kind == finding.KindVuln && open(f) && f.Vuln != nil && f.Vuln.FixedVersion == "" {
			suppress(f, finding.Suppression{Kind: "policy", Reason: "no fixed version yet (ignore-unfixed)"})
			fps = append(fps, f.Fingerprint)
		}
	}
	if len(fps) > 0 {
		e.add("ignore-unfixed", "info", fmt.Sprintf("%d vulnerabilities without a fixed version not counted", len(fps)), fps)
	}
}

func (e *evaluation) baseline() {
	b := e.p.Baseline
	if b == nil {
		return
	}
	var existing []string
	for i := range e.r.Findings {
		f := &e.r.Findings[i]
		if !open(f) {
			continue
		}
		if b.Fingerprints[f.Fingerprint] {
			f.Status = StatusExisting
			existing = append(existing, f.Fingerprint)
		} else {
			f.Status = StatusNew
		}
	}
	e.add("baseline", "info", fmt.Sprintf("%d findings already in %s shown as existing and not counted", len(existing), b.Source), existing)
}

// counts reports whether a finding counts against the gate.
func counts(f *finding.Finding) bool { return f.Status == "" || f.Status == StatusNew }

func (e *evaluation) verdict() {
	r, p := e.r, e.p
	v := finding.Verdict{Result: finding.Pass, FailOn: p.describeFailOn(), Counted: map[string]int{}}
	type group struct {
		fps   []string
		bySev map[finding.Severity]int
	}
	failing := map[finding.Kind]*group{}
	var kinds []finding.Kind
	var validated, denied, notAllowed, unknownLic, graced, unparsable, unrated []string
	licenseRules := len(p.LicenseAllow) > 0 || len(p.LicenseDeny) > 0
	allow, deny := newLicenseList(p.LicenseAllow), newLicenseList(p.LicenseDeny)
	for i := range r.Findings {
		f := &r.Findings[i]
		if !counts(f) {
			continue
		}
		v.Counted[f.Severity.String()]++
		if f.Kind == finding.KindSecret && f.Secret != nil && f.Secret.Validated && !p.AllowValidatedSecrets {
			validated = append(validated, f.Fingerprint)
		}
		if f.Kind == finding.KindLicense && licenseRules {
			switch {
			case unknownLicense(f.License):
				unknownLic = append(unknownLic, f.Fingerprint)
			default:
				expr, err := parseLicense(f.License)
				if err != nil {
					unparsable = append(unparsable, f.Fingerprint)
					continue
				}
				switch evalLicense(expr, allow, deny) {
				case licenseDenied:
					denied = append(denied, f.Fingerprint)
				case licenseNotAllowed:
					notAllowed = append(notAllowed, f.Fingerprint)
				}
			}
			continue
		}
		if !p.threshold(f.Kind).fails(f.Severity) {
			// Advisories without a rating (most of Go's) land at UNKNOWN, below any usual
			// threshold: say so, or known vulnerabilities pass the gate without a word.
			if f.Kind == finding.KindVuln && f.Severity == finding.Unknown && !p.threshold(f.Kind).Never {
				unrated = append(unrated, f.Fingerprint)
			}
			continue
		}
		if f.Kind == finding.KindVuln && p.FixGraceDays > 0 && inGrace(f, p.FixGraceDays, e.now) {
			graced = append(graced, f.Fingerprint)
			continue
		}
		g := failing[f.Kind]
		if g == nil {
			g = &group{bySev: map[finding.Severity]int{}}
			failing[f.Kind] = g
			kinds = append(kinds, f.Kind)
		}
		g.fps = append(g.fps, f.Fingerprint)
		g.bySev[f.Severity]++
	}
	var reasons []finding.Reason
	addR := func(rule, effect, msg string, fps []string) {
		reasons = append(reasons, finding.Reason{Rule: rule, Effect: effect, Message: msg, Fingerprints: fps})
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		g := failing[k]
		addR("fail-on", finding.Fail, fmt.Sprintf("%s: %s at or above the %s threshold %s", k, sevList(g.bySev), k, p.threshold(k)), g.fps)
	}
	if len(validated) > 0 {
		addR("validated-secret", finding.Fail, fmt.Sprintf("%d secrets passed offline validation; a validated secret fails whatever its severity", len(validated)), validated)
	}
	if len(denied) > 0 {
		addR("license-deny", finding.Fail, fmt.Sprintf("%d packages have a license the policy denies (%s)", len(denied), strings.Join(p.LicenseDeny, ", ")), denied)
	}
	if len(notAllowed) > 0 {
		addR("license-allow", finding.Fail, fmt.Sprintf("%d packages have a license not on the allow list (%s)", len(notAllowed), strings.Join(p.LicenseAllow, ", ")), notAllowed)
	}
	if len(unparsable) > 0 {
		addR("license-expression", finding.Fail, fmt.Sprintf("%d license expressions could not be parsed, so they cannot be shown to be allowed", len(unparsable)), unparsable)
	}
	if len(unknownLic) > 0 {
		switch p.LicenseUnknown {
		case "fail":
			addR("license-unknown", finding.Fail, fmt.Sprintf("%d packages have no recognised license", len(unknownLic)), unknownLic)
		case "ignore":
		default:
			addR("license-unknown", finding.Warn, fmt.Sprintf("%d packages have no recognised license", len(unknownLic)), unknownLic)
		}
	}
	if len(graced) > 0 {
		addR("fix-grace", finding.Warn, fmt.Sprintf("%d vulnerabilities at or above the threshold have had a fix for %d days or less (or none yet); they fail once the fix is older",
			len(graced), p.FixGraceDays), graced)
	}
	if len(unrated) > 0 {
		addR("unrated-vuln", finding.Warn, fmt.Sprintf("%d vulnerabilities have no severity rating in their advisory, so the %s threshold %s does not count them; set fail-on vuln: unknown to fail on them",
			len(unrated), finding.KindVuln, p.threshold(finding.KindVuln)), unrated)
	}
	for _, nc := range r.NotChecked {
		addR("not-checked", finding.Warn, nc, nil)
	}
	reasons = append(reasons, e.reasons...)
	for _, rs := range reasons {
		switch {
		case rs.Effect == finding.Fail:
			v.Result = finding.Fail
		case rs.Effect == finding.Warn && v.Result == finding.Pass:
			v.Result = finding.Warn
		}
	}
	if v.Result != finding.Fail {
		reasons = append([]finding.Reason{{Rule: "fail-on", Effect: "info", Message: "no counted finding at or above " + v.FailOn}}, reasons...)
	}
	v.Reasons = reasons
	r.Verdict = v
}

// inGrace is true while a vulnerability's fix is younger than the grace period, or there is none.
// An unknown fix date with a known fixed version counts as old: the SLA cannot be shown to run.
func inGrace(f *finding.Finding, days int, now time.Time) bool {
	if f.Vuln == nil {
		return false
	}
	if f.Vuln.FixedVersion == "" {
		return true
	}
	if f.Vuln.FixPublished == nil {
		return false
	}
	return now.Sub(*f.Vuln.FixPublished) <= time.Duration(days)*24*time.Hour
}

func sevList(m map[finding.Severity]int) string {
	var parts []string
	for _, s := range finding.Severities() {
		if n := m[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}

func (p *Policy) describeFailOn() string {
	s := p.FailOn.String()
	if len(p.FailOnKind) == 0 {
		return s
	}
	var parts []string
	for k, t := range p.FailOnKind {
		parts = append(parts, fmt.Sprintf("%s %s", k, t))
	}
	slices.Sort(parts)
	return s + " (" + strings.Join(parts, ", ") + ")"
}
