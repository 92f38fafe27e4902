package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Baseline is the set of fingerprints already known: from an earlier report or a git ref's tree.
// Findings in it are "existing" and do not count against the gate.
type Baseline struct {
	// Source names it in reasons: "baseline.json" or "git ref main".
	Source       string
	Fingerprints map[string]bool
}

// NewBaseline builds a baseline from findings (the --new-since scan of a git ref).
func NewBaseline(source string, fs []finding.Finding) *Baseline {
	b := &Baseline{Source: source, Fingerprints: make(map[string]bool, len(fs))}
	for _, f := range fs {
		if f.Fingerprint != "" {
			b.Fingerprints[f.Fingerprint] = true
		}
	}
	return b
}

// LoadBaseline reads an earlier Tollgate JSON report. Anything else — another tool's report, another
// schema major, a report whose findings lack fingerprints — is refused: a baseline that silently
// matched nothing would fail every old finding, one that matched wrongly would open the gate.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	return ParseBaseline(path, data)
}

// ParseBaseline is LoadBaseline on bytes in memory.
func ParseBaseline(name string, data []byte) (*Baseline, error) {
	data = trimBOM(data)
	var head struct {
		SchemaVersion *string         `json:"schemaVersion"`
		Tool          *finding.Tool   `json:"tool"`
		Findings      json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonErr(name, data, "a Tollgate JSON report", err)
	}
	if head.Tool == nil || head.Tool.Name != "tollgate" {
		tool := "no tool"
		if head.Tool != nil {
			tool = fmt.Sprintf("tool %q", head.Tool.Name)
		}
		return nil, &Error{File: name, Line: 1, Msg: fmt.Sprintf("not a Tollgate JSON report (%s); write one with `tollgate scan --format json -o %s`", tool, name)}
	}
	if head.SchemaVersion == nil {
		return nil, &Error{File: name, Line: 1, Msg: "Tollgate report without schemaVersion"}
	}
	if got, want := major(*head.SchemaVersion), major(finding.SchemaVersion); got != want {
		return nil, &Error{File: name, Line: 1, Msg: fmt.Sprintf("report schema %s (tollgate %s) is not readable by this tollgate (schema %s): re-create the baseline with this version",
			*head.SchemaVersion, head.Tool.Version, finding.SchemaVersion)}
	}
	if len(head.Findings) == 0 {
		return nil, &Error{File: name, Line: 1, Msg: "Tollgate report without a findings list"}
	}
	var fs []struct {
		Fingerprint string `json:"fingerprint"`
		RuleID      string `json:"ruleId"`
	}
	if err := json.Unmarshal(head.Findings, &fs); err != nil {
		// Offsets are relative to the findings list; point at the list's own line.
		return nil, &Error{File: name, Line: lineAt(data, int64(bytes.Index(data, head.Findings))), Msg: fmt.Sprintf("findings: %v", err)}
	}
	b := &Baseline{Source: name, Fingerprints: make(map[string]bool, len(fs))}
	for i, f := range fs {
		if f.Fingerprint == "" {
			return nil, &Error{File: name, Msg: fmt.Sprintf("finding %d (%s) has no fingerprint", i+1, f.RuleID)}
		}
		b.Fingerprints[f.Fingerprint] = true
	}
	return b, nil
}

func major(v string) string {
	m, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".")
	return m
}
