package secrets

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Test inputs never hold a literal secret: rules' tp/fp strings are templates expanded here at test
// time with a seeded generator, so nothing in the repository trips push protection or a scanner.
//
//	{{alnum N}} {{alpha N}} {{lower N}} {{upper N}} {{hex N}} {{HEX N}} {{digits N}}
//	{{b64 N}} {{b64url N}} {{base32 N}} {{b32lower N}}   random characters of that alphabet
//	{{ghtoken}}  30 random base62 + valid CRC32 checksum (GitHub/npm)   {{ghbad}} same, bad checksum
//	{{awsid PREFIX}}  an AWS key id with a decodable account    {{jwt}} a well-formed HS256 JWT
//	{{uuid}}  {{pem KIND}} (RSA, EC, PKCS8, OPENSSH, ENCRYPTED)  {{age}}  {{pgp}}
//	{{lit a b c}} the words joined without spaces (splits a literal so it is not in the source)

// Arguments hold no braces, so nested templates ({{b64of user:{{alnum 20}}}}) expand inside out.
var tmplRe = regexp.MustCompile(`\{\{([a-zA-Z0-9]+)((?: [^ {}]+)*)\}\}`)

const (
	alAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	alAlpha  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	alLower  = "abcdefghijklmnopqrstuvwxyz0123456789"
	alUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alHex    = "0123456789abcdef"
	alDigits = "0123456789"
	alB64    = alAlnum + "+/"
	alB64URL = alAlnum + "_-"
	alB32    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

type gen struct{ r *rand.Rand }

func newGen(seed string) *gen {
	h := fnv.New64a()
	h.Write([]byte(seed))
	return &gen{rand.New(rand.NewPCG(h.Sum64(), 42))}
}

func (g *gen) pick(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *gen) expand(t testing.TB, s string) string {
	for {
		x := g.expandOnce(t, s)
		if x == s {
			return x
		}
		s = x
	}
}

func (g *gen) expandOnce(t testing.TB, s string) string {
	// Template markers that are themselves test subjects ({{ .Values.x }}) do not match tmplRe.
	return tmplRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := tmplRe.FindStringSubmatch(m)
		name, args := sub[1], strings.Fields(sub[2])
		n := 0
		if len(args) > 0 {
			n, _ = strconv.Atoi(args[0])
		}
		switch name {
		case "alnum":
			return g.pick(alAlnum, n)
		case "alpha":
			return g.pick(alAlpha, n)
		case "lower":
			return g.pick(alLower, n)
		case "upper":
			return g.pick(alUpper, n)
		case "hex":
			return g.pick(alHex, n)
		case "HEX":
			return strings.ToUpper(g.pick(alHex, n))
		case "digits":
			return g.pick("123456789", 1) + g.pick(alDigits, n-1)
		case "b64":
			return g.pick(alB64, n)
		case "b64url":
			return g.pick(alB64URL, n)
		case "base32":
			return g.pick(alB32, n)
		case "b32lower":
			return strings.ToLower(g.pick(alB32, n))
		case "ghtoken":
			r := g.pick(alAlnum, 30)
			return r + base62CRC32(r)
		case "ghbad":
			r := g.pick(alAlnum, 30)
			c := []byte(base62CRC32(r))
			c[5] = alAlnum[(strings.IndexByte(alAlnum, c[5])+1)%len(alAlnum)]
			return r + string(c)
		case "awsid":
			return g.awsID(args[0])
		case "jwt":
			return g.jwt()
		case "uuid":
			h := g.pick(alHex, 32)
			return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		case "pem":
			return g.pem(t, args[0])
		case "age":
			return g.age()
		case "pgp":
			return g.pgp()
		case "lit":
			return strings.Join(args, "")
		case "b64of":
			return base64.StdEncoding.EncodeToString([]byte(strings.Join(args, " ")))
		}
		t.Fatalf("unknown template %s", m)
		return ""
	})
}

func (g *gen) awsID(prefix string) string {
	// Account ids are at most 12 digits: keep the top bits of the 40-bit field small.
	var raw [10]byte
	for i := range raw {
		raw[i] = byte(g.r.UintN(256))
	}
	acct := g.r.Uint64N(999999999999)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], acct<<7|uint64(raw[5]&0x7f))
	copy(raw[:6], b[2:])
	return prefix + base32.StdEncoding.EncodeToString(raw[:])[:16]
}

func (g *gen) jwt() string {
	enc := base64.RawURLEncoding.EncodeToString
	h := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p := enc([]byte(fmt.Sprintf(`{"sub":"%s","iat":%d}`, g.pick(alDigits, 8), 1700000000+g.r.IntN(1000000))))
	return h + "." + p + "." + g.pick(alB64URL, 43)
}

func (g *gen) pem(t testing.TB, kind string) string {
	var der []byte
	typ := kind + " PRIVATE KEY"
	switch kind {
	case "RSA":
		k, err := rsa.GenerateKey(g.r2(), 1024)
		if err != nil {
			t.Fatal(err)
		}
		der = x509.MarshalPKCS1PrivateKey(k)
	case "EC":
		k, err := ecdsa.GenerateKey(elliptic.P256(), g.r2())
		if err != nil {
			t.Fatal(err)
		}
		der, _ = x509.MarshalECPrivateKey(k)
	case "PKCS8":
		_, k, _ := ed25519.GenerateKey(g.r2())
		der, _ = x509.MarshalPKCS8PrivateKey(k)
		typ = "PRIVATE KEY"
	case "OPENSSH":
		_, k, _ := ed25519.GenerateKey(g.r2())
		b, err := ssh.MarshalPrivateKey(k, "")
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(b))
	case "ENCRYPTED":
		der = []byte(g.pick(alAlnum, 300))
		typ = "ENCRYPTED PRIVATE KEY"
	case "DSA":
		der = []byte(g.pick(alAlnum, 400))
	default:
		t.Fatalf("pem kind %s", kind)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

type randReader struct{ g *gen }

func (r randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.g.r.UintN(256))
	}
	return len(p), nil
}

func (g *gen) r2() randReader { return randReader{g} }

func (g *gen) age() string {
	data := make([]int, 52) // 32 bytes as 5-bit groups (256/5 rounded up)
	for i := range data {
		data[i] = g.r.IntN(32)
	}
	data[51] &= 0x10 // padding bits zero
	hrp := "age-secret-key-"
	values := []int{}
	for i := 0; i < len(hrp); i++ {
		values = append(values, int(hrp[i]>>5))
	}
	values = append(values, 0)
	for i := 0; i < len(hrp); i++ {
		values = append(values, int(hrp[i]&31))
	}
	values = append(values, data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(values) ^ 1
	var b strings.Builder
	b.WriteString(hrp + "1")
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		b.WriteByte(bech32Charset[(pm>>(5*(5-i)))&31])
	}
	return strings.ToUpper(b.String())
}

func (g *gen) pgp() string {
	raw := make([]byte, 120)
	for i := range raw {
		raw[i] = byte(g.r.UintN(256))
	}
	raw[0] = 0x95 // old-format packet, tag 5 (secret key)
	body := base64.StdEncoding.EncodeToString(raw)
	return "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + body[:64] + "\n" + body[64:] + "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n"
}
