package report

// Shared test fixtures for every formatter in this package (table, json, sarif, junit, html,
// markdown, gitlab, github…). Reuse them, do not copy them:
//
//	r := sampleReport()   // rich, realistic report: every finding kind, every status, a failing verdict
//	r := hostileReport()  // the same shape filled with terminal escapes, markup, invalid UTF-8
//	r := emptyReport()    // a clean pass with no findings
//
// Each call returns a fresh value, so a test may mutate it. Times are fixed so golden files are stable.

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// fixtureTime is the fixed clock of every fixture.
var fixtureTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func fixtureAt(d time.Duration) *time.Time {
	t := fixtureTime.Add(d)
	return &t
}

// sampleReport is a finished, sorted, evaluated report of a made-up monorepo. It holds:
//   - secrets: a validated AWS key (new), a GitHub token found in history (commit info), an
//     inline-ignored generic secret (suppressed), a private key in a baseline (existing);
//   - vulns: with fixed version, aliases, CVSS; one waived (expired waiver), one VEX-suppressed,
//     one without a fix or score (UNKNOWN);
//   - misconfigs with resources (Kubernetes, Terraform, Dockerfile);
//   - a license finding and an unpinned-action finding;
//   - packages, skipped files of several reasons, timings, warnings, notChecked;
//   - waivers: applied, expired, unused, expiring soon;
//   - a failing verdict with fail, warn and info reasons.
func sampleReport() *Report {
	awsKey := "AKIAIOSFODNN7Q2W3E4R" // not real: wrong checksum-free test value
	ghToken := "ghp_fixtureTokenValueThatIsNotReal000000"
	generic := "s3cr3t-fixture-value-9f8e7d6c"
	pemBody := "-----BEGIN OPENSSH PRIVATE KEY-----fixture"

	direct, indirect := true, false

	fs := []finding.Finding{
		{
			Kind: finding.KindSecret, RuleID: "aws-access-key-id", Severity: finding.Critical,
			Title:       "AWS access key ID",
			Message:     "AWS access key ID AKIA… found; the key id decodes to account 123456789012",
			Remediation: "Deactivate the key in IAM, rotate it, and load credentials from the environment or a secret manager.",
			References:  []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
			Location:    finding.Location{Path: "config/prod.env", StartLine: 3, EndLine: 3, StartColumn: 19, EndColumn: 39},
			Fingerprint: finding.Fingerprint(finding.KindSecret, "aws-access-key-id", "config/prod.env", finding.HashSecret(awsKey)),
			Secret:      &finding.Secret{Redacted: finding.Redact(awsKey), Hash: finding.HashSecret(awsKey), Validated: true, Entropy: 3.68},
			Status:      "new",
		},
		{
			Kind: finding.KindSecret, RuleID: "github-pat", Severity: finding.High,
			Title:       "GitHub personal access token",
			Message:     "GitHub personal access token ghp_… added in history; its CRC32 checksum is valid",
			Remediation: "Revoke the token at https://github.com/settings/tokens and purge it from history.",
			Location: finding.Location{Path: "scripts/deploy.sh", StartLine: 42, EndLine: 42, StartColumn: 15, EndColumn: 55,
				Commit: &finding.Commit{
					Hash: "9fceb02d0ae598e95dc970b74767f19372d61af8", Author: "Dana Developer", Email: "dana@example.com",
					Date: fixtureTime.Add(-72 * time.Hour), Message: "deploy: add release script",
				}},
			Fingerprint: finding.Fingerprint(finding.KindSecret, "github-pat", "scripts/deploy.sh", finding.HashSecret(ghToken)),
			Secret:      &finding.Secret{Redacted: finding.Redact(ghToken), Hash: finding.HashSecret(ghToken), Validated: true, Entropy: 4.91},
		},
		{
			Kind: finding.KindSecret, RuleID: "generic-api-key", Severity: finding.Medium,
			Title:       "Generic secret assignment",
			Message:     "High-entropy value assigned to api_key",
			Remediation: "Move the value to a secret manager; if it is not a secret, keep the inline ignore.",
			Location:    finding.Location{Path: "services/api/settings.py", StartLine: 17, EndLine: 17, StartColumn: 11, EndColumn: 41},
			Fingerprint: finding.Fingerprint(finding.KindSecret, "generic-api-key", "services/api/settings.py", finding.HashSecret(generic)),
			Secret:      &finding.Secret{Redacted: finding.Redact(generic), Hash: finding.HashSecret(generic), Entropy: 4.12},
			Status:      "suppressed",
			Suppression: &finding.Suppression{Kind: "inline", Reason: "tollgate:ignore on the line", Source: "services/api/settings.py:17"},
		},
		{
			Kind: finding.KindSecret, RuleID: "private-key-openssh", Severity: finding.High,
			Title:       "OpenSSH private key",
			Message:     "OpenSSH private key; the key is encrypted with a passphrase",
			Remediation: "Remove the key from the repository and replace it on every host that trusts it.",
			Location:    finding.Location{Path: "test/fixtures/id_ed25519", StartLine: 1, EndLine: 7, StartColumn: 1, EndColumn: 36},
			Fingerprint: finding.Fingerprint(finding.KindSecret, "private-key-openssh", "test/fixtures/id_ed25519", finding.HashSecret(pemBody)),
			Secret:      &finding.Secret{Redacted: finding.Redact(pemBody), Hash: finding.HashSecret(pemBody), Validated: true, Note: "encrypted private key"},
			Status:      "existing",
		},
		{
			Kind: finding.KindVuln, RuleID: "GHSA-4374-p667-p6c8", Severity: finding.High,
			Title:       "golang.org/x/net: HTTP/2 rapid reset can cause excessive work",
			Message:     "golang.org/x/net v0.15.0 is affected by GHSA-4374-p667-p6c8 (CVE-2023-39325); fixed in v0.17.0",
			Remediation: "Upgrade golang.org/x/net to v0.17.0 or later.",
			References:  []string{"https://osv.dev/vulnerability/GHSA-4374-p667-p6c8", "https://nvd.nist.gov/vuln/detail/CVE-2023-39325"},
			Location:    finding.Location{Path: "go.mod", StartLine: 12, EndLine: 12},
			Fingerprint: finding.Fingerprint(finding.KindVuln, "GHSA-4374-p667-p6c8", "go.mod", "golang.org/x/net@v0.15.0"),
			Vuln: &finding.Vuln{
				ID: "GHSA-4374-p667-p6c8", Aliases: []string{"CVE-2023-39325", "GO-2023-2102"},
				Summary:   "HTTP/2 rapid reset can cause excessive work in net/http",
				Ecosystem: "Go", Package: "golang.org/x/net", Version: "v0.15.0", PURL: "pkg:golang/golang.org/x/net@v0.15.0",
				FixedVersion: "v0.17.0", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", CVSSScore: 7.5,
				Published: fixtureAt(-900 * 24 * time.Hour), FixPublished: fixtureAt(-899 * 24 * time.Hour), Manifest: "go.mod",
			},
			Status: "new",
		},
		{
			Kind: finding.KindVuln, RuleID: "GHSA-qwcr-r2fm-qrc7", Severity: finding.High,
			Title:       "golang.org/x/net: HTTP/2 CONTINUATION flood",
			Message:     "golang.org/x/net v0.15.0 is affected by GHSA-qwcr-r2fm-qrc7 (CVE-2023-45288); fixed in v0.23.0",
			Remediation: "Upgrade golang.org/x/net to v0.23.0 or later.",
			Location:    finding.Location{Path: "go.mod", StartLine: 12, EndLine: 12},
			Fingerprint: finding.Fingerprint(finding.KindVuln, "GHSA-qwcr-r2fm-qrc7", "go.mod", "golang.org/x/net@v0.15.0"),
			Vuln: &finding.Vuln{
				ID: "GHSA-qwcr-r2fm-qrc7", Aliases: []string{"CVE-2023-45288"},
				Ecosystem: "Go", Package: "golang.org/x/net", Version: "v0.15.0", FixedVersion: "v0.23.0",
				CVSSScore: 5.3, Manifest: "go.mod",
			},
			Status: "suppressed",
			Suppression: &finding.Suppression{Kind: "vex", Justification: "vulnerable_code_not_in_execute_path",
				Reason: "the service never enables HTTP/2", Source: "security/openvex.json"},
		},
		{
			Kind: finding.KindVuln, RuleID: "GHSA-jf85-cpcp-j695", Severity: finding.Critical,
			Title:       "lodash: prototype pollution in defaultsDeep",
			Message:     "lodash 4.17.11 is affected by GHSA-jf85-cpcp-j695 (CVE-2019-10744); fixed in 4.17.12",
			Remediation: "Upgrade lodash to 4.17.12 or later.",
			Location:    finding.Location{Path: "web/package-lock.json", StartLine: 311, EndLine: 315},
			Fingerprint: finding.Fingerprint(finding.KindVuln, "GHSA-jf85-cpcp-j695", "web/package-lock.json", "lodash@4.17.11"),
			Vuln: &finding.Vuln{
				ID: "GHSA-jf85-cpcp-j695", Aliases: []string{"CVE-2019-10744", "SNYK-JS-LODASH-450202"},
				Ecosystem: "npm", Package: "lodash", Version: "4.17.11", PURL: "pkg:npm/lodash@4.17.11", FixedVersion: "4.17.12",
				CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H", CVSSScore: 9.1, Manifest: "web/package-lock.json",
			},
			Status: "suppressed",
			Suppression: &finding.Suppression{Kind: "waiver", Reason: "upgrade blocked by legacy build; tracked in SEC-123",
				Owner: "team-web@example.com", Expires: fixtureAt(30 * 24 * time.Hour), Source: "tollgate.yaml"},
		},
		{
			Kind: finding.KindVuln, RuleID: "PYSEC-2024-0001", Severity: finding.Unknown,
			Title:       "examplelib: unrated advisory",
			Message:     "examplelib 1.2.3 is affected by PYSEC-2024-0001; no fixed version is known",
			Location:    finding.Location{Path: "services/api/requirements.txt", StartLine: 4, EndLine: 4},
			Fingerprint: finding.Fingerprint(finding.KindVuln, "PYSEC-2024-0001", "services/api/requirements.txt", "examplelib@1.2.3"),
			Vuln: &finding.Vuln{ID: "PYSEC-2024-0001", Ecosystem: "PyPI", Package: "examplelib", Version: "1.2.3",
				Manifest: "services/api/requirements.txt"},
			Status: "existing",
		},
		{
			Kind: finding.KindMisconfig, RuleID: "K8S-PRIVILEGED", Severity: finding.High,
			Title:       "Privileged container",
			Message:     "Container \"web\" in Deployment/web runs privileged",
			Remediation: "Set securityContext.privileged to false; grant only the capabilities the container needs.",
			References:  []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"},
			Location:    finding.Location{Path: "deploy/k8s/web.yaml", StartLine: 24, EndLine: 25, StartColumn: 11, EndColumn: 27, Resource: "Deployment/web"},
			Fingerprint: finding.Fingerprint(finding.KindMisconfig, "K8S-PRIVILEGED", "deploy/k8s/web.yaml", "Deployment/web", "containers[web].securityContext.privileged"),
			Status:      "new",
		},
		{
			Kind: finding.KindMisconfig, RuleID: "TF-AWS-S3-PUBLIC-ACL", Severity: finding.Medium,
			Title:       "S3 bucket allows public read",
			Message:     "aws_s3_bucket_acl.logs grants public-read",
			Remediation: "Use a private ACL and block public access on the bucket.",
			Location:    finding.Location{Path: "infra/terraform/main.tf", StartLine: 8, EndLine: 11, Resource: "aws_s3_bucket_acl.logs"},
			Fingerprint: finding.Fingerprint(finding.KindMisconfig, "TF-AWS-S3-PUBLIC-ACL", "infra/terraform/main.tf", "aws_s3_bucket_acl.logs", "acl"),
		},
		{
			Kind: finding.KindMisconfig, RuleID: "DOCKERFILE-USER-ROOT", Severity: finding.Low,
			Title:       "Image runs as root",
			Message:     "The final stage has no USER instruction",
			Remediation: "Add a USER instruction with a non-root user.",
			Location: finding.Location{Path: "services/api/Dockerfile", StartLine: 1, EndLine: 1, Resource: "stage runtime",
				Layer: "sha256:3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100"},
			Fingerprint: finding.Fingerprint(finding.KindMisconfig, "DOCKERFILE-USER-ROOT", "services/api/Dockerfile", "stage runtime"),
		},
		{
			Kind: finding.KindLicense, RuleID: "license-deny", Severity: finding.High,
			Title:       "Denied license AGPL-3.0-only",
			Message:     "Package github.com/example/agpl-widget v1.4.0 is licensed AGPL-3.0-only, which the policy denies",
			Remediation: "Replace the package or obtain a commercial license.",
			Location:    finding.Location{Path: "go.mod", StartLine: 15, EndLine: 15},
			Fingerprint: finding.Fingerprint(finding.KindLicense, "license-deny", "go.mod", "github.com/example/agpl-widget@v1.4.0", "AGPL-3.0-only"),
			License:     "AGPL-3.0-only",
		},
		{
			Kind: finding.KindUnpinned, RuleID: "gha-unpinned-action", Severity: finding.Low,
			Title:       "Action not pinned to a commit",
			Message:     "actions/checkout@v4 is referenced by tag; a moved tag changes what runs",
			Remediation: "Pin the action to a full commit SHA and keep the tag in a comment.",
			Location:    finding.Location{Path: ".github/workflows/ci.yml", StartLine: 14, EndLine: 14, StartColumn: 15, EndColumn: 34},
			Fingerprint: finding.Fingerprint(finding.KindUnpinned, "gha-unpinned-action", ".github/workflows/ci.yml", "actions/checkout@v4"),
		},
	}

	r := &Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tollgate", Version: "1.2.3-test"},
		Target:        finding.Target{Kind: "dir", Name: "acme/monorepo", Ref: "main..HEAD"},
		Scanners:      []string{"license", "misconfig", "secret", "vuln"},
		StartedAt:     fixtureTime,
		FinishedAt:    fixtureTime.Add(1843 * time.Millisecond),
		Timings: []finding.Timing{
			{Phase: "walk+analyze", Milliseconds: 1520.25},
			{Phase: "vuln:finish", Milliseconds: 301.5},
			{Phase: "policy", Milliseconds: 0.75},
		},
		Stats:      finding.Stats{Files: 1287, Bytes: 48_213_770, Commits: 312},
		Warnings:   []string{"vulnerability database is 9 days old (built 2026-03-05)", "waiver for GHSA-jf85-cpcp-j695 expires in 30 days"},
		NotChecked: []string{"container image layers: no image given"},
		Packages: []finding.Package{
			{Ecosystem: "Go", Name: "golang.org/x/net", Version: "v0.15.0", PURL: "pkg:golang/golang.org/x/net@v0.15.0", Manifest: "go.mod", Line: 12, Direct: &direct, Licenses: []string{"BSD-3-Clause"}},
			{Ecosystem: "Go", Name: "github.com/example/agpl-widget", Version: "v1.4.0", Manifest: "go.mod", Line: 15, Direct: &direct, Licenses: []string{"AGPL-3.0-only"}},
			{Ecosystem: "npm", Name: "lodash", Version: "4.17.11", PURL: "pkg:npm/lodash@4.17.11", Manifest: "web/package-lock.json", Line: 311, Direct: &indirect, Licenses: []string{"MIT"}},
			{Ecosystem: "PyPI", Name: "examplelib", Version: "1.2.3", Manifest: "services/api/requirements.txt", Line: 4},
			{Ecosystem: "Debian", Name: "libssl3", Version: "3.0.11-1~deb12u2", Layer: "sha256:3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100",
				LayerCmd: "RUN apt-get install -y openssl", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2", Manifest: "var/lib/dpkg/status"},
		},
		Findings: fs,
	}
	r.AddSkipped(finding.Skipped{Path: "assets/logo.png", Reason: finding.SkipBinary})
	r.AddSkipped(finding.Skipped{Path: "data/dump.sql", Reason: finding.SkipTooLarge, Detail: "212 MiB > 20 MiB"})
	r.AddSkipped(finding.Skipped{Path: "secrets/locked.txt", Reason: finding.SkipUnreadable, Detail: "permission denied"})
	r.AddSkipped(finding.Skipped{Path: "vendor/link", Reason: finding.SkipSymlinkOut, Detail: "points to /etc/passwd"})
	r.AddSkipped(finding.Skipped{Path: "web/broken.json", Reason: finding.SkipParseError, Detail: "unexpected end of JSON input"})
	r.AddSkipped(finding.Skipped{Path: "assets/icon.ico", Reason: finding.SkipBinary})
	r.Sort()

	fp := func(rule string) string {
		for _, f := range r.Findings {
			if f.RuleID == rule {
				return f.Fingerprint
			}
		}
		panic("fixture: no finding " + rule)
	}
	r.Waivers = []finding.WaiverUse{
		{ID: "lodash-legacy", Source: "tollgate.yaml:12", Scope: "vuln=GHSA-jf85-cpcp-j695 package=lodash",
			Reason: "upgrade blocked by legacy build; tracked in SEC-123", Owner: "team-web@example.com",
			Expires: fixtureAt(30 * 24 * time.Hour), State: finding.WaiverApplied, Fingerprints: []string{fp("GHSA-jf85-cpcp-j695")}},
		{ID: "old-test-key", Source: "tollgate.yaml:20", Scope: "secret rule=private-key-openssh path=test/**",
			Reason: "test fixture", Owner: "qa@example.com", Expires: fixtureAt(-5 * 24 * time.Hour), State: finding.WaiverExpired,
			Fingerprints: []string{fp("private-key-openssh")}},
		{Source: ".trivyignore:3", Scope: "vuln=CVE-2020-0001", State: finding.WaiverUnused},
		{ID: "tf-logs", Source: "tollgate.yaml:27", Scope: "misconfig rule=TF-AWS-S3-PUBLIC-ACL", Owner: "infra@example.com",
			Expires: fixtureAt(6 * 24 * time.Hour), State: finding.WaiverUnused, ExpiringSoon: true},
	}
	r.Verdict = finding.Verdict{
		Result: finding.Fail,
		FailOn: "HIGH",
		Reasons: []finding.Reason{
			{Rule: "fail-on", Effect: finding.Fail, Message: "1 CRITICAL, 4 HIGH at or above the fail-on threshold HIGH",
				Fingerprints: []string{fp("aws-access-key-id"), fp("github-pat"), fp("GHSA-4374-p667-p6c8"), fp("K8S-PRIVILEGED"), fp("license-deny")}},
			{Rule: "validated-secret", Effect: finding.Fail, Message: "2 secrets passed offline validation",
				Fingerprints: []string{fp("aws-access-key-id"), fp("github-pat")}},
			{Rule: "license-deny", Effect: finding.Fail, Message: "AGPL-3.0-only is denied by policy", Fingerprints: []string{fp("license-deny")}},
			{Rule: "waiver-expiring", Effect: finding.Warn, Message: "waiver for GHSA-jf85-cpcp-j695 expires on 2026-04-13",
				Fingerprints: []string{fp("GHSA-jf85-cpcp-j695")}},
			{Rule: "waiver-expired", Effect: finding.Warn, Message: "waiver old-test-key (tollgate.yaml:20) expired on 2026-03-09",
				Fingerprints: []string{fp("private-key-openssh")}},
			{Rule: "not-checked", Effect: finding.Warn, Message: "container image layers: no image given"},
		},
		Counted: map[string]int{"CRITICAL": 1, "HIGH": 4, "MEDIUM": 1, "LOW": 2},
	}
	return r
}

