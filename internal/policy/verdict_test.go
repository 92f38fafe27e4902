package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func day(s string) *Date {
	t, err := parseDate(s)
	if err != nil {
		panic(err)
	}
	return &Date{Time: t}
}

func vulnFinding(id string, aliases []string, pkg, version, fixed string, sev finding.Severity) finding.Finding {
	return finding.Finding{Kind: finding.KindVuln, RuleID: id, Severity: sev, Title: id,
		Location:    finding.Location{Path: "web/package-lock.json"},
		Fingerprint: finding.Fingerprint(finding.KindVuln, id, "web/package-lock.json", pkg+"@"+version),
		Vuln: &finding.Vuln{ID: id, Aliases: aliases, Ecosystem: "npm", Package: pkg, Version: version, FixedVersion: fixed,
			PURL: "pkg:npm/" + pkg + "@" + version, Manifest: "web/package-lock.json"}}
}

func secretFinding(rule, path string, sev finding.Severity, validated bool) finding.Finding {
	return finding.Finding{Kind: finding.KindSecret, RuleID: rule, Severity: sev, Title: rule,
		Location:    finding.Location{Path: path, StartLine: 3},
		Fingerprint: finding.Fingerprint(finding.KindSecret, rule, path, "hash-"+rule),
		Secret:      &finding.Secret{Redacted: "AKIA…", Hash: "hash-" + rule, Validated: validated}}
}

func reasonRules(v finding.Verdict) []string {
	var out []string
	for _, r := range v.Reasons {
		out = append(out, r.Effect+":"+r.Rule)
	}
	return out
}

func TestValidatedSecretFailsWhateverSeverity(t *testing.T) {
	r := &finding.Report{Findings: []finding.Finding{secretFinding("aws", "a.env", finding.Low, true)}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.Critical}, Now: now})
	if r.Verdict.Result != finding.Fail || !slices.Contains(reasonRules(r.Verdict), "fail:validated-secret") {
		t.Fatalf("verdict %+v", r.Verdict)
	}
	r = &finding.Report{Findings: []finding.Finding{secretFinding("aws", "a.env", finding.Low, true)}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.Critical}, AllowValidatedSecrets: true, Now: now})
	if r.Verdict.Result != finding.Pass {
		t.Fatalf("with fail-on-validated false: %+v", r.Verdict)
	}
}

func TestFailOnPerKind(t *testing.T) {
	r := &finding.Report{Findings: []finding.Finding{
		secretFinding("generic", "a.env", finding.Low, false),
		vulnFinding("GHSA-1", nil, "lodash", "1.0.0", "1.0.1", finding.Medium),
	}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, FailOnKind: map[finding.Kind]Threshold{finding.KindSecret: {Severity: finding.Low}}, Now: now})
	if r.Verdict.Result != finding.Fail || len(r.Verdict.Reasons[0].Fingerprints) != 1 || !strings.HasPrefix(r.Verdict.Reasons[0].Message, "secret: 1 LOW") {
		t.Fatalf("verdict %+v", r.Verdict)
	}
	r = &finding.Report{Findings: []finding.Finding{secretFinding("generic", "a.env", finding.Critical, false)}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.Low}, FailOnKind: map[finding.Kind]Threshold{finding.KindSecret: {Never: true}}, Now: now})
	if r.Verdict.Result != finding.Pass {
		t.Fatalf("secret: none must not fail: %+v", r.Verdict)
	}
}

