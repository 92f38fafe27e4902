package secrets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// TestDecoyFiles: realistic files full of placeholders, templates, hashes, public keys and
// certificates must produce no finding at all.
func TestDecoyFiles(t *testing.T) {
	s := newTestScanner(t)
	dir := filepath.Join("testdata", "files", "decoys")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range scanText(t, s, "app/"+e.Name(), string(b)) {
			t.Errorf("%s:%d: decoy reported as %s (%s)", e.Name(), f.Location.StartLine, f.RuleID, f.Secret.Redacted)
		}
	}
}

// TestBuiltDecoys covers decoys that cannot sit in testdata because their shape is close to a real
// token (push protection would trip): Stripe test keys, bad checksums, EXAMPLE keys.
func TestBuiltDecoys(t *testing.T) {
	s := newTestScanner(t)
	g := newGen("decoys")
	for _, c := range []string{
		"STRIPE_KEY=sk_" + "test_" + g.pick(alAlnum, 24),
		"token: ghp_" + g.expand(t, "{{ghbad}}"),
		"NPM_TOKEN=npm_" + g.expand(t, "{{ghbad}}"),
		"aws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE",
		"secret = \"" + strings.Repeat("ab", 12) + "\"",
		"api_key = \"" + g.pick(alHex, 8) + "-" + g.pick(alHex, 4) + "-" + g.pick(alHex, 4) + "-" + g.pick(alHex, 4) + "-" + g.pick(alHex, 12) + "\"",
		"commit_sha = \"" + g.pick(alHex, 40) + "\"",
	} {
		if fs := scanText(t, s, "src/settings.env", c); len(fs) != 0 {
			t.Errorf("%q reported as %v", c, ruleIDs(fs))
		}
	}
}

func TestInlineIgnore(t *testing.T) {
	s := newTestScanner(t)
	g := newGen("inline")
	tok := "ghp_" + g.expand(t, "{{ghtoken}}")
	for _, marker := range []string{"# tollgate:ignore", "// gitleaks:allow"} {
		fs := scanText(t, s, "a.sh", "export T="+tok+" "+marker+"\n")
		if len(fs) != 1 || fs[0].Status != "suppressed" || fs[0].Suppression == nil || fs[0].Suppression.Kind != "inline" {
			t.Errorf("%s: want one suppressed finding, got %+v", marker, fs)
		}
	}
}

func TestFindingShape(t *testing.T) {
	s := newTestScanner(t)
	g := newGen("shape")
	tok := "ghp_" + g.expand(t, "{{ghtoken}}")
	content := "# config\n\nname: x\n  token: é" + tok + "\n"
	fs := scanText(t, s, "deploy/app.yaml", content)
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %v", ruleIDs(fs))
	}
	f := fs[0]
	if f.Kind != finding.KindSecret || f.RuleID != "github-pat" || f.Severity != finding.Critical {
		t.Errorf("kind/rule/severity: %+v", f)
	}
	if f.Location.StartLine != 4 || f.Location.EndLine != 4 || f.Location.StartColumn != 11 || f.Location.EndColumn != 11+len(tok) {
		t.Errorf("location: %+v", f.Location)
	}
	if !f.Secret.Validated || f.Secret.Hash != finding.HashSecret(tok) || f.Secret.Redacted != finding.Redact(tok) {
		t.Errorf("secret: %+v", f.Secret)
	}
	if f.Fingerprint != finding.Fingerprint(finding.KindSecret, "github-pat", "deploy/app.yaml", finding.HashSecret(tok)) {
		t.Error("fingerprint does not follow finding.Fingerprint")
	}
	for _, txt := range []string{f.Message, f.Title, f.Remediation} {
		if strings.Contains(txt, tok[4:12]) {
			t.Errorf("secret leaked into %q", txt)
		}
	}
	// Moving the finding down keeps its fingerprint.
	moved := scanText(t, s, "deploy/app.yaml", "\n\n\n"+content)
	if len(moved) != 1 || moved[0].Fingerprint != f.Fingerprint || moved[0].Location.StartLine != 7 {
		t.Errorf("moved finding: %+v", moved)
	}
}

func TestLockfileSkipsGenericOnly(t *testing.T) {
	s := newTestScanner(t)
	g := newGen("lock")
	generic := `"token": "` + g.pick(alAlnum, 30) + `1"`
	if fs := scanText(t, s, "web/package-lock.json", generic); len(fs) != 0 {
		t.Errorf("generic rule ran in a lockfile: %v", ruleIDs(fs))
	}
	leak := `"resolved": "https://x:npm_` + g.expand(t, "{{ghtoken}}") + `@registry.example.org/a.tgz"`
	if fs := scanText(t, s, "web/package-lock.json", leak); !hasRule(fs, "npm-access-token") {
		t.Errorf("provider rule must still run in lockfiles: %v", ruleIDs(fs))
	}
}

func TestLongLinesAndHistory(t *testing.T) {
	s := newTestScanner(t)
	g := newGen("long")
	tok := "ghp_" + g.expand(t, "{{ghtoken}}")
	line := strings.Repeat("token=AAAA ", 200000) + tok + strings.Repeat(" x", 1000)
	fs := scanText(t, s, "min.js", line)
	if !hasRule(fs, "github-pat") {
		t.Error("token at the end of a 2 MB line not found")
	}
	res, err := s.Analyze(context.Background(), &scan.File{Path: "a.env", Content: []byte("x\nT=" + tok + "\n"), Commit: &finding.Commit{Hash: "abc"}})
	if err != nil || len(res.Findings) != 1 || res.Findings[0].Location.StartLine != 2 {
		t.Errorf("history content: %v %+v", err, res.Findings)
	}
}

func FuzzScan(f *testing.F) {
	g := newGen("fuzz")
	f.Add([]byte("token = \"ghp_" + g.expand(f, "{{ghtoken}}") + "\"\n"))
	f.Add([]byte(g.expand(f, "{{pem RSA}}")))
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\n\xff\xfe\x00-----END OPENSSH PRIVATE KEY-----"))
	f.Add([]byte("postgres://u:p@ss@h/db\npassword = \"" + g.pick(alAlnum, 20) + "\" # tollgate:ignore"))
	f.Add([]byte("eyJhbGciOiJub25lIn0.eyJ9.x ghs_1_eyJ.eyJ.x AGE-SECRET-KEY-1"))
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := s.Analyze(context.Background(), &scan.File{Path: "f/x.env", Content: b, Size: int64(len(b))})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range res.Findings {
			l := fd.Location
			if l.StartLine < 1 || l.EndLine < l.StartLine || l.StartColumn < 1 || fd.Secret == nil || fd.Fingerprint == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
