package finding

import (
	"cmp"
	"slices"
	"time"
)

// SchemaVersion is the version of the JSON report (schema/report.schema.json). Bump on any
// incompatible change; readers refuse majors they do not know.
const SchemaVersion = "1.0"

// Package is one dependency found in a manifest, lockfile, binary, image or SBOM.
type Package struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	PURL      string   `json:"purl,omitempty"`
	Manifest  string   `json:"manifest,omitempty"` // path relative to the scan root
	Line      int      `json:"line,omitempty"`
	Direct    *bool    `json:"direct,omitempty"` // nil when the lockfile does not say
	Licenses  []string `json:"licenses,omitempty"`
	Layer     string   `json:"layer,omitempty"`
	LayerCmd  string   `json:"layerCommand,omitempty"`
	// SourceName is the source package for OS packages (Debian source, Alpine origin).
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
}

// Skipped records a file the scan did not analyse, and why. Nothing is dropped silently.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"` // one of the Skip* reasons
	Detail string `json:"detail,omitempty"`
}

// Reasons a file is skipped.
const (
	SkipBinary      = "binary"
	SkipTooLarge    = "too-large"
	SkipUnreadable  = "unreadable"
	SkipNotRegular  = "not-regular"
	SkipSymlinkOut  = "symlink-outside-target"
	SkipSymlinkLoop = "symlink-loop"
	SkipSymlink     = "symlink" // points inside the target; scanned where it lives
	SkipIgnoreFile  = "ignore-file-error"
	SkipParseError  = "parse-error"
	SkipAnalyzer    = "analyzer-error"
)

// Target says what was scanned.
type Target struct {
	Kind string `json:"kind"` // dir, history, staged, image, sbom
	Name string `json:"name"`
	// Ref is the git ref range for history scans (e.g. "main..HEAD").
	Ref    string `json:"ref,omitempty"`
	OS     string `json:"os,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// Tool identifies the producer of a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Stats counts the work done.
type Stats struct {
	Files           int            `json:"files"`
	Bytes           int64          `json:"bytes"`
	Commits         int            `json:"commits,omitempty"`
	Skipped         int            `json:"skipped"`
	SkippedByReason map[string]int `json:"skippedByReason,omitempty"`
}

// Timing is the wall time of one phase.
type Timing struct {
	Phase        string  `json:"phase"`
	Milliseconds float64 `json:"ms"`
}

// Reason is one line of the gate's explanation.
type Reason struct {
	// Rule names the policy rule: fail-on, validated-secret, license-deny, waiver-expired, not-checked…
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Effect is fail, warn or info.
	Effect       string   `json:"effect"`
	Fingerprints []string `json:"fingerprints,omitempty"`
}

// Verdict outcomes.
const (
	Pass = "pass"
	Warn = "warn"
	Fail = "fail"
)

// Verdict is the gate's decision with every reason spelled out.
type Verdict struct {
	Result  string   `json:"result"`
	FailOn  string   `json:"failOn,omitempty"`
	Reasons []Reason `json:"reasons"`
	// Counted is how many findings counted against the gate, by severity.
	Counted map[string]int `json:"counted,omitempty"`
}

// Report is the one value a scan produces; formatters and the server read only this.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	Target        Target    `json:"target"`
	Scanners      []string  `json:"scanners"`
	StartedAt     time.Time `json:"startedAt"`
	FinishedAt    time.Time `json:"finishedAt"`
	Timings       []Timing  `json:"timings,omitempty"`
	Stats         Stats     `json:"stats"`
	Skipped       []Skipped `json:"skipped,omitempty"`
	// Warnings are things the reader must know: an old database, an expired waiver, an unmapped ignore.
	Warnings []string `json:"warnings,omitempty"`
	// NotChecked names scanners that could not run (e.g. vulnerabilities without a database).
	NotChecked []string  `json:"notChecked,omitempty"`
	Packages   []Package `json:"packages,omitempty"`
	Findings   []Finding `json:"findings"`
	// Waivers lists every waiver the gate knew: applied (with what it hid), unused, expired.
	Waivers []WaiverUse `json:"waivers,omitempty"`
	Verdict Verdict     `json:"verdict"`
}

// Waiver states in a report.
const (
	WaiverApplied = "applied"
	WaiverUnused  = "unused"
	WaiverExpired = "expired"
)

// WaiverUse is the audit line of one waiver: who owns it, until when, and what it hid in this scan.
type WaiverUse struct {
	ID string `json:"id,omitempty"`
	// Source is where the waiver is written: "tollgate.yaml:12", ".trivyignore:3".
	Source string `json:"source"`
	// Scope says what it matches, e.g. "vuln=CVE-2023-1234 package=lodash versions=<4.17.21".
	Scope   string     `json:"scope"`
	Reason  string     `json:"reason,omitempty"`
	Owner   string     `json:"owner,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	// State is applied, unused or expired. An expired waiver hides nothing.
	State string `json:"state"`
	// ExpiringSoon is set when the waiver ends within 14 days.
	ExpiringSoon bool `json:"expiringSoon,omitempty"`
	// Fingerprints are the findings it hid (or, when expired, would have hidden).
	Fingerprints []string `json:"fingerprints,omitempty"`
}

// Sort puts findings, packages and skipped files in one deterministic order, whatever order the
// workers finished in.
func (r *Report) Sort() {
	slices.SortStableFunc(r.Findings, CompareFindings)
	slices.SortStableFunc(r.Packages, func(a, b Package) int {
		return cmp.Or(cmp.Compare(a.Manifest, b.Manifest), cmp.Compare(a.Ecosystem, b.Ecosystem),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Layer, b.Layer))
	})
	slices.SortStableFunc(r.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Reason, b.Reason))
	})
}

// CompareFindings orders by path, position, then rule and fingerprint: stable for golden files.
func CompareFindings(a, b Finding) int {
	ca, cb := "", ""
	if a.Location.Commit != nil {
		ca = a.Location.Commit.Hash
	}
	if b.Location.Commit != nil {
		cb = b.Location.Commit.Hash
	}
	return cmp.Or(
		cmp.Compare(a.Location.Path, b.Location.Path),
		cmp.Compare(a.Location.StartLine, b.Location.StartLine),
		cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(ca, cb),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
	)
}

// AddSkipped records a skipped file and keeps the per-reason counts in step.
func (r *Report) AddSkipped(s Skipped) {
	r.Skipped = append(r.Skipped, s)
	r.Stats.Skipped++
	if r.Stats.SkippedByReason == nil {
		r.Stats.SkippedByReason = map[string]int{}
	}
	r.Stats.SkippedByReason[s.Reason]++
}
