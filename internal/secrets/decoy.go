package secrets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Decoys that need more than the secret itself: Basic credentials that decode to documentation
// stand-ins, URL passwords that are spellings of "password", and cryptographic test vectors.

// placeholderPasswords are passwords of documentation and tests (RFC 7617's Aladdin, "user:pass").
var placeholderPasswords = []string{
	"opensesame", "open sesame", "pass", "passw0rd", "pwd", "bar", "baz", "secret", "s3cret", "test",
	"testing", "password1", "pa55word", "admin", "root", "guest", "demo", "letmein", "hunter2",
	"qwerty", "123456", "12345678", "mypassword", "mysecret", "username", "user", "hub",
	// Default passwords of database images in dev compose files.
	"postgres", "mysql", "mariadb", "neo4j", "rabbitmq", "redis",
}

// leet undoes the digit-for-letter spelling of example passwords (P@$$w0rd, 4-v3ry-53cr37-p455w0rd).
var leet = strings.NewReplacer("@", "a", "$", "s", "0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t")

// leetWords is true for a password that spells "password" or "secret", plainly or in leet.
func leetWords(lp string) bool {
	d := leet.Replace(lp)
	return strings.Contains(d, "password") || strings.Contains(d, "secret")
}

// validateBasicAuth decodes the base64 of an Authorization: Basic header. It must be user:password
// (or a long token before an empty password, as Stripe and others use); a value that does not decode
// to that is no credential, and a documentation pair (aladdin:opensesame, user:pass) is a stand-in.
func validateBasicAuth(secret string) verdict {
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(secret, "="))
	}
	if err != nil || !utf8.Valid(raw) || bytes.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return verdict{reject: true, note: "not base64 of user:password"}
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" {
		return verdict{reject: true, note: "not user:password"}
	}
	if pass == "" {
		if len(user) < 16 || shannon(user) < 3.5 || isPlaceholder(user) {
			return verdict{reject: true, note: "no password"}
		}
		return verdict{validated: true, note: "decodes to a token and an empty password"}
	}
	if placeholderPassword(user, pass) || docValue(pass) {
		return verdict{reject: true, note: "placeholder password"}
	}
	return verdict{validated: true, note: "decodes to user:password"}
}

// placeholderPassword is true for passwords nobody would deploy: the user name again, a word of
// the list above, a near-spelling of "password", a placeholder word or a degenerate string.
func placeholderPassword(user, pass string) bool {
	lp := strings.ToLower(pass)
	if strings.EqualFold(user, pass) || len(pass) < 4 || nearWord(lp, "password", 2) || nearWord(lp, "passwd", 1) || nearWord(lp, "secret", 1) {
		return true
	}
	// secret123, hunter2, env_pass: a list word with digits or punctuation around it.
	bare := strings.TrimRight(strings.TrimLeft(lp, "_-.!0123456789"), "_-.!0123456789")
	if i := strings.LastIndexAny(bare, "_-."); i >= 0 {
		bare = bare[i+1:]
	}
	for _, w := range placeholderPasswords {
		if lp == w || bare == w {
			return true
		}
	}
	if leetWords(lp) {
		return true
	}
	return isPlaceholder(pass)
}

// validateURLPassword percent-decodes a password taken from a URL's userinfo and drops spellings
// of "password" (pa%2Fssword, p%40ssword: URL-parser tests) and the other stand-ins.
func validateURLPassword(secret string) verdict {
	p, err := url.PathUnescape(secret)
	if err != nil {
		p = secret
	}
	if placeholderPassword("", p) {
		return verdict{reject: true, note: "placeholder password"}
	}
	return verdict{}
}

