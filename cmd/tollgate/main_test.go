package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

var binary string

// TestMain builds the real binary once: exit codes and environment handling are only honest when
// tested through a real process.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tollgate-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tollgate")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// leakyTree writes a tree holding a freshly generated private key: certainly a secret, never a
// committed one.
func leakyTree(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	body := "# deploy key\n" + string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err := os.WriteFile(filepath.Join(dir, "deploy.pem"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExitCodes(t *testing.T) {
	clean := t.TempDir()
	if err := os.WriteFile(filepath.Join(clean, "main.go"), []byte("package main\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	leaky := leakyTree(t)
	// An unvalidated generic password is HIGH: thresholds decide it. (A validated key fails whatever the
	// threshold.)
	generic := t.TempDir()
	if err := os.WriteFile(filepath.Join(generic, "settings.py"), []byte("DB_PASSWORD = \"Zx8vQ2mN5rT9kW3pLq7\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"clean tree passes", nil, []string{"scan", "-f", "json", clean}, 0},
		{"leaked key fails the gate", nil, []string{"scan", "-f", "json", leaky}, 1},
		{"validated key fails whatever the threshold", nil, []string{"scan", "-f", "json", "--fail-on", "critical", leaky}, 1},
		{"generic password fails at the default threshold", nil, []string{"scan", "-f", "json", generic}, 1},
		{"threshold above the finding passes", nil, []string{"scan", "-f", "json", "--fail-on", "critical", generic}, 0},
		{"environment sets the threshold", []string{"TOLLGATE_FAIL_ON=critical"}, []string{"scan", "-f", "json", generic}, 0},
		{"flag wins over environment", []string{"TOLLGATE_FAIL_ON=critical"}, []string{"scan", "-f", "json", "--fail-on", "low", generic}, 1},
		{"missing target is an error, not a failed gate", nil, []string{"scan", filepath.Join(clean, "nope")}, 2},
		{"unknown flag", nil, []string{"scan", "--no-such-flag", clean}, 2},
		{"bad severity", nil, []string{"scan", "--fail-on", "severe", clean}, 2},
		{"bad severity in environment", []string{"TOLLGATE_FAIL_ON=severe"}, []string{"scan", clean}, 2},
		{"unknown scanner", nil, []string{"scan", "--scanners", "nope", clean}, 2},
		{"unknown format", nil, []string{"scan", "-f", "nope", clean}, 2},
		{"version", nil, []string{"version"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, tt.env, tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.want, stderr)
			}
		})
	}
}

func TestScanReportNeverHoldsTheSecret(t *testing.T) {
	dir := leakyTree(t)
	key, _ := os.ReadFile(filepath.Join(dir, "deploy.pem"))
	out := filepath.Join(t.TempDir(), "r.json")
	_, stderr, code := run(t, nil, "scan", "-f", "json", "-o", out, dir)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Split(string(key), "\n")[2] // a line of the base64 key body
	if strings.Contains(string(b), body) || strings.Contains(stderr, body) {
		t.Fatal("the key body appears in clear in the output")
	}
	var rep finding.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != finding.SchemaVersion || rep.Verdict.Result != finding.Fail || len(rep.Findings) == 0 {
		t.Fatalf("report: schema %q verdict %q findings %d", rep.SchemaVersion, rep.Verdict.Result, len(rep.Findings))
	}
	f := rep.Findings[0]
	if f.Location.Path != "deploy.pem" || f.Location.StartLine != 2 || f.Secret == nil || f.Fingerprint == "" {
		t.Errorf("finding %+v", f)
	}
	if !strings.Contains(stderr, "gate FAIL") {
		t.Errorf("CI logs get one summary line with the verdict; stderr = %q", stderr)
	}
}

func TestGitleaksConfigInTheTreeMustNotBeASymlink(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "rules.toml")
	// A config that would silence every built-in rule if it were loaded.
	if err := os.WriteFile(outside, []byte("[[rules]]\nid = \"x\"\nregex = '''zzzzzzzzzz'''\nkeywords = [\"zzzzzzzzzz\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, ".gitleaks.toml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "settings.py"), []byte("DB_PASSWORD = \"Zx8vQ2mN5rT9kW3pLq7\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, nil, "scan", "-f", "json", dir); code != 1 {
		t.Fatalf("exit %d, want 1: a symlinked .gitleaks.toml must not replace the built-in rules; %s", code, stderr)
	}
}
