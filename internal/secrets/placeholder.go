package secrets

import (
	"math"
	"regexp"
	"strings"
)

// placeholderWords are parts of values people write instead of a secret. Matched case-insensitively
// anywhere in the candidate; they are long or odd enough that a random token hardly ever holds one.
var placeholderWords = []string{
	"example", "xxxx", "****", "....", "####", "changeme", "change_me", "change-me", "changeit",
	"placeholder", "your_", "your-", "yourkey", "yourtoken", "yoursecret", "<", ">", "${", "{{", "}}",
	"%(", "dummy", "redacted", "replace_", "replaceme", "insert_", "fake_", "fakekey", "faketoken",
	"sample", "process.env", "os.environ", "os.getenv", "getenv(", "secrets.", "env(", "vault:",
	"0000000000", "1234567890", "abcdefghij", "qwertyuiop", "notreal", "not_a_real", "notasecret",
	"foobar", "lorem", "ipsum", "todo", "fixme", "xyz123", "aaaaaaaa", "test_key", "testkey", "testtoken",
	"test-token", "test_token", "secret_key_here", "token_here", "key_here",
}

// genericStopwords are values a generic assignment rule should not take for a password or key.
var genericStopwords = []string{
	"password", "passwd", "secret", "token", "apikey", "api_key", "undefined", "null", "none", "true",
	"false", "required", "optional", "string", "bearer", "basic", "config", "settings", "default",
	"localhost", "admin", "username", "example", "test", "mock", "stub",
}

var checksummedPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"}

var (
	uuidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	hexRe    = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	bcryptRe = regexp.MustCompile(`^\$(2[abxy]?|argon2i?d?|scrypt|pbkdf2[-_a-z0-9]*|[156])\$`)
	// hashContext marks a line that talks about digests, not credentials.
	hashContext = regexp.MustCompile(`(?i)sha[-_]?(1|256|384|512)|\bdigest\b|checksum|integrity|\bcommit\b|\brevision\b|\bhash\b|\bh1:`)
)

// isPlaceholder reports values that are clearly not real secrets: template syntax, environment
// lookups, documentation stand-ins and degenerate strings.
func isPlaceholder(s string) bool {
	if len(s) < 4 {
		return true
	}
	ls := strings.ToLower(s)
	for _, w := range placeholderWords {
		if strings.Contains(ls, w) {
			return true
		}
	}
	if formatVerb(s) {
		return true
	}
	if s[0] == '%' && s[len(s)-1] == '%' { // %VAR% (Windows environment)
		return true
	}
	if s[0] == '$' && len(s) > 1 && (s[1] == '{' || s[1] == '(' || s[1] == '_' || isUpper(s[1])) {
		return true
	}
	return degenerate(s)
}

// degenerate is true for strings with too few distinct characters or a long run of one character:
// "aaaaaaaaaaaaaaaa", "abababababababab", "0000…1".
func degenerate(s string) bool {
	var seen [256]bool
	distinct, run, maxRun := 0, 0, 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			distinct++
		}
		if i > 0 && s[i] == s[i-1] {
			run++
		} else {
			run = 1
		}
		maxRun = max(maxRun, run)
	}
	if len(s) >= 8 && distinct <= 3 {
		return true
	}
	return maxRun >= 6 && maxRun*3 >= len(s)
}

// genericReject holds the extra decoys of assignment-style rules: UUIDs, hashes and digests,
// password hashes, file paths, URLs and plain words.
// key is the matched text before the value (the variable or field name and the operator).
func genericReject(secret, key, line string) bool {
	quoted := strings.HasSuffix(key, `"`) || strings.HasSuffix(key, "'") || strings.HasSuffix(key, "`")
	if referenceKey(key) || identifierValue(secret) || leetWords(strings.ToLower(secret)) || !quoted && dottedIdent(secret) {
		return true
	}
	// A JWT that the jwt rule's validator turns down (expired, jwt.io's John Doe) is no better
	// under a generic name.
	if strings.HasPrefix(secret, "eyJ") && strings.Count(secret, ".") == 2 && validateJWT(secret).reject {
		return true
	}
	// References, not values: ARNs, URNs, SigV4 credential scopes (AKID/date/region/service/aws4_request).
	if strings.HasPrefix(secret, "arn:") || strings.HasPrefix(secret, "urn:") || strings.Contains(secret, "aws4_request") {
		return true
	}
	// A value shaped like a checksummed token whose checksum fails is a fake, not a password.
	for _, p := range checksummedPrefixes {
		if strings.HasPrefix(secret, p) && checksumToken(secret).reject {
			return true
		}
	}
	if stripeTestKey(secret) || containsStopwordExact(secret) || uuidRe.MatchString(secret) || bcryptRe.MatchString(secret) {
		return true
	}
	if strings.Contains(secret, "://") || filePath(secret) {
		return true
	}
	if hexRe.MatchString(secret) && digestLength(len(secret)) && (hashName(key) || hashContext.MatchString(line)) {
		return true
	}
	// A connection string without a password field (Host=db;Port=5432) names a server; one with
	// Password= or AccountKey= is the ADO and Azure rules' to report, with the password as the secret.
	if strings.Contains(secret, "=") && connectionName(key) {
		return true
	}
	// SRI integrity (sha512-…) and OCI/content digests (sha256:<hex>).
	for _, p := range []string{"sha1-", "sha256-", "sha384-", "sha512-", "sha1:", "sha256:", "sha384:", "sha512:", "md5:"} {
		if strings.HasPrefix(secret, p) {
			return true
		}
	}
	return looksLikeText(secret)
}