func TestWaivers(t *testing.T) {
	lodash := vulnFinding("GHSA-jf85-cpcp-j695", []string{"CVE-2019-10744"}, "lodash", "4.17.11", "4.17.12", finding.Critical)
	key := secretFinding("generic-api-key", "test/fixtures/key.env", finding.High, false)
	ws := []Waiver{
		{Vuln: "CVE-2019-10744", Package: "lodash", Versions: "<4.17.12", Reason: "blocked", Owner: "web", Expires: day("2026-03-20"), Source: "tollgate.yaml:10"},
		{Rule: "generic-api-key", Path: "test/**", Reason: "test data", Owner: "alice", Expires: day("2026-03-01"), Source: "tollgate.yaml:20"},
		{Vuln: "CVE-2000-0001", Reason: "gone", Owner: "bob", Expires: day("2027-01-01"), Source: "tollgate.yaml:30"},
		{Package: "lodash", Versions: ">=5", Reason: "other range", Owner: "web", Expires: day("2027-01-01"), Source: "tollgate.yaml:40"},
	}
	for i := range ws {
		if p := ws[i].problems(); len(p) > 0 {
			t.Fatal(p)
		}
	}
	r := &finding.Report{Findings: []finding.Finding{lodash, key}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, Waivers: ws, Now: now})

	if r.Findings[0].Status != StatusSuppressed || r.Findings[0].Suppression.Owner != "web" {
		t.Errorf("lodash not waived: %+v", r.Findings[0])
	}
	if r.Findings[1].Status == StatusSuppressed {
		t.Error("an expired waiver still hides its finding")
	}
	states := []string{}
	for _, u := range r.Waivers {
		states = append(states, u.State)
	}
	if want := []string{"applied", "expired", "unused", "unused"}; !slices.Equal(states, want) {
		t.Errorf("waiver states %v, want %v", states, want)
	}
	if !r.Waivers[0].ExpiringSoon || len(r.Waivers[0].Fingerprints) != 1 || r.Waivers[0].Fingerprints[0] != lodash.Fingerprint {
		t.Errorf("waiver 0 = %+v", r.Waivers[0])
	}
	if len(r.Waivers[1].Fingerprints) != 1 {
		t.Errorf("expired waiver must say what it would have hidden: %+v", r.Waivers[1])
	}
	rules := reasonRules(r.Verdict)
	for _, want := range []string{"fail:fail-on", "info:waiver", "warn:waiver-expired", "info:waiver-unused", "warn:waiver-expiring"} {
		if !slices.Contains(rules, want) {
			t.Errorf("reasons %v lack %s", rules, want)
		}
	}
	if r.Verdict.Result != finding.Fail {
		t.Errorf("the secret whose waiver expired must fail the gate: %+v", r.Verdict)
	}
}

func TestIgnoreUnfixedAndFixGrace(t *testing.T) {
	old := now.Add(-60 * 24 * time.Hour)
	young := now.Add(-5 * 24 * time.Hour)
	a := vulnFinding("GHSA-old", nil, "a", "1.0.0", "1.0.1", finding.High)
	a.Vuln.FixPublished = &old
	b := vulnFinding("GHSA-young", nil, "b", "1.0.0", "1.0.1", finding.High)
	b.Vuln.FixPublished = &young
	c := vulnFinding("GHSA-nofix", nil, "c", "1.0.0", "", finding.Critical)
	r := &finding.Report{Findings: []finding.Finding{a, b, c}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, FixGraceDays: 30, Now: now})
	if r.Verdict.Result != finding.Fail || r.Verdict.Reasons[0].Fingerprints[0] != a.Fingerprint || len(r.Verdict.Reasons[0].Fingerprints) != 1 {
		t.Fatalf("only the vuln with a fix older than 30 days fails: %+v", r.Verdict)
	}
	if !slices.Contains(reasonRules(r.Verdict), "warn:fix-grace") {
		t.Errorf("reasons %v", reasonRules(r.Verdict))
	}
	r = &finding.Report{Findings: []finding.Finding{c}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, IgnoreUnfixed: true, Now: now})
	if r.Verdict.Result != finding.Pass || r.Findings[0].Status != StatusSuppressed {
		t.Fatalf("ignore-unfixed: %+v", r)
	}
}

