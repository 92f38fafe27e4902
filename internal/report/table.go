package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("table", writeTable) }

// Layout limits. A scanned repository controls paths and messages, so every field is bounded.
const (
	defaultWidth  = 100
	minWidth      = 40
	maxWidth      = 200
	maxFieldRunes = 1000 // longer fields are cut with a note; the JSON report keeps them whole
	maxListed     = 20   // skipped files and waivers listed one by one before "and N more"
)

// Severity colours (SGR). Critical stands out from high by weight, not only hue, for colour-blind readers.
var sevColor = map[finding.Severity]string{
	finding.Critical: "1;31", finding.High: "31", finding.Medium: "33", finding.Low: "36", finding.Unknown: "37",
}

// kindOrder and kindHeading fix the section order: secrets first, they are the most urgent to act on.
var kindOrder = []finding.Kind{finding.KindSecret, finding.KindVuln, finding.KindMisconfig, finding.KindLicense, finding.KindUnpinned}

var kindHeading = map[finding.Kind]string{
	finding.KindSecret: "SECRETS", finding.KindVuln: "VULNERABILITIES", finding.KindMisconfig: "MISCONFIGURATIONS",
	finding.KindLicense: "LICENSES", finding.KindUnpinned: "UNPINNED REFERENCES",
}

// tableWriter carries the options and the first write error, so the layout code reads straight.
type tableWriter struct {
	w     *bufio.Writer
	color bool
	width int
}

// writeTable renders the report for a person at a terminal or reading a CI log. Everything the
// scanned repository controls goes through termText, so no escape sequence reaches the terminal.
func writeTable(w io.Writer, r *Report, o Options) error {
	t := &tableWriter{w: bufio.NewWriter(w), color: o.Color, width: cmp.Or(o.Width, terminalWidth(w), defaultWidth)}
	t.width = min(max(t.width, minWidth), maxWidth)
	r = canonical(r)

	t.header(r)
	t.findings(r.Findings)
	t.summary(r)
	t.skipped(r)
	t.waivers(r.Waivers)
	t.notes("WARNINGS", "!", r.Warnings)
	t.notes("NOT CHECKED", "-", r.NotChecked)
	t.verdict(r.Verdict) // always last: the line a CI log reader looks for
	return t.w.Flush()
}

// terminalWidth is the width of w when it is a terminal, else 0. Only the layout reads it.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

func (t *tableWriter) line(indent int, parts ...string) {
	t.w.WriteString(strings.Repeat(" ", indent))
	for _, p := range parts {
		t.w.WriteString(p)
	}
	t.w.WriteByte('\n')
}

// para wraps text to the terminal width under an indent.
func (t *tableWriter) para(indent int, text string, style string) { t.hang(indent, 0, text, style) }

// hang wraps text with its first line at indent and the rest indented by extra more.
func (t *tableWriter) hang(indent, extra int, text string, style string) {
	first, rest := wrap(text, t.width-indent), []string(nil)
	if len(first) > 1 {
		rest = wrap(strings.Join(first[1:], " "), t.width-indent-extra)
	}
	t.line(indent, t.paint(style, first[0]))
	for _, l := range rest {
		t.line(indent+extra, t.paint(style, l))
	}
}

func (t *tableWriter) paint(code, s string) string {
	if !t.color || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *tableWriter) heading(s string) {
	t.w.WriteByte('\n')
	t.line(0, t.paint("1", s))
}

func (t *tableWriter) header(r *Report) {
	target := termText(r.Target.Kind) + " " + termText(r.Target.Name)
	if r.Target.Ref != "" {
		target += " (" + termText(r.Target.Ref) + ")"
	}
	if r.Target.Digest != "" {
		target += " " + termText(r.Target.Digest)
	}
	t.para(0, termText(cmp.Or(r.Tool.Name, "tollgate"))+" "+termText(r.Tool.Version)+"  "+target, "1")
	if len(r.Scanners) > 0 {
		t.para(0, "scanners: "+termText(strings.Join(r.Scanners, ", ")), "")
	}
}

