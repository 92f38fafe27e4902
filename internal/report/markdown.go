package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("markdown", writeMarkdown) }

// MarkdownLimit is GitHub's limit on a comment body (65,536 characters). The markdown format stays
// under it, measured in bytes (never fewer than characters), with room for the closing note.
const MarkdownLimit = 65536

// writeMarkdown renders a pull-request comment: verdict and summary first, findings in collapsible
// sections, truncated with a note when the comment would grow past GitHub's limit.
func writeMarkdown(w io.Writer, r *Report, _ Options) error {
	_, err := io.WriteString(w, markdown(r, MarkdownLimit))
	return err
}

func markdown(r *Report, limit int) string {
	var head strings.Builder
	icon := map[string]string{finding.Pass: "✅", finding.Warn: "⚠️", finding.Fail: "❌"}[r.Verdict.Result]
	fmt.Fprintf(&head, "## %s Tollgate: gate %s\n\n", icon, strings.ToUpper(mdText(r.Verdict.Result)))
	fmt.Fprintf(&head, "**%s** · %s · fails on %s and above\n\n", mdText(r.Target.Name), mdText(strings.Join(r.Scanners, ", ")), mdText(r.Verdict.FailOn))

	// Counts by severity and status.
	type row struct{ counted, existing, suppressed int }
	bySev := map[finding.Severity]*row{}
	for _, s := range finding.Severities() {
		bySev[s] = &row{}
	}
	for _, f := range r.Findings {
		rw := bySev[f.Severity]
		if rw == nil {
			continue
		}
		switch f.Status {
		case "existing":
			rw.existing++
		case "suppressed":
			rw.suppressed++
		default:
			rw.counted++
		}
	}
	head.WriteString("| Severity | New | Existing | Suppressed |\n|---|--:|--:|--:|\n")
	for _, s := range finding.Severities() {
		rw := bySev[s]
		fmt.Fprintf(&head, "| %s | %d | %d | %d |\n", s, rw.counted, rw.existing, rw.suppressed)
	}
	head.WriteString("\n")
	for _, rs := range r.Verdict.Reasons {
		mark := map[string]string{finding.Fail: "❌", finding.Warn: "⚠️"}[rs.Effect]
		if mark == "" {
			mark = "ℹ️"
		}
		fmt.Fprintf(&head, "- %s **%s**: %s\n", mark, mdText(rs.Rule), mdText(rs.Message))
	}
	head.WriteString("\n")

	var sections []string
	add := func(title string, fs []finding.Finding) {
		if len(fs) == 0 {
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<details><summary>%s (%d)</summary>\n\n", title, len(fs))
		b.WriteString("| Severity | Kind | Rule | Location | Finding |\n|---|---|---|---|---|\n")
		sections = append(sections, b.String())
		for _, f := range fs {
			sections = append(sections, mdRow(f))
		}
		sections = append(sections, "\n</details>\n\n")
	}
	var counted, existing, suppressed []finding.Finding
	for _, f := range r.Findings {
		switch f.Status {
		case "existing":
			existing = append(existing, f)
		case "suppressed":
			suppressed = append(suppressed, f)
		default:
			counted = append(counted, f)
		}
	}
	mdSortBySeverity(counted)
	mdSortBySeverity(existing)
	add("New findings", counted)
	add("Existing findings (in the baseline)", existing)
	add("Suppressed findings", suppressed)
	if len(r.Waivers) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "<details><summary>Waivers (%d)</summary>\n\n| State | Scope | Owner | Expires | Hid | Reason |\n|---|---|---|---|--:|---|\n", len(r.Waivers))
		sections = append(sections, b.String())
		for _, wv := range r.Waivers {
			exp := "never"
			if wv.Expires != nil {
				exp = wv.Expires.Format("2006-01-02")
			}
			state := wv.State
			if wv.ExpiringSoon {
				state += " (expiring soon)"
			}
			sections = append(sections, fmt.Sprintf("| %s | %s | %s | %s | %d | %s |\n", mdCell(state), mdCell(wv.Scope+" ("+wv.Source+")"),
				mdCell(wv.Owner), exp, len(wv.Fingerprints), mdCell(wv.Reason)))
		}
		sections = append(sections, "\n</details>\n\n")
	}
	if len(r.Warnings) > 0 {
		var b strings.Builder
		b.WriteString("<details><summary>Warnings</summary>\n\n")
		for _, wn := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdText(wn))
		}
		b.WriteString("\n</details>\n\n")
		sections = append(sections, b.String())
	}
	foot := fmt.Sprintf("<sub>%s %s · %d files scanned</sub>\n", mdText(r.Tool.Name), mdText(r.Tool.Version), r.Stats.Files)

	// Fill up to the limit; when a row does not fit, close the open table and say what was left out.
	out := strings.Builder{}
	out.WriteString(head.String())
	const reserve = 400 // the truncation note, closing tags and footer
	budget := limit - reserve - len(foot)
	for i, s := range sections {
		if out.Len()+len(s) > budget {
			left := 0
			for _, rest := range sections[i:] {
				if strings.HasPrefix(rest, "| ") {
					left++
				}
			}
			fmt.Fprintf(&out, "\n</details>\n\n> **Truncated:** %d more rows are not shown to stay under GitHub's %d-character comment limit; see the full report (e.g. `--report html=tollgate.html`).\n\n", left, limit)
			break
		}
		out.WriteString(s)
	}
	out.WriteString(foot)
	return out.String()
}

func mdRow(f finding.Finding) string {
	loc := f.Location.Path
	if f.Location.StartLine > 0 {
		loc += fmt.Sprintf(":%d", f.Location.StartLine)
	}
	what := f.Title
	if f.Vuln != nil && f.Vuln.FixedVersion != "" {
		what += " (fix: " + f.Vuln.FixedVersion + ")"
	}
	if f.Suppression != nil {
		what += " — " + f.Suppression.Kind
		if f.Suppression.Justification != "" {
			what += ": " + f.Suppression.Justification
		} else if f.Suppression.Reason != "" {
			what += ": " + f.Suppression.Reason
		}
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", f.Severity, mdCell(string(f.Kind)), mdCell(f.RuleID), mdCell(loc), mdCell(what))
}

func mdSortBySeverity(fs []finding.Finding) {
	// Stable: within a severity the report's own order (path, line) stays.
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Severity > fs[j-1].Severity; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// mdText makes repository text inert in Markdown: HTML is escaped, Markdown punctuation is
// backslash-escaped, line breaks and control characters become spaces.
func mdText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r):
			// dropped: invisible and able to reorder what the reader sees
		case strings.ContainsRune("\\`*_[]|~@", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCell is mdText for a table cell, capped so one finding cannot eat the comment.
func mdCell(s string) string {
	const max = 300
	if len(s) > max {
		cut := max
		for cut > 0 && !mdRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return mdText(s)
}

func mdRuneStart(b byte) bool { return b&0xC0 != 0x80 }