// hostileReport is what a malicious repository could make a scan report: paths, messages and
// metadata with ANSI/OSC escapes, C0/C1 controls, bidi overrides, markup, quotes, invalid UTF-8,
// XML-illegal characters, huge lines and absurd positions. Every formatter must stay valid and
// must not pass terminal control sequences through.
func hostileReport() *Report {
	const (
		ansi   = "\x1b[31mRED\x1b[0m\x1b]0;pwned title\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
		ctrl   = "nul\x00bell\x07bs\x08cr\rlf\nvt\vff\fdel\x7fc1\u009b31m"
		markup = "<script>alert('x')</script>&amp;\"quote\" ]]> <!-- -->"
		badU8  = "bad\xff\xfeutf8\xc3("
		bidi   = "admin\u202Etxt.exe\u2066\u200b"
	)
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	paths := []string{
		"dir/" + ansi + ".env",
		ctrl + "/file.txt",
		markup + ".yaml",
		badU8 + "/x.go",
		bidi,
		"../../outside/../etc/passwd",
		"/abs/path with spaces/%20%2F?#[]@.txt",
		`C:\windows\style\path.ini`,
		string(long),
	}
	r := &Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tollgate", Version: "v0" + ansi},
		Target:        finding.Target{Kind: "dir", Name: ansi + markup + badU8},
		Scanners:      []string{"secret", ctrl},
		StartedAt:     fixtureTime,
		FinishedAt:    fixtureTime,
		Stats:         finding.Stats{Files: 3},
		Warnings:      []string{ansi, markup, badU8 + ctrl},
		NotChecked:    []string{bidi + ansi},
	}
	sevs := finding.Severities()
	kinds := []finding.Kind{finding.KindSecret, finding.KindVuln, finding.KindMisconfig, finding.KindLicense, finding.KindUnpinned, finding.Kind(markup)}
	for i, p := range paths {
		f := finding.Finding{
			Kind:        kinds[i%len(kinds)],
			RuleID:      []string{"rule/" + markup, ansi, "", badU8, "ok-rule", ctrl}[i%6],
			Severity:    sevs[i%len(sevs)],
			Title:       ansi + " title " + markup,
			Message:     ctrl + " message " + badU8 + " " + string(long[:300]),
			Remediation: markup + "\n\n# heading\n```\ncode\n```" + ansi,
			References:  []string{"javascript:alert(1)", "https://ok.example/" + markup},
			Location:    finding.Location{Path: p, StartLine: []int{0, -5, 1, 1 << 30}[i%4], EndLine: []int{0, 3, -1, 2}[i%4], StartColumn: -1, EndColumn: i},
			Fingerprint: []string{"", ansi, finding.Fingerprint(finding.KindSecret, "x", p)}[i%3],
			Status:      []string{"", "new", "existing", "suppressed", ctrl}[i%5],
		}
		switch f.Kind {
		case finding.KindSecret:
			f.Secret = &finding.Secret{Redacted: ansi + "…", Hash: badU8, Note: markup}
			f.Location.Commit = &finding.Commit{Hash: ansi, Author: markup + badU8, Email: ctrl, Message: ansi + "\n" + markup, Date: fixtureTime}
		case finding.KindVuln:
			f.Vuln = &finding.Vuln{ID: ansi, Aliases: []string{markup, badU8}, Package: ctrl, Version: bidi, FixedVersion: ansi, Ecosystem: markup, CVSSScore: 42, Manifest: p}
		}
		if f.Status == "suppressed" {
			f.Suppression = &finding.Suppression{Kind: ansi, Reason: markup, Justification: badU8, Owner: ctrl}
		}
		r.Findings = append(r.Findings, f)
	}
	r.AddSkipped(finding.Skipped{Path: ansi, Reason: ctrl, Detail: markup})
	r.AddSkipped(finding.Skipped{Path: badU8, Reason: finding.SkipBinary, Detail: bidi})
	r.Timings = []finding.Timing{{Phase: ansi, Milliseconds: 1}}
	r.Waivers = []finding.WaiverUse{{ID: ansi, Source: markup, Scope: ctrl + badU8, Reason: bidi, Owner: markup,
		Expires: &fixtureTime, State: ansi, ExpiringSoon: true, Fingerprints: []string{ansi}}}
	r.Verdict = finding.Verdict{Result: finding.Fail, FailOn: ansi, Reasons: []finding.Reason{
		{Rule: ansi, Effect: markup, Message: ctrl + badU8, Fingerprints: []string{ansi}},
		{Rule: "", Effect: "", Message: ""},
	}, Counted: map[string]int{ansi: 1}}
	return r
}