func (t *tableWriter) findings(fs []finding.Finding) {
	if len(fs) == 0 {
		t.heading("FINDINGS")
		t.line(2, "No findings.")
		return
	}
	byKind := map[finding.Kind][]finding.Finding{}
	var others []finding.Kind
	for _, f := range fs {
		if _, known := kindHeading[f.Kind]; !known && byKind[f.Kind] == nil {
			others = append(others, f.Kind)
		}
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	slices.Sort(others)
	for _, k := range append(slices.Clone(kindOrder), others...) {
		group := byKind[k]
		if len(group) == 0 {
			continue
		}
		title := kindHeading[k]
		if title == "" {
			title = strings.ToUpper(termText(string(k)))
		}
		t.heading(fmt.Sprintf("%s (%d)", title, len(group)))
		if k == finding.KindVuln {
			t.vulns(group)
			continue
		}
		path := ""
		for i, f := range group {
			if i == 0 || f.Location.Path != path {
				path = f.Location.Path
				t.w.WriteByte('\n')
				t.para(2, termText(cmp.Or(path, "(no path)")), "1")
			}
			t.finding(f, position(f.Location))
		}
	}
}

// vulns groups advisories under the package they affect: one upgrade usually fixes several.
func (t *tableWriter) vulns(fs []finding.Finding) {
	type pkgKey struct{ eco, name, version, manifest string }
	key := func(f finding.Finding) pkgKey {
		if f.Vuln == nil {
			return pkgKey{manifest: f.Location.Path}
		}
		return pkgKey{f.Vuln.Ecosystem, f.Vuln.Package, f.Vuln.Version, f.Location.Path}
	}
	var order []pkgKey
	groups := map[pkgKey][]finding.Finding{}
	for _, f := range fs {
		k := key(f)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	for _, k := range order {
		g := groups[k]
		slices.SortStableFunc(g, func(a, b finding.Finding) int {
			return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.RuleID, b.RuleID))
		})
		where := termText(cmp.Or(k.manifest, "(no manifest)"))
		if l := g[0].Location.StartLine; l > 0 {
			where += fmt.Sprintf(":%d", l)
		}
		name := strings.TrimSpace(termText(k.name) + " " + termText(k.version))
		if name == "" {
			name = "(unknown package)"
		}
		if k.eco != "" {
			where = termText(k.eco) + ", " + where
		}
		t.w.WriteByte('\n')
		t.para(2, name+"  ("+where+")", "1")
		for _, f := range g {
			t.finding(f, "")
		}
	}
}

// finding prints one finding: a severity/rule line, then wrapped detail under a hanging indent.
func (t *tableWriter) finding(f finding.Finding, pos string) {
	const indent = 4
	const detail = indent + 10 // the width of "CRITICAL  "
	counted := f.Status != "suppressed" && f.Status != "existing"
	sev := fmt.Sprintf("%-8s", f.Severity.String())
	style := sevColor[f.Severity]
	dim := ""
	if !counted {
		style, dim = "2", "2"
	}
	var head, text string
	if f.Vuln != nil {
		// The package is the group heading, so the advisory and its fix lead; the title explains.
		head = termText(cmp.Or(f.RuleID, f.Vuln.ID, "(no rule id)"))
		if len(f.Vuln.Aliases) > 0 {
			head += " (" + termText(strings.Join(f.Vuln.Aliases, ", ")) + ")"
		}
		if f.Vuln.FixedVersion != "" {
			head += "  fixed in " + termText(f.Vuln.FixedVersion)
		} else {
			head += "  no fix yet"
		}
		text = termText(cmp.Or(f.Title, f.Vuln.Summary, f.Message))
	} else {
		head = termText(cmp.Or(f.Title, f.RuleID)) + "  [" + termText(cmp.Or(f.RuleID, "no rule id")) + "]"
		if pos != "" {
			head += "  " + pos
		}
		if f.Message != f.Title {
			text = termText(f.Message)
		}
	}
	if f.Location.Resource != "" {
		head += "  " + termText(f.Location.Resource)
	}
	lines := wrap(head, t.width-detail)
	t.line(indent, t.paint(style, sev), "  ", t.paint(dim, lines[0]))
	for _, l := range lines[1:] {
		t.line(detail, t.paint(dim, l))
	}
	if text != "" {
		t.para(detail, text, dim)
	}
	if s := f.Secret; s != nil {
		v := "not validated"
		if s.Validated {
			v = "validated"
		}
		info := "secret " + termText(s.Redacted) + "  sha256:" + termText(shorten(s.Hash, 12)) + "  " + v
		if s.Note != "" {
			info += ", " + termText(s.Note)
		}
		t.para(detail, info, dim)
	}
	if c := f.Location.Commit; c != nil {
		info := "commit " + termText(shorten(c.Hash, 12))
		if c.Author != "" || c.Email != "" {
			info += " by " + termText(c.Author)
			if c.Email != "" {
				info += " <" + termText(c.Email) + ">"
			}
		}
		if !c.Date.IsZero() {
			info += " on " + c.Date.UTC().Format(time.DateOnly)
		}
		if c.Message != "" {
			info += ": " + termText(c.Message)
		}
		t.para(detail, info, dim)
	}
	if f.License != "" {
		t.para(detail, "license "+termText(f.License), dim)
	}
	switch f.Status {
	case "suppressed":
		t.para(detail, "suppressed: "+suppressionText(f.Suppression), "2")
	case "existing":
		t.para(detail, "existing: in the baseline, not counted", "2")
	}
	if counted && f.Remediation != "" {
		t.para(detail, "fix: "+termText(f.Remediation), "")
	}
}

