package secrets

import (
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash/crc32"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// verdict is what an offline validator says about a candidate.
type verdict struct {
	// reject drops the candidate: its structure proves it is not a credential (a bad checksum).
	reject bool
	// validated means a checksum or a parse confirmed the structure.
	validated bool
	// strong validation (checksum, key parse) also overrides the placeholder word list.
	strong bool
	note   string
	// low reports the finding at low severity: the credential is real but no longer usable as is.
	low bool
}

type validator func(secret string) verdict

var validators = map[string]validator{
	"github":       validateGitHub,
	"github-ghs":   validateGitHubInstallation,
	"npm":          validateNPM,
	"aws-key-id":   validateAWSKeyID,
	"jwt":          validateJWT,
	"pypi":         validatePyPI,
	"pem":          validatePEM,
	"openssh":      validatePEM,
	"pgp":          validatePGP,
	"putty":        validatePuTTY,
	"age":          validateAge,
	"basic-auth":   validateBasicAuth,
	"url-password": validateURLPassword,
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32 is the checksum GitHub and npm append to their tokens: CRC-32 (IEEE) of the random
// part, in base62 (digits, upper, lower), left-padded with '0' to 6 characters.
func base62CRC32(random string) string {
	v := crc32.ChecksumIEEE([]byte(random))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base62[v%62]
		v /= 62
	}
	return string(b[:])
}

// checksumToken verifies prefix + 30 random + 6 checksum characters.
func checksumToken(secret string) verdict {
	i := strings.IndexByte(secret, '_')
	if i < 0 || len(secret)-i-1 != 36 {
		return verdict{reject: true}
	}
	body := secret[i+1:]
	if base62CRC32(body[:30]) != body[30:] {
		return verdict{reject: true, note: "checksum mismatch"}
	}
	return verdict{validated: true, strong: true, note: "checksum valid"}
}

func validateGitHub(secret string) verdict {
	if strings.HasPrefix(secret, "github_pat_") {
		// Fine-grained tokens carry no public checksum: structure only.
		return verdict{}
	}
	if strings.HasPrefix(secret, "ghs_") && strings.Count(secret, ".") == 2 {
		return validateGitHubInstallation(secret)
	}
	return checksumToken(secret)
}

// validateGitHubInstallation accepts both installation token shapes: the classic 40-character one
// with a checksum and the 2026 stateless ghs_<appid>_<jwt>.
func validateGitHubInstallation(secret string) verdict {
	rest := strings.TrimPrefix(secret, "ghs_")
	i := strings.IndexByte(rest, '_')
	if i <= 0 || strings.Count(rest, ".") != 2 {
		return checksumToken(secret)
	}
	if _, err := strconv.ParseUint(rest[:i], 10, 64); err != nil {
		return verdict{reject: true}
	}
	v := validateJWT(rest[i+1:])
	if v.reject {
		return v
	}
	v.note = "stateless installation token for app " + rest[:i]
	return v
}

func validateNPM(secret string) verdict { return checksumToken(secret) }

// validateAWSKeyID checks the base32 alphabet and decodes the account id embedded in current key ids
// (bits 7..46 of the base32-decoded body; see AWS's key id layout).
func validateAWSKeyID(secret string) verdict {
	if len(secret) != 20 {
		return verdict{reject: true}
	}
	body := secret[4:]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return verdict{reject: true, note: "not base32"}
		}
	}
	raw, err := base32.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < 6 {
		return verdict{reject: true}
	}
	var buf [8]byte
	copy(buf[2:], raw[:6])
	acct := (binary.BigEndian.Uint64(buf[:]) & 0x7fffffffff80) >> 7
	if acct > 999999999999 {
		return verdict{reject: true, note: "no account id"}
	}
	return verdict{validated: true, note: "account " + leftPad(strconv.FormatUint(acct, 10), 12)}
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// validateJWT requires a JSON header with an alg; a payload that is not JSON rejects.
func validateJWT(secret string) verdict {
	parts := strings.Split(secret, ".")
	if len(parts) != 3 {
		return verdict{reject: true}
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	h, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil || json.Unmarshal(h, &hdr) != nil || hdr.Alg == "" {
		return verdict{reject: true, note: "header has no alg"}
	}
	p, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || !json.Valid(p) {
		return verdict{reject: true}
	}
	if why := jwtDecoy(p); why != "" {
		return verdict{reject: true, note: why}
	}
	note := "alg " + hdr.Alg
	if strings.EqualFold(hdr.Alg, "none") {
		note += " (unsigned)"
	}
	v := verdict{validated: true, note: note}
	if exp, ok := jwtExpired(p, time.Now()); ok {
		v.note += ", expired " + exp.Format("2006-01-02")
		v.low = true
	}
	return v
}

// validatePyPI: PyPI tokens are macaroons whose first caveat names the index; "pypi-" + base64 of
// the macaroon header for pypi.org or test.pypi.org.
func validatePyPI(secret string) verdict {
	if strings.HasPrefix(secret, "pypi-AgEIcHlwaS5vcmc") {
		return verdict{validated: true, strong: true, note: "pypi.org macaroon"}
	}
	if strings.HasPrefix(secret, "pypi-AgENdGVzdC5weXBpLm9yZw") {
		return verdict{validated: true, strong: true, note: "test.pypi.org macaroon"}
	}
	return verdict{reject: true}
}

// validatePEM parses private key blocks: PKCS#1, PKCS#8, SEC 1 and OpenSSH. Encrypted keys are noted
// (and still reported: the passphrase is often beside them).
func validatePEM(secret string) verdict {
	block, _ := pem.Decode([]byte(normalizePEM(secret)))
	if block == nil {
		return verdict{reject: true, note: "not PEM"}
	}
	if len(block.Bytes) < 32 {
		return verdict{reject: true, note: "body too short"}
	}
	encrypted := block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED")
	if encrypted {
		return verdict{validated: true, strong: true, note: "encrypted private key"}
	}
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "OPENSSH PRIVATE KEY":
		_, err = ssh.ParseRawPrivateKey(pem.EncodeToMemory(block))
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return verdict{validated: true, strong: true, note: "encrypted private key"}
		}
	default:
		// DSA and other kinds: the body decoded as base64 is as far as we go offline.
		return verdict{note: strings.ToLower(block.Type)}
	}
	if err != nil {
		return verdict{note: "does not parse as a key"}
	}
	return verdict{validated: true, strong: true, note: "parses as " + strings.ToLower(block.Type)}
}

