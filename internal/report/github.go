package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("github", writeGitHub) }

// writeGitHub prints GitHub Actions workflow commands: one annotation per finding that is not
// suppressed (error when it fails the gate, warning when it counts but does not fail, notice when it
// is already in the baseline), then the verdict.
func writeGitHub(w io.Writer, r *Report, _ Options) error {
	failing := map[string]bool{}
	for _, rs := range r.Verdict.Reasons {
		if rs.Effect == finding.Fail {
			for _, fp := range rs.Fingerprints {
				failing[fp] = true
			}
		}
	}
	var b strings.Builder
	for _, f := range r.Findings {
		level := "warning"
		switch {
		case f.Status == "suppressed":
			continue
		case f.Status == "existing":
			level = "notice"
		case failing[f.Fingerprint]:
			level = "error"
		}
		props := []string{}
		if f.Location.Path != "" {
			props = append(props, "file="+ghProp(f.Location.Path))
			if f.Location.StartLine > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Location.StartLine))
				if f.Location.EndLine >= f.Location.StartLine {
					props = append(props, fmt.Sprintf("endLine=%d", f.Location.EndLine))
				}
				// Columns only mean something on one line.
				if f.Location.StartColumn > 0 && (f.Location.EndLine == 0 || f.Location.EndLine == f.Location.StartLine) {
					props = append(props, fmt.Sprintf("col=%d", f.Location.StartColumn))
					if f.Location.EndColumn > f.Location.StartColumn {
						props = append(props, fmt.Sprintf("endColumn=%d", f.Location.EndColumn))
					}
				}
			}
		}
		props = append(props, "title="+ghProp(fmt.Sprintf("%s %s: %s", f.Severity, f.RuleID, f.Title)))
		msg := f.Message
		if f.Remediation != "" {
			msg += "\nFix: " + f.Remediation
		}
		if f.Status == "existing" {
			msg += "\n(existing: in the baseline, does not fail the gate)"
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	}
	level := "notice"
	switch r.Verdict.Result {
	case finding.Fail:
		level = "error"
	case finding.Warn:
		level = "warning"
	}
	var reasons []string
	for _, rs := range r.Verdict.Reasons {
		if rs.Effect == finding.Fail || rs.Effect == finding.Warn {
			reasons = append(reasons, fmt.Sprintf("[%s] %s: %s", strings.ToUpper(rs.Effect), rs.Rule, rs.Message))
		}
	}
	summary := "gate " + strings.ToUpper(r.Verdict.Result)
	if len(reasons) > 0 {
		summary += "\n" + strings.Join(reasons, "\n")
	}
	fmt.Fprintf(&b, "::%s title=Tollgate::%s\n", level, ghData(summary))
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message: newlines become %0A so repository text can never
// start a command of its own; other control characters are dropped.
func ghData(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	s = strings.ReplaceAll(s, "\n", "%0A")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
}

// ghProp escapes a property value, which additionally must not hold ':' or ','.
func ghProp(s string) string {
	s = ghData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}