// digestLength: hex digests are 32 (MD5, ETags), 40 (SHA-1, git), 64 (SHA-256), 96 or 128 digits.
func digestLength(n int) bool { return n == 32 || n == 40 || n == 64 || n == 96 || n == 128 }

// hashWords name a value that identifies content (a commit, a digest) and unlocks nothing.
var hashWords = map[string]bool{
	"commit": true, "sha": true, "sha1": true, "sha224": true, "sha256": true, "sha384": true, "sha512": true,
	"md5": true, "shasum": true, "sha1sum": true, "sha256sum": true, "md5sum": true, "rev": true,
	"revision": true, "hash": true, "digest": true, "checksum": true, "etag": true, "fingerprint": true,
	"integrity": true, "oid": true,
}

// hashQualifiers may follow the noun that decides: commit_id, sha_hex, digest_value.
var hashQualifiers = map[string]bool{"id": true, "hex": true, "value": true, "str": true, "string": true}

// hashName reports whether the assigned name is a digest's: its head noun (the last word, past a
// qualifier) is a hash word. The head decides, not any word: TOKEN_SHA and GIT_COMMIT hold
// digests, but GIT_COMMIT_TOKEN and POSTGRES_PASSWORD hold credentials whatever their shape (a
// 40-hex value is also what GitHub's classic tokens looked like).
func hashName(key string) bool {
	w := nameWords(key)
	for len(w) > 1 && hashQualifiers[w[len(w)-1]] {
		w = w[:len(w)-1]
	}
	return len(w) > 0 && hashWords[w[len(w)-1]]
}

// connectionName: the name's head is "connection" (DB_CONNECTION, STORAGE_CONNECTION_STRING).
func connectionName(key string) bool {
	w := nameWords(key)
	for len(w) > 1 && (w[len(w)-1] == "string" || w[len(w)-1] == "strings" || w[len(w)-1] == "str") {
		w = w[:len(w)-1]
	}
	return len(w) > 0 && w[len(w)-1] == "connection"
}

// nameWords are the words of the assigned name in key, the match text before the value: its first
// line (multi-line rules put the name there and the value on the next), up to the operator.
func nameWords(key string) []string {
	if i := strings.IndexByte(key, '\n'); i >= 0 {
		key = key[:i]
	}
	end := len(key)
	for end > 0 && !isAlnum(key[end-1]) {
		end--
	}
	return identWords([]byte(key[:end]))
}

