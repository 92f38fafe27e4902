package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// FuzzFormats builds reports from arbitrary strings and numbers (paths, messages, rule ids a
// scanned repository controls) and checks every format of this file set still parses back:
// JSON reads into a finding.Report, SARIF matches the GitHub subset, JUnit matches the common
// schema, and the table carries no terminal control sequence.
func FuzzFormats(f *testing.F) {
	f.Add("src/a.go", "rule-1", "message", "ghp_…", 3, 1, 2, uint8(3), "new")
	f.Add("\x1b[31m\x1b]0;t\x07", "<script>", "\xff\xfe]]>&", "\u202e", 0, -1, 1<<30, uint8(0), "suppressed")
	f.Add("C:\\x\\..\\y", "", "\x00\r\n\t\u009b", "", -5, 0, 0, uint8(4), "existing")
	f.Fuzz(func(t *testing.T, path, rule, msg, extra string, line, col, end int, sev uint8, status string) {
		r := emptyReport()
		r.Target.Name = extra
		r.Warnings = []string{msg}
		r.NotChecked = []string{extra}
		r.AddSkipped(finding.Skipped{Path: path, Reason: extra, Detail: msg})
		fd := finding.Finding{
			Kind: finding.Kind(extra), RuleID: rule, Severity: finding.Severity(sev % 6), Title: extra, Message: msg,
			Remediation: msg, References: []string{extra, "https://example.com/" + rule},
			Location: finding.Location{Path: path, StartLine: line, EndLine: end, StartColumn: col, EndColumn: end,
				Resource: extra, Commit: &finding.Commit{Hash: rule, Author: extra, Message: msg, Date: time.Unix(int64(line), 0)}},
			Fingerprint: rule, Status: status,
			Secret:      &finding.Secret{Redacted: extra, Hash: msg},
			Vuln:        &finding.Vuln{ID: rule, Aliases: []string{extra}, Package: path, Version: msg, FixedVersion: extra, CVSSScore: float64(col)},
			License:     extra,
			Suppression: &finding.Suppression{Kind: extra, Reason: msg},
		}
		r.Findings = append(r.Findings, fd, finding.Finding{Kind: finding.KindSecret, RuleID: extra, Location: finding.Location{Path: msg}})
		r.Verdict.Reasons = append(r.Verdict.Reasons, finding.Reason{Rule: rule, Effect: status, Message: msg, Fingerprints: []string{extra}})

		var back finding.Report
		if err := json.Unmarshal(render(t, "json", r, Options{}), &back); err != nil {
			t.Fatalf("json does not read back: %v", err)
		}
		checkSARIF(t, render(t, "sarif", r, Options{}))
		checkJUnit(t, render(t, "junit", r, Options{}))
		for _, color := range []bool{false, true} {
			checkTerminalSafe(t, render(t, "table", r, Options{Color: color, Width: line}), color)
		}
	})
}
