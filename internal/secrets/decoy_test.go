package secrets

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Regression cases for decoys met on real trees (GOROOT/src, the module cache); values are built at
// test time so no live-looking token is committed.

func TestJWTDecoys(t *testing.T) {
	g := newGen("jwt-decoys")
	enc := base64.RawURLEncoding.EncodeToString
	tok := func(payload string) string {
		return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "." + g.pick(alB64URL, 43)
	}
	now := time.Now()
	cases := []struct {
		name, payload string
		reject        bool
	}{
		{"jwt.io example", `{"sub":"1234567890","name":"John Doe","iat":1516239022}`, true},
		{"RFC 7519 example", `{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}`, true},
		{"no claims", `{}`, true},
		{"expired service token (reported low)", `{"sub":"svc-9f3a","exp":1641081539}`, false},
		{"test personas", `{"user":"alice","azp":"alice","subordinates":[],"hr":false}`, true},
		{"filler scopes", `{"Scopes":["foo","bar"],"nbf":1451606400}`, true},
		{"example issuer", `{"iss":"https://pki.example.com","sub":"svc"}`, true},
		{"live service token", `{"sub":"svc-9f3a","iss":"https://auth.acme.io","exp":` + itoa(now.Unix()+86400*365) + `}`, false},
		{"no exp", `{"sub":"81723","role":"service_role","iss":"supabase"}`, false},
	}
	for _, c := range cases {
		v := validateJWT(tok(c.payload))
		if v.reject != c.reject {
			t.Errorf("%s: reject=%v (%s), want %v", c.name, v.reject, v.note, c.reject)
		}
	}
	s := newTestScanner(t)
	fs := scanText(t, s, "svc/token.txt", "token: "+tok(`{"sub":"svc-9f3a","exp":1641081539}`)+"\n")
	if len(fs) != 1 || fs[0].Severity != finding.Low || !strings.Contains(fs[0].Message, "expired 2022-01-01") {
		t.Errorf("expired token: want one low finding noting the expiry, got %+v", fs)
	}
}

func itoa(n int64) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestBasicAuthDecoys(t *testing.T) {
	g := newGen("basic-decoys")
	b := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, value string
		reject      bool
	}{
		{"RFC 7617 Aladdin", b("Aladdin:open sesame"), true},
		{"aladdin lower", b("aladdin:opensesame"), true},
		{"user:pass", b("user:pass"), true},
		{"foo:bar", b("foo:bar"), true},
		{"user equals password", b("deploy:deploy"), true},
		{"no colon", b("thisisalongstring"), true},
		{"shifted base64 (GOROOT cmd/go/internal/auth)", "jpvcGVuc2VzYW1lYWxhZGRpb", true},
		{"near password", b("admin:p@ssword"), true},
		{"real pair", b("deploy:" + g.pick(alAlnum, 20)), false},
		{"token, empty password", b("sk_live_" + g.pick(alAlnum, 24) + ":"), false},
	}
	for _, c := range cases {
		if v := validateBasicAuth(c.value); v.reject != c.reject {
			t.Errorf("%s: reject=%v (%s), want %v", c.name, v.reject, v.note, c.reject)
		}
	}
}

func TestTestVectorContext(t *testing.T) {
	g := newGen("vectors")
	s := newTestScanner(t)
	// crypto/ecdh/ecdh_test.go and crypto/hpke/testdata shapes.
	ecdh := "\t\tPrivateKey: \"" + g.pick(alHex, 64) + "\",\n" +
		"\t\tPublicKey: \"04" + g.pick(alHex, 64) + "\" +\n\t\t\t\"" + g.pick(alHex, 64) + "\",\n" +
		"\t\tPeerPublicKey: \"04" + g.pick(alHex, 64) + "\",\n" +
		"\t\tSharedSecret: \"" + g.pick(alHex, 64) + "\",\n"
	hpke := "    \"pkRm\": \"" + g.pick(alHex, 64) + "\",\n    \"enc\": \"" + g.pick(alHex, 64) + "\",\n" +
		"    \"shared_secret\": \"" + g.pick(alHex, 64) + "\",\n    \"key\": \"" + g.pick(alHex, 32) + "\",\n" +
		"    \"base_nonce\": \"" + g.pick(alHex, 24) + "\",\n    \"exporter_secret\": \"" + g.pick(alHex, 64) + "\",\n"
	for name, c := range map[string]string{"ecdh": ecdh, "hpke": hpke} {
		if fs := scanText(t, s, "crypto/x/testdata/vectors.json", c); len(fs) > 0 {
			t.Errorf("%s: test vectors reported: %v", name, ruleIDs(fs))
		}
	}
	// Several real hex secrets side by side in a .env stay reported.
	env := "JWT_SECRET=" + g.pick(alHex, 64) + "\nSESSION_SECRET=" + g.pick(alHex, 64) + "\nENCRYPTION_KEY=" + g.pick(alHex, 64) + "\n"
	if fs := scanText(t, s, "deploy/.env", env); len(fs) < 2 {
		t.Errorf(".env hex secrets: got %v", ruleIDs(fs))
	}
}

