package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// withWaivers adds the waiver audit lines the gate writes, so every format shows them.
func withWaivers(r *Report) *Report {
	exp := fixtureTime.Add(10 * 24 * time.Hour)
	old := fixtureTime.Add(-24 * time.Hour)
	var lodash string
	for _, f := range r.Findings {
		if f.RuleID == "GHSA-jf85-cpcp-j695" {
			lodash = f.Fingerprint
		}
	}
	r.Waivers = []finding.WaiverUse{
		{Source: "tollgate.yaml:31", Scope: "vuln=CVE-2019-10744 package=lodash versions=<4.17.12", Reason: "upgrade blocked by legacy build; tracked in SEC-123",
			Owner: "team-web@example.com", Expires: &exp, State: finding.WaiverApplied, ExpiringSoon: true, Fingerprints: []string{lodash}},
		{Source: "tollgate.yaml:38", Scope: "rule=generic-api-key path=test/**", Reason: "test data", Owner: "alice@example.com", Expires: &old, State: finding.WaiverExpired},
		{Source: ".trivyignore:3", Scope: "vuln=CVE-2020-0001", Reason: "imported from .trivyignore", State: finding.WaiverUnused},
	}
	return r
}

func TestGateFormatsGolden(t *testing.T) {
	for _, tt := range []struct{ format, file string }{
		{"html", "sample.html"},
		{"markdown", "sample.md"},
		{"gitlab-sast", "sample.gitlab-sast.json"},
		{"gitlab-dependency-scanning", "sample.gitlab-ds.json"},
		{"github", "sample.github.txt"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			checkGolden(t, tt.file, render(t, tt.format, withWaivers(sampleReport()), Options{}))
			checkGolden(t, "empty."+strings.TrimPrefix(tt.file, "sample."), render(t, tt.format, emptyReport(), Options{}))
		})
	}
}

// TestHTMLEscapesHostile: nothing from the scanned repository reaches the page as markup.
func TestHTMLEscapesHostile(t *testing.T) {
	out := string(render(t, "html", hostileReport(), Options{}))
	if !utf8.ValidString(out) {
		t.Error("page is not valid UTF-8")
	}
	for _, bad := range []string{"<script>alert", `href="javascript`, "\x1b[", "\x00", "<!-- -->", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	if n := strings.Count(out, "<script>"); n != 1 {
		t.Errorf("want exactly the page's own script, got %d <script> tags", n)
	}
	if !strings.Contains(out, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-`) {
		t.Error("no strict CSP")
	}
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(strings.ReplaceAll(out, `href="https://ok.example/`, "")) {
		t.Error("page loads something from the network")
	}
}

func TestMarkdownHostileAndLimit(t *testing.T) {
	out := render(t, "markdown", hostileReport(), Options{})
	for _, bad := range []string{"<script>", "\x1b", "<!--"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("markdown holds %q", bad)
		}
	}
	// A report too big for one comment is cut with a note, and its <details> stay balanced.
	r := sampleReport()
	base := r.Findings[0]
	for i := range 3000 {
		f := base
		f.Fingerprint = strings.Repeat("x", i%50)
		f.Message = strings.Repeat("long message ", 20)
		r.Findings = append(r.Findings, f)
	}
	md := render(t, "markdown", r, Options{})
	if len(md) > MarkdownLimit {
		t.Fatalf("markdown is %d bytes, over %d", len(md), MarkdownLimit)
	}
	if !bytes.Contains(md, []byte("**Truncated:**")) {
		t.Error("no truncation note")
	}
	if o, c := bytes.Count(md, []byte("<details>")), bytes.Count(md, []byte("</details>")); o != c {
		t.Errorf("<details> %d vs </details> %d", o, c)
	}
	if !bytes.HasPrefix(md, []byte("## ❌ Tollgate: gate FAIL")) {
		t.Errorf("summary must come first: %q", md[:40])
	}
}

func TestGitLabShape(t *testing.T) {
	for _, format := range []string{"gitlab-sast", "gitlab-dependency-scanning"} {
		var doc map[string]any
		if err := json.Unmarshal(render(t, format, hostileReport(), Options{}), &doc); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		scan := doc["scan"].(map[string]any)
		ts := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)
		if !ts.MatchString(scan["start_time"].(string)) || !ts.MatchString(scan["end_time"].(string)) {
			t.Errorf("%s: times %v %v do not match GitLab's pattern", format, scan["start_time"], scan["end_time"])
		}
		for _, v := range doc["vulnerabilities"].([]any) {
			m := v.(map[string]any)
			for _, k := range []string{"id", "identifiers", "location", "severity"} {
				if _, ok := m[k]; !ok {
					t.Errorf("%s: vulnerability without %s", format, k)
				}
			}
			if len(m["identifiers"].([]any)) == 0 {
				t.Errorf("%s: no identifiers", format)
			}
		}
	}
	// Suppressed findings are not sent: GitLab would show them as open.
	out := render(t, "gitlab-dependency-scanning", sampleReport(), Options{})
	if bytes.Contains(out, []byte("GHSA-qwcr-r2fm-qrc7")) {
		t.Error("VEX-suppressed vulnerability in the GitLab report")
	}
}

func TestGitHubAnnotationsCannotInject(t *testing.T) {
	out := string(render(t, "github", hostileReport(), Options{}))
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.HasPrefix(line, "::error ") && !strings.HasPrefix(line, "::warning ") && !strings.HasPrefix(line, "::notice ") {
			t.Errorf("line %d is not a workflow command: %q", i+1, line)
		}
		if strings.ContainsAny(line, "\r\x1b\x00") {
			t.Errorf("line %d holds a control character", i+1)
		}
	}
	sample := string(render(t, "github", sampleReport(), Options{}))
	if !strings.Contains(sample, "::error file=config/prod.env,line=3,endLine=3,col=19,endColumn=39,title=CRITICAL aws-access-key-id%3A AWS access key ID::") {
		t.Errorf("validated AWS key is not an error annotation:\n%s", sample)
	}
}
