package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

const (
	alnum   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	lowerN  = "0123456789abcdefghijklmnopqrstuvwxyz"
	hexchar = "0123456789abcdef"
	b32     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b64     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b64url  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	digits  = "0123456789"
	// pwchars avoids quotes and backslashes so a password survives every file syntax unescaped.
	pwchars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%*+-._~"
)

// gen holds the seeded source; every random value in the corpus comes from it.
type gen struct{ r *mrand.Rand }

func (g gen) str(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// base62 of a CRC32, left-padded to 6 digits: the checksum GitHub and npm put at a token's end.
func crcBase62(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	var out []byte
	for n > 0 {
		out = append([]byte{alnum[n%62]}, out...)
		n /= 62
	}
	for len(out) < 6 {
		out = append([]byte{'0'}, out...)
	}
	return string(out)
}

func (g gen) checksummed(prefix string) string {
	body := g.str(alnum, 30)
	return prefix + body + crcBase62(body)
}

// badChecksum keeps the shape of a checksummed token but breaks the CRC, so it must not fire.
func (g gen) badChecksum(prefix string) string {
	for {
		body := g.str(alnum, 30)
		sum := g.str(alnum, 6)
		if sum != crcBase62(body) {
			return prefix + body + sum
		}
	}
}

func (g gen) githubPAT() string   { return g.checksummed("ghp_") }
func (g gen) githubOAuth() string { return g.checksummed("gho_") }
func (g gen) githubApp() string   { return g.checksummed("ghs_") }
func (g gen) githubFine() string {
	return "github_pat_11" + g.str(strings.ToUpper(alnum[:36]), 20) + "_" + g.str(alnum, 59)
}
func (g gen) npm() string { return g.checksummed("npm_") }

func (g gen) awsKeyID() string  { return g.pick("AKIA", "ASIA") + g.str(b32[:26]+"234567", 16) }
func (g gen) awsSecret() string { return g.str(b64, 40) }
func (g gen) slackBot() string {
	return "xoxb-" + g.str(digits, 12) + "-" + g.str(digits, 13) + "-" + g.str(alnum, 24)
}
func (g gen) slackWebhook() string {
	return "https://hooks.slack.com/services/T" + g.str(b32[:26]+"0123456789", 10) + "/B" + g.str(b32[:26]+"0123456789", 10) + "/" + g.str(alnum, 24)
}
func (g gen) stripeLive() string { return g.pick("sk_live_", "rk_live_") + "51" + g.str(alnum, 96) }
func (g gen) stripeTest() string { return "sk_test_51" + g.str(alnum, 96) }
func (g gen) openAI() string {
	return "sk-proj-" + g.str(b64url, 74) + "T3BlbkFJ" + g.str(b64url, 74)
}
func (g gen) anthropic() string   { return "sk-ant-api03-" + g.str(b64url, 93) + "AA" }
func (g gen) gitlab() string      { return "glpat-" + g.str(alnum+"-_", 20) }
func (g gen) googleAPI() string   { return "AIza" + g.str(alnum+"-_", 35) }
func (g gen) sendgrid() string    { return "SG." + g.str(alnum+"-_", 22) + "." + g.str(alnum+"-_", 43) }
func (g gen) twilio() string      { return "SK" + g.str(hexchar, 32) }
func (g gen) huggingface() string { return "hf_" + g.str(alnum[10:], 34) }
func (g gen) digitalocean() string {
	return "dop_v1_" + g.str(hexchar, 64)
}
func (g gen) shopify() string    { return "shpat_" + g.str(hexchar, 32) }
func (g gen) dockerhub() string  { return "dckr_pat_" + g.str(alnum+"-_", 27) }
func (g gen) vault() string      { return "hvs." + g.str(alnum+"-_", 90) }
func (g gen) linear() string     { return "lin_api_" + g.str(alnum, 40) }
func (g gen) databricks() string { return "dapi" + g.str(hexchar, 32) }
func (g gen) newrelic() string   { return "NRAK-" + g.str(b32[:26]+"0123456789", 27) }
func (g gen) pulumi() string     { return "pul-" + g.str(hexchar, 40) }

// age identities are Bech32 (BIP 173) with the HRP "age-secret-key-", upper-cased: a valid
// checksum, so a scanner that verifies it still sees a real key.
func (g gen) age() string {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(g.r.IntN(256))
	}
	return strings.ToUpper(bech32Encode("age-secret-key-", key))
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32Encode(hrp string, data []byte) string {
	// 8-bit bytes to 5-bit groups, padded.
	var groups []byte
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			groups = append(groups, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		groups = append(groups, byte(acc<<(5-bits)&31))
	}
	var values []byte
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]>>5)
	}
	values = append(values, 0)
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]&31)
	}
	values = append(values, groups...)
	pm := bech32Polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ 1
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	out := []byte(hrp + "1")
	for _, g := range groups {
		out = append(out, charset[g])
	}
	for i := 0; i < 6; i++ {
		out = append(out, charset[pm>>(5*(5-i))&31])
	}
	return string(out)
}
func (g gen) pypi() string {
	return "pypi-AgEIcHlwaS5vcmc" + g.str(b64url, 70)
}
func (g gen) tfcloud() string {
	return g.str(alnum, 14) + ".atlasv1." + g.str(alnum+"-_=", 67)
}
func (g gen) azureStorage() string {
	return "DefaultEndpointsProtocol=https;AccountName=" + g.str(lowerN, 12) + ";AccountKey=" + g.str(b64, 86) + "==;EndpointSuffix=core.windows.net"
}
func (g gen) discordWebhook() string {
	return "https://discord.com/api/webhooks/" + g.str(digits, 18) + "/" + g.str(b64url, 68)
}
func (g gen) password() string { return g.str(pwchars, 14+g.r.IntN(12)) }
func (g gen) hexSecret(n int) string {
	return g.str(hexchar, n)
}