func TestOneFindingPerSecret(t *testing.T) {
	g := newGen("dedup")
	s := newTestScanner(t)
	c := g.expand(t, `const deployToken = "ghp_{{ghtoken}}"`+"\n"+`//registry.npmjs.org/:_authToken=npm_{{ghtoken}}`+"\n")
	fs := scanText(t, s, "src/deploy.js", c)
	got := ruleIDs(fs)
	if len(fs) != 2 || !hasRule(fs, "github-pat") || !hasRule(fs, "npm-access-token") {
		t.Errorf("want one github-pat and one npm-access-token, got %v", got)
	}
}

// RFC 6749's example values, as oauthlib's docstrings quote them, are documentation.
func TestRFC6749Examples(t *testing.T) {
	s := newTestScanner(t)
	// Assembled from halves so this file holds no complete example token either.
	at, rt := "2YotnFZFEjr1"+"zCsicMWpAA", "tGzv3JOkF0XG"+"5Qx2TlKWIA"
	basic := base64.StdEncoding.EncodeToString([]byte("s6BhdRkqt3:" + "gX1fBat3bV"))
	c := `"access_token":"` + at + `",` + "\n" + `"refresh_token":"` + rt + `",` + "\n" + "Authorization: Basic " + basic + "\n"
	if fs := scanText(t, s, "oauthlib/oauth2/rfc6749/parameters.py", c); len(fs) > 0 {
		t.Errorf("RFC 6749 examples reported: %v", ruleIDs(fs))
	}
}

// TestDigestNames: the assigned name decides whether a hex digest is a credential. A commit SHA or
// checksum under a name whose head noun is a hash word is silent; the same value under a password
// or token name is reported, and so is a base64 AWS secret key that happens to start with '/'.
func TestDigestNames(t *testing.T) {
	g := newGen("digest-names")
	sha1, sha256 := g.pick(alHex, 40), g.pick(alHex, 64)
	cases := []struct {
		path, line string
		want       string // rule id, or "" for silent
	}{
		{".env", "DEPLOY_TOKEN_SHA=" + sha1, ""},
		{".env", "API_TOKEN_COMMIT=" + sha1, ""},
		{".env", "TOKEN_REVISION=" + sha1, ""},
		{".env", "SECRET_HASH=" + sha256, ""},
		{".env", "TOKEN_FINGERPRINT=" + sha1, ""},
		{".env", "SECRET_ETAG_VALUE=" + sha1, ""},
		{"app.yaml", "token_commit_id: \"" + sha1 + "\"", ""},
		{"app.yaml", "password_hash: \"" + sha256 + "\"", ""},
		{"app.yaml", "secretDigest: '" + sha256 + "'", ""},
		{"k8s/deploy.yaml", "        - name: DEPLOY_TOKEN_SHA\n          value: \"" + sha1 + "\"", ""},
		{".env", "POSTGRES_PASSWORD=" + sha1, "generic-env-secret"},
		{"docker-compose.yml", "      POSTGRES_PASSWORD: \"" + sha1 + "\"", "generic-password-assignment"},
		{"app.yaml", "git_commit_token: \"" + sha1 + "\"", "generic-secret-assignment"},
		{"app.yaml", "api_secret: \"" + sha256 + "\"", "generic-secret-assignment"},
		{"k8s/deploy.yaml", "        - name: DB_PASSWORD\n          value: \"" + sha1 + "\"", "k8s-env-secret"},
		{"infra/main.tf", "  secret_key = \"/" + g.pick(alUpper, 6) + g.pick(alLower, 6) + g.pick(alDigits, 6) + g.pick(alB64, 21) + "\"", "generic-secret-assignment"},
		{"app.yaml", "secret_path: \"/var/run/secrets/kubernetes.io/serviceaccount\"", ""},
		{"app.yaml", "token_file: \"./config/credentials/service-account.json\"", ""},
	}
	s := newTestScanner(t)
	for _, c := range cases {
		fs := scanText(t, s, c.path, c.line+"\n")
		got := ""
		if len(fs) > 0 {
			got = fs[0].RuleID
		}
		if len(fs) > 1 || got != c.want {
			t.Errorf("%s: %q: got %d finding(s) %q, want %q", c.path, c.line, len(fs), got, c.want)
		}
	}
}
