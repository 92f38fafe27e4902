package policy

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestImportIgnoreFiles(t *testing.T) {
	ws, warns, err := importIgnoreFiles("testdata/imports", &Config{})
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for _, w := range ws {
		scopes = append(scopes, w.Source+" "+w.Scope())
	}
	got := strings.Join(scopes, "\n")
	for _, want := range []string{
		".trivyignore:2 vuln=CVE-2019-10744",
		".trivyignore:3 vuln=GHSA-4374-p667-p6c8",
		".trivyignore.yaml:2 vuln=CVE-2023-45288 package=golang.org/x/net versions==v0.15.0",
		".trivyignore.yaml:9 rule=K8S-PRIVILEGED path=deploy/k8s/web.yaml",
		".trivyignore.yaml:9 rule=K8S-PRIVILEGED path=deploy/k8s/api.yaml",
		".trivyignore.yaml:12 license=GPL-3.0-only",
		".gitleaksignore:1 rule=aws-access-key-id path=config/prod.env",
		".gitleaksignore:2 rule=github-pat path=scripts/deploy.sh",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("imported waivers lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "AVD-DS-0002") {
		t.Error("an entry with an invalid expiry must not be imported (it would never expire)")
	}
	allWarn := strings.Join(warns, "\n")
	for _, want := range []string{".trivyignore:4: invalid date", `.trivyignore:5: "foo"`, ".trivyignore.yaml:7: entry without id", ".gitleaksignore:3: not a gitleaks fingerprint", "rule+file"} {
		if !strings.Contains(allWarn, want) {
			t.Errorf("warnings lack %q:\n%s", want, allWarn)
		}
	}
	off := false
	ws, _, _ = importIgnoreFiles("testdata/imports", &Config{Imports: Imports{Trivyignore: &off, Gitleaksignore: &off}})
	if len(ws) != 0 {
		t.Errorf("imports off still imported %d", len(ws))
	}
}

// A gitleaks fingerprint names a file from the repository root; its waiver must not hide the same
// secret rule in every file of that name at any depth.
func TestGitleaksignoreRootFileOnly(t *testing.T) {
	ws, _ := parseGitleaksignore(".gitleaksignore", []byte("config.py:generic-api-key:3\n"))
	if len(ws) != 1 {
		t.Fatalf("waivers %+v", ws)
	}
	if !ws[0].matches(&finding.Finding{RuleID: "generic-api-key", Location: finding.Location{Path: "config.py"}}) {
		t.Fatal("the root config.py must be waived")
	}
	if ws[0].matches(&finding.Finding{RuleID: "generic-api-key", Location: finding.Location{Path: "services/billing/config.py"}}) {
		t.Fatal("services/billing/config.py is another file; the waiver must not hide it")
	}
}