func (g gen) jwt() string {
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	iat := 1700000000 + g.r.IntN(50000000)
	body := fmt.Sprintf(`{"sub":"%d","name":"svc-%s","iat":%d,"exp":%d,"scope":"read write"}`, g.r.IntN(1e6), g.str(lowerN, 6), iat, iat+86400*30)
	pl := base64.RawURLEncoding.EncodeToString([]byte(body))
	m := hmac.New(sha256.New, []byte(g.str(alnum, 32)))
	m.Write([]byte(hdr + "." + pl))
	return hdr + "." + pl + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (g gen) dbURI() string {
	user := g.pick("app", "svc_orders", "billing", "admin_ro", "etl")
	host := g.pick("db.internal", "10.0.12.7", "prod-pg.cluster-c9x.eu-west-1.rds.amazonaws.com", "mongo-0.mongo", "cache.prod")
	pw := g.str(alnum, 16+g.r.IntN(8))
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("postgres://%s:%s@%s:5432/%s?sslmode=require", user, pw, host, user)
	case 1:
		return fmt.Sprintf("mysql://%s:%s@%s:3306/shop", user, pw, host)
	case 2:
		return fmt.Sprintf("mongodb+srv://%s:%s@%s/orders?retryWrites=true", user, pw, host)
	default:
		return fmt.Sprintf("redis://default:%s@%s:6379/0", pw, host)
	}
}

// Keys: crypto/rsa ignores a custom random source in recent Go, so key material comes from
// crypto/rand and differs between runs; only the layout (and so the labels) is seeded.
func rsaPEM() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func ecPEM() string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalECPrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

func (g gen) ed25519PKCS8() string {
	seed := []byte(g.str(alnum, ed25519.SeedSize))
	der, _ := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seed))
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func (g gen) openSSH() string {
	seed := []byte(g.str(alnum, ed25519.SeedSize))
	blk, err := ssh.MarshalPrivateKey(ed25519.NewKeyFromSeed(seed), "deploy@ci")
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(blk))
}

func (g gen) sshPublic() string {
	seed := []byte(g.str(alnum, ed25519.SeedSize))
	pub, _ := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " ops@laptop"
}

func publicPEM() string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func certPEM() string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "api.internal.example"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{"api.internal.example"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func (g gen) uuid() string {
	h := g.str(hexchar, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func (g gen) gitSHA() string { return g.str(hexchar, 40) }

func (g gen) bcrypt() string {
	return "$2a$" + g.pick("10", "12") + "$" + g.str("./"+alnum, 53)
}

func (g gen) sha512Integrity() string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return "sha512-" + base64.StdEncoding.EncodeToString(b)
}

func (g gen) goSumHash() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return "h1:" + base64.StdEncoding.EncodeToString(b)
}

func (g gen) sha256Hex() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return hex.EncodeToString(b)
}