func TestLicenseRules(t *testing.T) {
	lic := func(id string) finding.Finding {
		return finding.Finding{Kind: finding.KindLicense, RuleID: "license", Severity: finding.Low, License: id,
			Fingerprint: finding.Fingerprint(finding.KindLicense, "license", "go.mod", id)}
	}
	r := &finding.Report{Findings: []finding.Finding{lic("MIT OR GPL-3.0"), lic("AGPL-3.0-only"), lic("BSD-2-Clause"), lic("UNKNOWN")}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.Critical}, LicenseAllow: []string{"MIT", "Apache-2.0"}, LicenseDeny: []string{"AGPL-3.0"}, Now: now})
	got := reasonRules(r.Verdict)
	for _, want := range []string{"fail:license-deny", "fail:license-allow", "warn:license-unknown"} {
		if !slices.Contains(got, want) {
			t.Errorf("reasons %v lack %s", got, want)
		}
	}
	for _, rs := range r.Verdict.Reasons {
		if rs.Rule == "license-deny" && (len(rs.Fingerprints) != 1 || rs.Fingerprints[0] != r.Findings[1].Fingerprint) {
			t.Errorf("license-deny should name only AGPL: %+v", rs)
		}
		if rs.Rule == "license-allow" && (len(rs.Fingerprints) != 1 || rs.Fingerprints[0] != r.Findings[2].Fingerprint) {
			t.Errorf("license-allow should name only BSD-2-Clause (MIT OR GPL passes): %+v", rs)
		}
	}
}

func TestMisconfigOverrides(t *testing.T) {
	mk := func(id string) finding.Finding {
		return finding.Finding{Kind: finding.KindMisconfig, RuleID: id, Severity: finding.High, Fingerprint: id}
	}
	r := &finding.Report{Findings: []finding.Finding{mk("DOCKERFILE-USER-ROOT"), mk("K8S-PRIVILEGED")}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, MisconfigDisable: []string{"dockerfile-user-root"},
		MisconfigSeverity: map[string]finding.Severity{"K8S-PRIVILEGED": finding.Low}, Now: now})
	if r.Verdict.Result != finding.Pass || r.Findings[0].Status != StatusSuppressed || r.Findings[1].Severity != finding.Low {
		t.Fatalf("%+v", r)
	}
}

func TestBaselineMarksExisting(t *testing.T) {
	a := secretFinding("aws", "a.env", finding.Critical, false)
	b := secretFinding("gh", "b.env", finding.Critical, false)
	r := &finding.Report{Findings: []finding.Finding{a, b}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, Baseline: NewBaseline("base.json", []finding.Finding{a}), Now: now})
	if r.Findings[0].Status != StatusExisting || r.Findings[1].Status != StatusNew {
		t.Fatalf("statuses %q %q", r.Findings[0].Status, r.Findings[1].Status)
	}
	if fps := r.Verdict.Reasons[0].Fingerprints; r.Verdict.Result != finding.Fail || len(fps) != 1 || fps[0] != b.Fingerprint {
		t.Fatalf("only the new finding fails: %+v", r.Verdict)
	}
}

func TestVEX(t *testing.T) {
	for _, file := range []string{"openvex.json", "cyclonedx-vex.json"} {
		d, err := LoadVEX(filepath.Join("testdata", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		lodash := vulnFinding("GHSA-jf85-cpcp-j695", []string{"CVE-2019-10744"}, "lodash", "4.17.11", "4.17.12", finding.Critical)
		r := &finding.Report{Findings: []finding.Finding{lodash}}
		Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, VEX: []*VEX{d}, Now: now})
		if r.Findings[0].Status != StatusSuppressed || r.Findings[0].Suppression.Kind != "vex" || r.Verdict.Result != finding.Pass {
			t.Errorf("%s: lodash not suppressed: %+v", file, r.Findings[0])
		}
	}
	d, err := LoadVEX("testdata/openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	http2 := vulnFinding("GHSA-qwcr-r2fm-qrc7", []string{"CVE-2023-45288"}, "golang.org/x/net", "v0.15.0", "v0.23.0", finding.High)
	http2.Vuln.PURL = "pkg:golang/golang.org/x/net@v0.15.0"
	reset := vulnFinding("GHSA-4374-p667-p6c8", []string{"CVE-2023-39325"}, "golang.org/x/net", "v0.15.0", "v0.17.0", finding.High)
	reset.Vuln.PURL = "pkg:golang/golang.org/x/net@v0.15.0"
	other := vulnFinding("GHSA-jf85-cpcp-j695", []string{"CVE-2019-10744"}, "lodash", "4.17.20", "4.17.21", finding.Critical)
	r := &finding.Report{Findings: []finding.Finding{http2, reset, other}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, VEX: []*VEX{d}, Now: now})
	if s := r.Findings[0].Suppression; s == nil || s.Justification != "vulnerable_code_not_in_execute_path" || s.Reason != "the service never enables HTTP/2" {
		t.Errorf("subcomponent statement not applied with its justification: %+v", r.Findings[0])
	}
	if r.Findings[1].Status == StatusSuppressed {
		t.Error("a later 'affected' statement must override an earlier not_affected")
	}
	if r.Findings[2].Status == StatusSuppressed {
		t.Error("a statement for lodash@4.17.11 must not cover 4.17.20")
	}
}