// nearWord reports whether s is within d edits (Levenshtein) of w; both are short.
func nearWord(s, w string, d int) bool {
	if abs(len(s)-len(w)) > d {
		return false
	}
	prev := make([]int, len(w)+1)
	cur := make([]int, len(w)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(w); j++ {
			cost := 1
			if s[i-1] == w[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(w)] <= d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// vectorWords name the other fields of a cryptographic test vector (RFC and Wycheproof tables,
// HPKE/ECDH/KDF JSON): a hex "secret" among hex public keys, nonces and ciphertexts is an input or
// output of the algorithm under test, not a credential of anybody's.
var vectorWords = map[string]bool{
	"public": true, "pub": true, "pk": true, "peer": true, "nonce": true, "iv": true, "aad": true,
	"ct": true, "pt": true, "ciphertext": true, "plaintext": true, "enc": true, "tag": true, "msg": true,
	"message": true, "seed": true, "salt": true, "ikm": true, "okm": true, "prk": true, "kat": true,
	"vector": true, "expected": true, "want": true, "digest": true, "mac": true, "hmac": true,
	"sig": true, "signature": true, "shared": true, "exporter": true, "psk": true, "info": true,
}

// testVectorContext reports whether the hex value on line [ls,le) of c sits in a table of test
// vectors: at least two of the six lines either side hold a long hex literal under a key named
// with vector vocabulary (PublicKey, pkRm, base_nonce, ciphertext…).
func testVectorContext(c []byte, ls, le int) bool {
	n := 0
	// Lines before.
	pos := ls
	for k := 0; k < 6 && pos > 0; k++ {
		start := bytes.LastIndexByte(c[:pos-1], '\n') + 1
		if vectorLine(c[start : pos-1]) {
			n++
		}
		pos = start
	}
	// Lines after.
	pos = le
	for k := 0; k < 6 && pos < len(c); k++ {
		start := pos + 1
		end := len(c)
		if i := bytes.IndexByte(c[start:], '\n'); i >= 0 {
			end = start + i
		}
		if vectorLine(c[start:end]) {
			n++
		}
		pos = end
	}
	return n >= 2
}

// vectorLine: a key with vector vocabulary, then a hex run of at least 32 characters.
func vectorLine(l []byte) bool {
	if len(l) > 4096 {
		return false
	}
	h := hexRun(l, 32)
	if h < 0 {
		return false
	}
	for _, w := range identWords(l[:h]) {
		if vectorWords[w] {
			return true
		}
	}
	return false
}

// hexRun returns the start of the first run of at least n hex digits in l, or -1.
func hexRun(l []byte, n int) int {
	run := 0
	for i := 0; i < len(l); i++ {
		if isHex(l[i]) {
			run++
			if run >= n {
				return i + 1 - run
			}
		} else {
			run = 0
		}
	}
	return -1
}

func isHex(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' }

// identWords splits the identifiers of s into lowercase words at separators and camelCase humps:
// "PeerPublicKey" -> peer public key, "base_nonce" -> base nonce, "pkRm" -> pk rm.
func identWords(s []byte) []string {
	var out []string
	start := -1
	flush := func(i int) {
		if start >= 0 && i > start {
			out = append(out, strings.ToLower(string(s[start:i])))
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if start >= 0 && i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				flush(i)
			}
			if start < 0 {
				start = i
			}
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
	return out
}

// stripeTestKey: Stripe test-mode keys move no money and are published in docs and fixtures.
func stripeTestKey(s string) bool {
	for _, p := range []string{"sk_test_", "pk_test_", "rk_test_", "whsec_test"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// allHex reports whether s is only hex digits.
func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return s != ""
}

// jwtPlaceholders are claim values of documentation and test tokens: jwt.io's John Doe, RFC 7519's
// "joe", and the personas and fillers of test suites.
var jwtPlaceholders = map[string]bool{
	"john doe": true, "jane doe": true, "1234567890": true, "joe": true, "xxx": true, "foo": true,
	"bar": true, "alice": true, "bob": true, "charlie": true, "fred": true, "test": true, "testuser": true,
	"test-user": true, "example": true, "payload": true, "load": true, "user@example.com": true, "admin@example.com": true,
}

// jwtDecoy says why a JWT payload is a documentation or test stand-in ("" if it may be a real
// token): no claims at all, or claims that are placeholders.
func jwtDecoy(payload []byte) string {
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	if len(claims) == 0 {
		return "no claims"
	}
	for _, v := range claims {
		switch x := v.(type) {
		case string:
			if jwtPlaceholder(x) {
				return "placeholder claims"
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && jwtPlaceholder(s) {
					return "placeholder claims"
				}
			}
		}
	}
	return ""
}

func jwtPlaceholder(s string) bool {
	ls := strings.ToLower(s)
	if jwtPlaceholders[ls] {
		return true
	}
	host := ls
	if u, err := url.Parse(ls); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	return host == "example.com" || host == "example.org" || host == "example.net" || strings.HasSuffix(host, ".example.com")
}

// jwtExpired returns the expiry of a token whose exp lies before now. An expired token is still
// reported (its issuer may accept clock skew, it shows how tokens leak, and a scan should not
// change its verdict by itself), but at low severity so it does not fail the default gate.
func jwtExpired(payload []byte, now time.Time) (time.Time, bool) {
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil || *claims.Exp >= float64(now.Unix()) {
		return time.Time{}, false
	}
	return time.Unix(int64(*claims.Exp), 0).UTC(), true
}

// docValues are the first 8 bytes of SHA-256 of values that specifications print as examples and
// libraries copy into docstrings and tests: RFC 6749's access, refresh and authorization-code
// tokens and its client s6BhdRkqt3 / gX1fBat3bV. Hashes, so this file trips no scanner itself.
var docValues = map[string]bool{
	"6c96130f130ab0d6": true, "00cf4c781dc37003": true, "a35b81a7d7927b70": true,
	"53f5da0aaa93d64c": true, "9e309cccd311ea64": true, "ed8462e1cfbe0f3a": true,
}

func docValue(s string) bool {
	h := sha256.Sum256([]byte(s))
	return docValues[hex.EncodeToString(h[:8])]
}