// normalizePEM undoes the escaping a key gets inside a JSON or code string ("\n" as two characters),
// so service-account JSON files validate too.
func normalizePEM(s string) string {
	if strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\r\n`, "\n")
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	// A key in a YAML block scalar, a heredoc or a comment is indented; pem.Decode wants the END
	// line at the start of a line.
	if strings.Contains(s, "\n ") || strings.Contains(s, "\n\t") {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimLeft(l, " \t")
		}
		s = strings.Join(lines, "\n")
	}
	return s
}

func validatePGP(secret string) verdict {
	body := armorBody(secret)
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < 32 {
		return verdict{reject: true}
	}
	// An OpenPGP packet header has its top bit set; tag 5 is a secret key packet.
	if raw[0]&0x80 == 0 {
		return verdict{reject: true}
	}
	return verdict{validated: true, strong: true, note: "OpenPGP secret key packet"}
}

// armorBody extracts the base64 of an armored block: lines after the blank line separating headers,
// up to the "=" checksum line.
func armorBody(s string) string {
	s = normalizePEM(s)
	lines := strings.Split(s, "\n")
	var b strings.Builder
	inBody := false
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "-----") || strings.HasPrefix(l, "=") && len(l) == 5 {
			break
		}
		if !inBody {
			if l == "" || !strings.Contains(l, ":") {
				inBody = true
				if l == "" {
					continue
				}
			} else {
				continue
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func validatePuTTY(secret string) verdict {
	if !strings.Contains(secret, "Private-Lines:") {
		return verdict{reject: true}
	}
	if strings.Contains(secret, "Encryption: none") {
		return verdict{validated: true, strong: true}
	}
	return verdict{validated: true, strong: true, note: "encrypted private key"}
}

// validateAge verifies the Bech32 checksum of an age X25519 identity.
func validateAge(secret string) verdict {
	s := strings.ToLower(secret)
	i := strings.LastIndexByte(s, '1')
	if i < 1 || !bech32Verify(s[:i], s[i+1:]) {
		return verdict{reject: true, note: "bad bech32 checksum"}
	}
	return verdict{validated: true, strong: true, note: "bech32 checksum valid"}
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Verify(hrp, data string) bool {
	values := make([]int, 0, len(hrp)*2+1+len(data))
	for i := 0; i < len(hrp); i++ {
		values = append(values, int(hrp[i]>>5))
	}
	values = append(values, 0)
	for i := 0; i < len(hrp); i++ {
		values = append(values, int(hrp[i]&31))
	}
	for i := 0; i < len(data); i++ {
		d := strings.IndexByte(bech32Charset, data[i])
		if d < 0 {
			return false
		}
		values = append(values, d)
	}
	return bech32Polymod(values) == 1
}

func bech32Polymod(values []int) int {
	gen := [5]int{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := 1
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}