// emptyReport is a clean run: nothing found, nothing skipped, the gate passes.
func emptyReport() *Report {
	return &Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tollgate", Version: "1.2.3-test"},
		Target:        finding.Target{Kind: "dir", Name: "clean"},
		Scanners:      []string{"secret"},
		StartedAt:     fixtureTime,
		FinishedAt:    fixtureTime.Add(12 * time.Millisecond),
		Stats:         finding.Stats{Files: 3, Bytes: 1024},
		Findings:      []finding.Finding{},
		Verdict: finding.Verdict{Result: finding.Pass, FailOn: "HIGH",
			Reasons: []finding.Reason{{Rule: "fail-on", Effect: "info", Message: "no finding at or above HIGH"}}},
	}
}

// TestFixtures keeps the fixtures honest: the sample covers every kind and status it promises.
func TestFixtures(t *testing.T) {
	r := sampleReport()
	kinds, statuses := map[finding.Kind]bool{}, map[string]bool{}
	for _, f := range r.Findings {
		kinds[f.Kind] = true
		statuses[f.Status] = true
		if f.Fingerprint == "" {
			t.Errorf("%s: no fingerprint", f.RuleID)
		}
	}
	for _, k := range []finding.Kind{finding.KindSecret, finding.KindVuln, finding.KindMisconfig, finding.KindLicense, finding.KindUnpinned} {
		if !kinds[k] {
			t.Errorf("sampleReport has no %s finding", k)
		}
	}
	for _, s := range []string{"", "new", "existing", "suppressed"} {
		if !statuses[s] {
			t.Errorf("sampleReport has no finding with status %q", s)
		}
	}
	if len(r.Skipped) == 0 || len(r.Warnings) == 0 || len(r.NotChecked) == 0 || r.Verdict.Result != finding.Fail {
		t.Error("sampleReport lost skipped files, warnings, notChecked or its failing verdict")
	}
	if len(hostileReport().Findings) == 0 || emptyReport().Verdict.Result != finding.Pass {
		t.Error("hostile or empty fixture broken")
	}
}