// filePath is true for /absolute and ./relative paths. Base64 starts with '/' one time in 64 (AWS
// secret keys, for one), so a value whose segments hold a token-like run (12+ characters mixing
// upper case, lower case and digits) is no path.
func filePath(s string) bool {
	if !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "./") {
		return false
	}
	for _, seg := range strings.Split(s, "/") {
		if len(seg) >= 12 && strings.ContainsAny(seg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(seg, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(seg, "0123456789") {
			return false
		}
	}
	return true
}

// refSuffixes end names that hold something about a secret, not the secret: secretName,
// SECRETS_SCAN_OMIT_PATHS, tokenURL, password_encryption, token_type. ("id" is not one of them:
// Vault's secret_id is a credential.)
var refSuffixes = map[string]bool{
	"name": true, "names": true, "path": true, "paths": true, "file": true, "files": true, "url": true,
	"uri": true, "ref": true, "arn": true, "type": true, "header": true, "field": true, "env": true,
	"var": true, "length": true, "len": true, "ttl": true, "version": true, "count": true, "encryption": true,
	"algorithm": true, "alg": true, "method": true, "mode": true, "policy": true, "format": true,
	"endpoint": true, "prefix": true, "dir": true, "label": true, "template": true,
}

// referenceKey reports whether the last word of the assigned name is a reference suffix.
func referenceKey(key string) bool {
	// The name ends where the operator starts.
	end := len(key)
	for end > 0 && !isAlnum(key[end-1]) {
		end--
	}
	w := identWords([]byte(key[:end]))
	return len(w) > 1 && refSuffixes[w[len(w)-1]]
}

// secretWords inside a value make it an identifier or a description, not a random credential:
// v1.AuthenticationToken, server-valid-token-1, GetAuthorizationToken.
var secretWords = map[string]bool{
	"token": true, "tokens": true, "secret": true, "secrets": true, "password": true, "passwd": true,
	"credential": true, "credentials": true, "authorization": true, "authentication": true,
}

func identifierValue(s string) bool {
	for _, w := range identWords([]byte(s)) {
		if secretWords[w] {
			return true
		}
	}
	return false
}

func containsStopwordExact(s string) bool {
	ls := strings.ToLower(s)
	for _, w := range genericStopwords {
		if ls == w {
			return true
		}
	}
	return false
}

// looksLikeText is true for identifiers and prose: letters only, split by separators, with no digit
// anywhere and no case change inside a segment (random tokens almost always have one of those).
func looksLikeText(s string) bool {
	digits, caseFlips, letters := 0, 0, 0
	prevLower := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			prevLower = false
		case c >= 'a' && c <= 'z':
			letters++
			prevLower = true
		case c >= 'A' && c <= 'Z':
			letters++
			if prevLower {
				caseFlips++
			}
			prevLower = false
		case c == '_' || c == '-' || c == '.' || c == '/' || c == ' ' || c == ':':
			prevLower = false
		default:
			return false // *, %, +, !, #…: password punctuation, not an identifier's
		}
	}
	if digits > 0 {
		return false
	}
	// camelCase identifiers flip case once per word; random mixed-case tokens flip far more often.
	return caseFlips*5 <= letters
}

// formatVerb finds a printf verb (%s, %v, %d) standing alone: "user:%s", "%s@host". Random
// passwords hold "%s" followed by more token characters, which is no verb.
func formatVerb(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && (s[i+1] == 's' || s[i+1] == 'v' || s[i+1] == 'd') {
			if i+2 == len(s) || !isAlnum(s[i+2]) {
				return true
			}
		}
	}
	return false
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// isSlug is true for lowercase words joined by '-' or '_' ("cloudflare-enters-multicloud-networking"):
// a URL slug or an identifier, never a random token.
func isSlug(s string) bool {
	seps := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' || c == '_':
			seps++
		case c < 'a' || c > 'z':
			return false
		}
	}
	return seps >= 2
}

// pathLike is true for a file path a context rule took for a token ("/plexus/components/cipher/
// Base64" after "sonatype"): slash-separated segments, at least two of them lowercase words.
func pathLike(s string) bool {
	if strings.Count(s, "/") < 2 {
		return false
	}
	segs := strings.Split(s, "/")
	if strings.Contains(segs[0], ".") || strings.Contains(s, "://") {
		return false // a URL: webhook rules take host and path as the secret
	}
	words := 0
	for _, g := range segs {
		if len(g) >= 4 && strings.Trim(g, "abcdefghijklmnopqrstuvwxyz") == "" {
			words++
		}
	}
	return words >= 2 && words*2 >= len(segs)-1
}

// dottedIdent is true for module.Name and ed25519.Ed25519PrivateKey: code, when not quoted.
func dottedIdent(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	words, upper, letters := 0, 0, 0
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			upper++
			letters++
		} else if s[i] >= 'a' && s[i] <= 'z' {
			letters++
		}
	}
	// Identifiers are mostly lowercase (camelCase, snake_case); random tokens are half upper.
	if upper*3 > letters {
		return false
	}
	for _, p := range parts {
		if p == "" || !(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z' || p[0] == '_') {
			return false
		}
		for i := 0; i < len(p); i++ {
			if !isAlnum(p[i]) && p[i] != '_' {
				return false
			}
		}
		// Identifiers are made of words; a dotted random token (a kubeadm bootstrap token
		// abcdef.0123456789abcdef) is not.
		for _, w := range identWords([]byte(p)) {
			if len(w) >= 3 && strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") == "" {
				words++
			}
		}
	}
	return words >= 2
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

// shannon returns the Shannon entropy of s in bits per byte.
func shannon(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
