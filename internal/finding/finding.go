package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kind says which scanner family produced a finding.
type Kind string

// Finding kinds. A new scanner adds its kind here and nothing else changes.
const (
	KindSecret    Kind = "secret"
	KindVuln      Kind = "vuln"
	KindMisconfig Kind = "misconfig"
	KindLicense   Kind = "license"
	KindUnpinned  Kind = "unpinned"
)

// Commit names where in history a finding was introduced.
type Commit struct {
	Hash    string    `json:"hash"`
	Author  string    `json:"author,omitempty"`
	Email   string    `json:"email,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	Message string    `json:"message,omitempty"`
}

// Location points at the finding. Path is slash-separated and relative to the scan root.
// Lines and columns are 1-based; zero means unknown.
type Location struct {
	Path        string  `json:"path"`
	StartLine   int     `json:"startLine,omitempty"`
	EndLine     int     `json:"endLine,omitempty"`
	StartColumn int     `json:"startColumn,omitempty"`
	EndColumn   int     `json:"endColumn,omitempty"`
	Commit      *Commit `json:"commit,omitempty"`
	// Resource names the object inside the file: a Kubernetes kind/name, a Terraform address.
	Resource string `json:"resource,omitempty"`
	// Layer is the image layer digest the file came from, for container images.
	Layer string `json:"layer,omitempty"`
}

// Secret is what a report may say about a detected credential: never the value itself.
type Secret struct {
	// Redacted is a short prefix of the match followed by "…"; enough to recognise, not to use.
	Redacted string `json:"redacted"`
	// Hash is the hex SHA-256 of the secret value, so a leak can be matched across reports and rotations.
	Hash string `json:"hash"`
	// Validated is true when an offline check (checksum, key parse, structure) confirmed the value.
	Validated bool    `json:"validated"`
	Entropy   float64 `json:"entropy,omitempty"`
	// Note carries validator detail such as "encrypted private key".
	Note string `json:"note,omitempty"`
}

// Vuln describes a known vulnerability in a package.
type Vuln struct {
	ID           string     `json:"id"`
	Aliases      []string   `json:"aliases,omitempty"`
	Summary      string     `json:"summary,omitempty"`
	Ecosystem    string     `json:"ecosystem"`
	Package      string     `json:"package"`
	Version      string     `json:"version"`
	PURL         string     `json:"purl,omitempty"`
	FixedVersion string     `json:"fixedVersion,omitempty"`
	CVSSVector   string     `json:"cvssVector,omitempty"`
	CVSSScore    float64    `json:"cvssScore,omitempty"`
	Published    *time.Time `json:"published,omitempty"`
	// FixPublished is when the first fixing release became known, for age/SLA rules.
	FixPublished *time.Time `json:"fixPublished,omitempty"`
	Manifest     string     `json:"manifest,omitempty"`
}

// Suppression records why the gate did not count a finding: a waiver, a VEX statement, an inline ignore.
type Suppression struct {
	Kind          string     `json:"kind"` // waiver, vex, inline, baseline
	Reason        string     `json:"reason,omitempty"`
	Owner         string     `json:"owner,omitempty"`
	Expires       *time.Time `json:"expires,omitempty"`
	Justification string     `json:"justification,omitempty"`
	Source        string     `json:"source,omitempty"`
}

// Finding is the one result type. Every scanner emits it, every formatter and the server read it.
type Finding struct {
	Kind        Kind     `json:"kind"`
	RuleID      string   `json:"ruleId"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	References  []string `json:"references,omitempty"`
	Location    Location `json:"location"`
	// Fingerprint is stable across line shifts, re-runs and machines; see Fingerprint.
	Fingerprint string `json:"fingerprint"`

	Secret *Secret `json:"secret,omitempty"`
	Vuln   *Vuln   `json:"vuln,omitempty"`
	// License is the SPDX id (or UNKNOWN) for license findings.
	License string `json:"license,omitempty"`

	// Status is set by the gate: "" or "new" (counts), "existing" (in the baseline), "suppressed".
	Status      string       `json:"status,omitempty"`
	Suppression *Suppression `json:"suppression,omitempty"`
}

// Fingerprint hashes the parts that identify a finding independent of where in the file it sits:
// kind, rule and path plus whatever the scanner says was found (a secret's hash, a package@version,
// a resource and key). It never takes raw secret material — pass its hash.
func Fingerprint(kind Kind, ruleID, path string, what ...string) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	for _, w := range what {
		h.Write([]byte{0})
		h.Write([]byte(w))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// HashSecret is the hash a report carries for a secret value.
func HashSecret(value string) string {
	s := sha256.Sum256([]byte(value))
	return hex.EncodeToString(s[:])
}

// Redact keeps a prefix short enough that the remainder cannot be guessed: at most 4 characters,
// and never more than a quarter of the value.
func Redact(value string) string {
	n := len(value) / 4
	if n > 4 {
		n = 4
	}
	// Do not cut inside a multi-byte rune.
	for n > 0 && n < len(value) && !utf8Start(value[n]) {
		n--
	}
	return strings.TrimSpace(value[:n]) + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Counts is the number of findings at each severity.
func Counts(fs []Finding) map[Severity]int {
	m := make(map[Severity]int, 5)
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}