func suppressionText(s *finding.Suppression) string {
	if s == nil {
		return "(no detail)"
	}
	parts := []string{termText(cmp.Or(s.Kind, "unknown"))}
	if s.Owner != "" {
		parts = append(parts, "owner "+termText(s.Owner))
	}
	if s.Expires != nil {
		parts = append(parts, "until "+s.Expires.UTC().Format(time.DateOnly))
	}
	if s.Justification != "" {
		parts = append(parts, termText(s.Justification))
	}
	if s.Reason != "" {
		parts = append(parts, termText(s.Reason))
	}
	if s.Source != "" {
		parts = append(parts, "from "+termText(s.Source))
	}
	return strings.Join(parts, ", ")
}

func (t *tableWriter) summary(r *Report) {
	t.heading("SUMMARY")
	const label = 12
	row := func(name, text string) {
		lines := wrap(text, t.width-2-label)
		t.line(2, fmt.Sprintf("%-*s", label, name), lines[0])
		for _, l := range lines[1:] {
			t.line(2+label, l)
		}
	}
	counts := finding.Counts(r.Findings)
	var sevs []string
	for _, s := range finding.Severities() {
		if n := counts[s]; n > 0 {
			sevs = append(sevs, t.paint(sevColor[s], fmt.Sprintf("%d %s", n, s)))
		}
	}
	total := fmt.Sprintf("%d", len(r.Findings))
	if len(sevs) > 0 {
		total += ": " + strings.Join(sevs, ", ")
	}
	row("findings", total)
	var suppressed, existing int
	for _, f := range r.Findings {
		switch f.Status {
		case "suppressed":
			suppressed++
		case "existing":
			existing++
		}
	}
	if suppressed+existing > 0 {
		row("", fmt.Sprintf("not counted: %d suppressed, %d existing in the baseline", suppressed, existing))
	}
	scanned := fmt.Sprintf("%d files, %s", r.Stats.Files, humanBytes(r.Stats.Bytes))
	if r.Stats.Commits > 0 {
		scanned += fmt.Sprintf(", %d commits", r.Stats.Commits)
	}
	row("scanned", scanned)
	if r.Stats.Skipped > 0 {
		reasons := make([]string, 0, len(r.Stats.SkippedByReason))
		for _, reason := range sortedKeys(r.Stats.SkippedByReason) {
			reasons = append(reasons, fmt.Sprintf("%d %s", r.Stats.SkippedByReason[reason], termText(reason)))
		}
		row("skipped", fmt.Sprintf("%d files: %s", r.Stats.Skipped, strings.Join(reasons, ", ")))
	}
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() || len(r.Timings) > 0 {
		var phases []string
		for _, tm := range r.Timings {
			phases = append(phases, termText(tm.Phase)+" "+humanDuration(tm.Milliseconds))
		}
		text := ""
		if !r.StartedAt.IsZero() && r.FinishedAt.After(r.StartedAt) {
			text = humanDuration(float64(r.FinishedAt.Sub(r.StartedAt).Microseconds()) / 1000)
		}
		if len(phases) > 0 {
			text = strings.TrimSpace(text + " (" + strings.Join(phases, ", ") + ")")
		}
		if text != "" {
			row("time", text)
		}
	}
}

func (t *tableWriter) skipped(r *Report) {
	if len(r.Skipped) == 0 {
		return
	}
	t.heading(fmt.Sprintf("SKIPPED FILES (%d)", len(r.Skipped)))
	for i, s := range r.Skipped {
		if i == maxListed {
			t.line(2, fmt.Sprintf("... and %d more (the JSON report lists them all)", len(r.Skipped)-maxListed))
			break
		}
		text := termText(s.Path) + "  (" + termText(s.Reason)
		if s.Detail != "" {
			text += ": " + termText(s.Detail)
		}
		t.hang(2, 4, text+")", "")
	}
}

