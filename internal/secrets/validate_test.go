package secrets

import (
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	g := newGen("validators")
	cases := []struct {
		name, v, secret   string
		reject, validated bool
	}{
		{"github ok", "github", "ghp_" + g.expand(t, "{{ghtoken}}"), false, true},
		{"github bad", "github", "ghp_" + g.expand(t, "{{ghbad}}"), true, false},
		{"github short", "github", "ghp_abc", true, false},
		{"fine-grained structure only", "github", "github_pat_" + g.pick(alAlnum, 22) + "_" + g.pick(alAlnum, 59), false, false},
		{"ghs stateless", "github-ghs", "ghs_12345_" + g.jwt(), false, true},
		{"ghs stateless bad appid", "github-ghs", "ghs_12x45_" + g.jwt(), true, false},
		{"npm ok", "npm", "npm_" + g.expand(t, "{{ghtoken}}"), false, true},
		{"npm bad", "npm", "npm_" + g.expand(t, "{{ghbad}}"), true, false},
		{"aws ok", "aws-key-id", g.awsID("AKIA"), false, true},
		{"aws bad alphabet", "aws-key-id", "AKIA" + strings.Repeat("1", 16), true, false},
		{"jwt ok", "jwt", g.jwt(), false, true},
		{"jwt no alg", "jwt", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.sig", true, false},
		{"pypi ok", "pypi", "pypi-AgEIcHlwaS5vcmc" + g.pick(alB64URL, 60), false, true},
		{"pypi other", "pypi", "pypi-" + g.pick(alB64URL, 60), true, false},
		{"pem rsa", "pem", g.pem(t, "RSA"), false, true},
		{"pem ec", "pem", g.pem(t, "EC"), false, true},
		{"pem pkcs8", "pem", g.pem(t, "PKCS8"), false, true},
		{"pem escaped in json", "pem", strings.ReplaceAll(g.pem(t, "PKCS8"), "\n", `\n`), false, true},
		{"openssh", "openssh", g.pem(t, "OPENSSH"), false, true},
		{"pem garbage", "pem", "-----BEGIN RSA PRIVATE KEY-----\nnot base64!\n-----END RSA PRIVATE KEY-----", true, false},
		{"age ok", "age", g.age(), false, true},
		{"age bad", "age", g.age()[:70] + "QQQQ", true, false},
		{"pgp ok", "pgp", g.pgp(), false, true},
	}
	for _, c := range cases {
		v := validators[c.v](c.secret)
		if v.reject != c.reject || v.validated != c.validated {
			t.Errorf("%s: got reject=%v validated=%v (%s)", c.name, v.reject, v.validated, v.note)
		}
	}
	if v := validatePEM(g.pem(t, "ENCRYPTED")); v.note != "encrypted private key" {
		t.Errorf("encrypted pem note: %q", v.note)
	}
}

func TestDeriveKeywords(t *testing.T) {
	for expr, want := range map[string]string{
		`CORPKEY-[A-Z0-9]{20}`:          "corpkey-",
		`(?i)(foo_token|bar_key)=\w+`:   "foo_token,bar_key",
		`\b(xyz_[a-f0-9]{10})\b`:        "xyz_",
		`[a-z]{3}`:                      "",
		`(a|bcd)efg_long_literal[0-9]+`: "efg_long_literal",
	} {
		if got := strings.Join(deriveKeywords(expr), ","); got != want {
			t.Errorf("%s: got %q want %q", expr, got, want)
		}
	}
}