func TestVEXRejectsWhatIsNotVEX(t *testing.T) {
	for file, want := range map[string]string{
		"not-vex.json":       "not a VEX document",
		"broken.json":        "broken.json:4:",
		"bad-statement.json": "statement 1",
		"baseline-ok.json":   "not a VEX document",
	} {
		_, err := LoadVEX(filepath.Join("testdata", file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
}

func TestBaselineFiles(t *testing.T) {
	b, err := LoadBaseline("testdata/baseline-ok.json")
	if err != nil || len(b.Fingerprints) != 2 || !b.Fingerprints["aaaa"] {
		t.Fatalf("%+v %v", b, err)
	}
	for file, want := range map[string]string{
		"baseline-other-tool.json": "not a Tollgate JSON report",
		"baseline-trivy.json":      "not a Tollgate JSON report",
		"baseline-v2.json":         "schema 2.0",
		"baseline-nofp.json":       "no fingerprint",
		"broken.json":              "broken.json:4:",
		"openvex.json":             "not a Tollgate JSON report",
	} {
		_, err := LoadBaseline(filepath.Join("testdata", file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
}

func FuzzParseVEX(f *testing.F) {
	for _, file := range []string{"openvex.json", "cyclonedx-vex.json", "not-vex.json", "broken.json", "bad-statement.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", file))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseVEX("fuzz.json", data)
		if err == nil {
			lodash := vulnFinding("GHSA-1", []string{"CVE-1"}, "lodash", "1.0.0", "", finding.High)
			d.match(&lodash)
		}
	})
}

func FuzzParseBaseline(f *testing.F) {
	for _, file := range []string{"baseline-ok.json", "baseline-v2.json", "baseline-nofp.json", "baseline-trivy.json", "broken.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", file))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBaseline("fuzz.json", data)
		if err == nil && b == nil {
			t.Fatal("nil baseline without error")
		}
	})
}

// Go's advisories carry no severity: a scan of an old go.mod found 131 vulnerabilities, all
// UNKNOWN, and the gate passed with nothing but "no counted finding at or above HIGH".
func TestUnratedVulnsWarn(t *testing.T) {
	unrated := vulnFinding("GO-2023-2102", []string{"CVE-2023-39325"}, "golang.org/x/net", "0.7.0", "0.17.0", finding.Unknown)
	r := &finding.Report{Findings: []finding.Finding{unrated}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, Now: now})
	if r.Verdict.Result != finding.Warn || !slices.Contains(reasonRules(r.Verdict), "warn:unrated-vuln") {
		t.Fatalf("an unrated vulnerability below the threshold must warn: %+v", r.Verdict)
	}
	r = &finding.Report{Findings: []finding.Finding{unrated}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.Unknown}, Now: now})
	if r.Verdict.Result != finding.Fail || slices.Contains(reasonRules(r.Verdict), "warn:unrated-vuln") {
		t.Fatalf("fail-on unknown counts it: %+v", r.Verdict)
	}
	r = &finding.Report{Findings: []finding.Finding{unrated}}
	Evaluate(r, Policy{FailOn: Threshold{Severity: finding.High}, FailOnKind: map[finding.Kind]Threshold{finding.KindVuln: {Never: true}}, Now: now})
	if r.Verdict.Result != finding.Pass {
		t.Fatalf("vuln: none turns vulnerabilities off entirely: %+v", r.Verdict)
	}
}