func (t *tableWriter) waivers(ws []finding.WaiverUse) {
	if len(ws) == 0 {
		return
	}
	t.heading(fmt.Sprintf("WAIVERS (%d)", len(ws)))
	for i, w := range ws {
		if i == maxListed {
			t.line(2, fmt.Sprintf("... and %d more (the JSON report lists them all)", len(ws)-maxListed))
			break
		}
		text := fmt.Sprintf("%-8s ", termText(w.State))
		if w.ID != "" {
			text += termText(w.ID) + " "
		}
		text += "(" + termText(w.Source) + ") " + termText(w.Scope)
		if w.Owner != "" {
			text += ", owner " + termText(w.Owner)
		}
		if w.Expires != nil {
			text += ", until " + w.Expires.UTC().Format(time.DateOnly)
		}
		if w.ExpiringSoon {
			text += " (expiring soon)"
		}
		if n := len(w.Fingerprints); n > 0 && w.State == finding.WaiverApplied {
			text += fmt.Sprintf(", hides %d", n)
		}
		style := ""
		if w.State == finding.WaiverExpired || w.ExpiringSoon {
			style = "33"
		}
		t.hang(2, 9, text, style)
	}
}

func (t *tableWriter) notes(title, mark string, items []string) {
	if len(items) == 0 {
		return
	}
	t.heading(title)
	for _, it := range items {
		for i, l := range wrap(termText(it), t.width-4) {
			if i == 0 {
				t.line(2, t.paint("33", mark), " ", l)
			} else {
				t.line(4, l)
			}
		}
	}
}

var effectStyle = map[string]string{finding.Fail: "1;31", finding.Warn: "33", finding.Pass: "1;32", "info": ""}

func (t *tableWriter) verdict(v finding.Verdict) {
	result := strings.ToUpper(termText(cmp.Or(v.Result, "unknown")))
	failOn := ""
	if v.FailOn != "" {
		failOn = "  (fails on " + termText(v.FailOn) + " and above)"
	}
	t.w.WriteByte('\n')
	lines := wrap("VERDICT  "+result+failOn, t.width)
	t.line(0, t.paint("1", "VERDICT"), "  ", t.paint(effectStyle[v.Result], result),
		strings.TrimPrefix(lines[0], "VERDICT  "+result))
	for _, l := range lines[1:] {
		t.line(2, l)
	}
	for _, reason := range v.Reasons {
		effect := strings.ToUpper(termText(cmp.Or(reason.Effect, "info")))
		mark := fmt.Sprintf("[%s]", effect)
		text := termText(reason.Rule)
		if reason.Message != "" {
			text += ": " + termText(reason.Message)
		}
		lines := wrap(text, t.width-4-len(mark))
		t.line(2, t.paint(effectStyle[reason.Effect], mark), " ", lines[0])
		for _, l := range lines[1:] {
			t.line(3+len(mark), l)
		}
	}
}

// position renders line:column for a finding header.
func position(l finding.Location) string {
	if l.StartLine <= 0 {
		return ""
	}
	if l.EndLine > l.StartLine {
		return fmt.Sprintf("lines %d-%d", l.StartLine, l.EndLine)
	}
	if l.StartColumn > 0 {
		return fmt.Sprintf("line %d:%d", l.StartLine, l.StartColumn)
	}
	return fmt.Sprintf("line %d", l.StartLine)
}

// termText makes untrusted text safe and legible on a terminal: invalid UTF-8 bytes, C0/C1
// controls (ESC, CSI, BEL, CR, backspace…), DEL and bidirectional overrides are shown as visible
// escapes instead of being interpreted; tabs and newlines become spaces. Over-long text is cut.
func termText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	runes := 0
	for i := 0; i < len(s); {
		if runes == maxFieldRunes {
			fmt.Fprintf(&b, "... (%d more bytes)", len(s)-i)
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || r == '\n':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case invisible(r) || !unicode.IsPrint(r) && !unicode.IsSpace(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
		runes++
	}
	return b.String()
}

// wrap breaks already-safe text into lines of at most width runes, at spaces where it can and
// inside over-long words (paths, hashes) where it must. Runs of spaces inside a line are kept (they
// align columns); spaces at a break are dropped. It always returns at least one line.
func wrap(text string, width int) []string {
	width = max(width, 20)
	var lines []string
	var cur []rune
	for i, word := range strings.Split(text, " ") {
		w := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(w) > width {
			lines = append(lines, strings.TrimRight(string(cur), " "))
			cur = cur[:0]
		} else if i > 0 && len(cur) > 0 {
			cur = append(cur, ' ')
		}
		for len(cur)+len(w) > width {
			cut := width - len(cur)
			lines = append(lines, string(append(cur, w[:cut]...)))
			cur, w = cur[:0], w[cut:]
		}
		cur = append(cur, w...)
	}
	if s := strings.TrimRight(string(cur), " "); s != "" || len(lines) == 0 {
		lines = append(lines, s)
	}
	return lines
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func humanDuration(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2fs", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0fms", ms)
	default:
		return fmt.Sprintf("%.2fms", ms)
	}
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
