package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func scannerWith(t *testing.T, cfg string) *Scanner {
	t.Helper()
	s, err := New(Options{ConfigPath: filepath.Join("testdata", "gitleaks", cfg)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGitleaksExtendDefault(t *testing.T) {
	s := scannerWith(t, "extend.toml")
	g := newGen("extend")
	tok := "acme_live_" + g.pick(alLower, 32)
	if fs := scanText(t, s, "svc/config.go", `token := "`+tok+`"`); !hasRule(fs, "acme-internal-token") {
		t.Errorf("custom rule did not fire: %v", ruleIDs(fs))
	}
	if fs := scanText(t, s, "fixtures/config.go", `token := "`+tok+`"`); hasRule(fs, "acme-internal-token") {
		t.Error("rule allowlist path ignored")
	}
	if fs := scanText(t, s, "vendor/x/config.go", `token := "`+tok+`"`); len(fs) != 0 {
		t.Error("global allowlist path ignored")
	}
	if s.Wants("vendor/x/config.go", 10) {
		t.Error("a globally allowlisted path should not even be read")
	}
	// Built-in rules stay (useDefault), generic-api-key maps to the generic rules and is disabled.
	gh := "ghp_" + g.expand(t, "{{ghtoken}}")
	if fs := scanText(t, s, "a.env", "GH="+gh); !hasRule(fs, "github-pat") {
		t.Errorf("built-in rule lost: %v", ruleIDs(fs))
	}
	if fs := scanText(t, s, "a.env", "GH="+gh+" # ALLOWED-BY-TEAM"); hasRule(fs, "github-pat") {
		t.Error("rule refinement with line allowlist ignored")
	}
	for _, r := range s.Rules() {
		if strings.HasPrefix(r.ID, "generic-secret") || strings.HasPrefix(r.ID, "generic-password") {
			t.Errorf("disabled rule %s still present", r.ID)
		}
	}
	if fs := scanText(t, s, "a.go", `x := "acme_prod_sandbox`+g.pick(alLower, 25)+`"`); len(fs) != 0 {
		t.Error("global stopword ignored")
	}
}

func TestGitleaksReplacesDefaults(t *testing.T) {
	s := scannerWith(t, "only.toml")
	if len(s.Rules()) != 1 {
		t.Fatalf("want only the config's rule, got %d rules", len(s.Rules()))
	}
	if s.rules[0].fullScan {
		t.Error("keywords should be derived from the literal CORPKEY-")
	}
	if fs := scanText(t, s, "src/a.txt", "k=CORPKEY-QWZ7RT2KMN4PXV8LDJ5H"); !hasRule(fs, "corp-key") {
		t.Error("user rule without keywords did not fire")
	}
	// AND allowlist: both path and regex must hold.
	if fs := scanText(t, s, "test/a.txt", "k=CORPKEY-0WZ7RT2KMN4PXV8LDJ5H"); hasRule(fs, "corp-key") {
		t.Error("AND allowlist with both conditions true did not allow")
	}
	if fs := scanText(t, s, "test/a.txt", "k=CORPKEY-QWZ7RT2KMN4PXV8LDJ5H"); !hasRule(fs, "corp-key") {
		t.Error("AND allowlist allowed with only one condition true")
	}
	if fs := scanText(t, s, "certs/server.pem", "anything"); !hasRule(fs, "pem-file") {
		t.Error("path-only rule did not fire")
	}
}

func TestGitleaksExtendPath(t *testing.T) {
	s := scannerWith(t, "child.toml")
	if fs := scanText(t, s, "a", "BASE-830275619482 CHILD-573920184736"); !hasRule(fs, "base-rule") || !hasRule(fs, "child-rule") {
		t.Errorf("extend path: got %v", ruleIDs(fs))
	}
}

func TestGitleaksErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"badregex.toml": "[[rules]]\nid = \"x\"\nregex = '''(['''\n",
		"noid.toml":     "[[rules]]\nregex = '''abc'''\n",
		"badtoml.toml":  "[[rules]\nid=",
		"group.toml":    "[[rules]]\nid = \"x\"\nregex = '''abc'''\nsecretGroup = 3\n",
		"loop.toml":     "[extend]\npath = \"loop.toml\"\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{ConfigPath: p}); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := New(Options{ConfigPath: filepath.Join(dir, "missing.toml")}); err == nil {
		t.Error("missing config: want an error")
	}
}

func FuzzLoadConfig(f *testing.F) {
	for _, n := range []string{"extend.toml", "only.toml", "child.toml", "base.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "gitleaks", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("[[rules]]\nid='a'\nregex='''(?i)x{2,}'''\n[[rules.allowlists]]\ncondition='AND'\n"))
	builtin, err := builtinRules()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseGitleaks(b)
		if err != nil {
			return
		}
		rules, err := p.apply(builtin)
		if err != nil {
			return
		}
		s := &Scanner{rules: rules, pathRules: p.pathRules, global: p.global}
		s.build()
		scanText(t, s, "x/y.txt", "password = \"Zq8#kLm2pX9!wQ\"\nCORPKEY-QWZ7RT2KMN4PXV8LDJ5H")
	})
}
