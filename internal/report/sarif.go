package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("sarif", writeSARIF) }

const (
	informationURI = "https://github.com/tollgate-dev/tollgate"
	// srcRoot is the uriBaseId every location is relative to; GitHub resolves it to the checkout.
	srcRoot = "%SRCROOT%"
	// fingerprintKey names Tollgate's fingerprint in partialFingerprints; bump the version if the
	// fingerprint recipe changes, so code scanning does not match old alerts to new ones.
	fingerprintKey = "tollgate/v1"
	// maxNotifications bounds the skipped-file notes; the JSON report lists every skipped file.
	maxNotifications = 100
)

// maxSARIFResults is GitHub code scanning's hard limit per run: a larger run is rejected whole.
// A variable only so the test can exercise the cut on a small report.
var maxSARIFResults = 25000

// severityBand is GitHub's reading of security-severity: above 9.0 critical, 7.0–8.9 high,
// 4.0–6.9 medium, 0.1–3.9 low. def is the value Tollgate writes when it has no better number: the
// middle of the band, so a rounding step never moves a finding into the neighbouring one.
var severityBand = map[finding.Severity]struct{ lo, hi, def float64 }{
	finding.Critical: {9.0, 10.0, 9.5},
	finding.High:     {7.0, 8.9, 8.0},
	finding.Medium:   {4.0, 6.9, 5.5},
	finding.Low:      {0.1, 3.9, 2.0},
}

// sarifLevel maps severity to SARIF level; anything unrated or out of range is a note.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

// writeSARIF writes one SARIF 2.1.0 run that GitHub code scanning accepts: rules with help and
// security-severity, results relative to %SRCROOT% with stable partial fingerprints, suppressions
// for waived findings, baselineState for baseline ones.
func writeSARIF(w io.Writer, r *Report, _ Options) error {
	r = canonical(r)
	doc, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	driver := sarif.NewVersionedDriver(cmp.Or(r.Tool.Name, "tollgate"), cmp.Or(r.Tool.Version, "unknown")).
		WithInformationURI(informationURI)
	driver.Rules = []*sarif.ReportingDescriptor{}
	run := sarif.NewRun(sarif.Tool{Driver: driver})
	run.ColumnKind = "unicodeCodePoints" // the scanners count columns in runes
	run.OriginalUriBaseIDs = map[string]*sarif.ArtifactLocation{
		srcRoot: {Description: sarif.NewTextMessage("The root of the scanned target: " + cmp.Or(r.Target.Name, "."))},
	}

	kept, dropped := withinResultLimit(r.Findings)
	rules := sarifRules(kept)
	index := map[string]uint{}
	for i, rule := range rules {
		index[rule.ID] = uint(i)
	}
	driver.Rules = rules
	for _, f := range kept {
		res := sarifResult(f)
		i := index[*res.RuleID]
		res.RuleIndex = &i
		run.Results = append(run.Results, res)
	}
	run.Invocations = []*sarif.Invocation{sarifInvocation(r, dropped)}
	run.Properties = sarifRunProperties(r, dropped)
	doc.AddRun(run)

	compact, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	// go-sarif writes optional suppression members as null, which the SARIF schema forbids.
	// Streaming the document costs more than the rest together, so only when needed.
	if bytes.Contains(compact, []byte(`":null`)) {
		if compact, err = dropNulls(compact); err != nil {
			return fmt.Errorf("sarif: %w", err)
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	out.WriteByte('\n')
	_, err = w.Write(escapeJSONInvisibles(out.Bytes()))
	return err
}

// withinResultLimit keeps at most maxSARIFResults findings, dropping first those the gate did not
// count and then the least severe, so an oversized report still uploads and the alerts that
// matter survive. Kept findings stay in report order.
func withinResultLimit(fs []finding.Finding) (kept []finding.Finding, dropped int) {
	if len(fs) <= maxSARIFResults {
		return fs, 0
	}
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	rank := func(f finding.Finding) int {
		if f.Status == "suppressed" || f.Status == "existing" {
			return int(f.Severity)
		}
		return int(f.Severity) + 10
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rank(fs[b]), rank(fs[a])) })
	order = order[:maxSARIFResults]
	slices.Sort(order)
	kept = make([]finding.Finding, len(order))
	for i, j := range order {
		kept[i] = fs[j]
	}
	return kept, len(fs) - maxSARIFResults
}

func ruleID(f finding.Finding) string {
	return cmp.Or(f.RuleID, "tollgate-"+string(cmp.Or(f.Kind, "finding")))
}

// sarifRules describes each rule once, from the most severe of its findings, in id order.
func sarifRules(fs []finding.Finding) []*sarif.ReportingDescriptor {
	worst := map[string]finding.Finding{}
	for _, f := range fs {
		id := ruleID(f)
		if w, ok := worst[id]; !ok || f.Severity > w.Severity {
			worst[id] = f
		}
	}
	rules := make([]*sarif.ReportingDescriptor, 0, len(worst))
	for _, id := range sortedKeys(worst) {
		f := worst[id]
		title := cmp.Or(sarifLine(f.Title), id)
		full := title
		if f.Vuln != nil && f.Vuln.Summary != "" && f.Vuln.Summary != f.Title {
			full = sarifLine(f.Vuln.Summary)
		}
		rule := sarif.NewRule(id).
			WithShortDescription(sarif.NewMultiformatMessageString(title)).
			WithFullDescription(sarif.NewMultiformatMessageString(full)).
			WithDefaultConfiguration(&sarif.ReportingConfiguration{Level: sarifLevel(f.Severity)})
		rule.Help = sarifHelp(f, title)
		if u := helpURI(f); u != "" {
			rule.WithHelpURI(u)
		}
		props := sarif.Properties{"tags": ruleTags(f)}
		if s, ok := securitySeverity(f); ok {
			props["security-severity"] = s
		}
		if f.Vuln != nil && f.Vuln.CVSSVector != "" {
			props["cvssV3_vector"] = f.Vuln.CVSSVector
		}
		rule.WithProperties(props)
		rules = append(rules, rule)
	}
	return rules
}

// securitySeverity is what GitHub ranks alerts by. A vulnerability's CVSS score is used when it
// agrees with Tollgate's severity (falls in the same band); otherwise, and for other kinds, the
// middle of the severity's band. So GitHub and the gate never disagree on the rank, and CVSS still
// orders alerts within a band. UNKNOWN gets none: an unrated finding is not "0.0, harmless".
func securitySeverity(f finding.Finding) (string, bool) {
	band, ok := severityBand[f.Severity]
	if !ok {
		return "", false
	}
	score := band.def
	if f.Vuln != nil && f.Vuln.CVSSScore >= band.lo && f.Vuln.CVSSScore <= band.hi+0.09 {
		score = f.Vuln.CVSSScore
	}
	return strconv.FormatFloat(score, 'f', 1, 64), true
}

var kindTag = map[finding.Kind]string{
	finding.KindSecret: "secret", finding.KindVuln: "vulnerability", finding.KindMisconfig: "misconfiguration",
	finding.KindLicense: "license", finding.KindUnpinned: "supply-chain",
}

// ruleTags stays far below GitHub's 20 tags per rule (it shows 10).
func ruleTags(f finding.Finding) []string {
	tags := []string{"security", cmp.Or(kindTag[f.Kind], sarifLine(string(f.Kind)))}
	if f.Vuln != nil && f.Vuln.Ecosystem != "" {
		tags = append(tags, sarifLine(f.Vuln.Ecosystem))
	}
	return slices.Compact(tags)
}

// helpURI is the advisory page for vulnerabilities, else the first web reference.
func helpURI(f finding.Finding) string {
	if f.Vuln != nil && f.Vuln.ID != "" && !strings.ContainsAny(f.Vuln.ID, "/?#% ") && isPrintableASCII(f.Vuln.ID) {
		return "https://osv.dev/vulnerability/" + f.Vuln.ID
	}
	for _, ref := range f.References {
		if isWebURL(ref) {
			return ref
		}
	}
	return ""
}

func sarifHelp(f finding.Finding, title string) *sarif.MultiformatMessageString {
	var text, md strings.Builder
	text.WriteString(title)
	md.WriteString("**" + sarifMarkdown(title) + "**")
	if f.Vuln != nil {
		v := f.Vuln
		fix := "No fixed version is known."
		if v.FixedVersion != "" {
			fix = "Fixed in " + sarifLine(v.FixedVersion) + "."
		}
		line := fmt.Sprintf("%s %s (%s). %s", sarifLine(v.Package), sarifLine(v.Version), sarifLine(v.Ecosystem), fix)
		text.WriteString("\n\n" + line)
		md.WriteString("\n\n" + sarifMarkdown(line))
		if len(v.Aliases) > 0 {
			text.WriteString("\nAliases: " + sarifLine(strings.Join(v.Aliases, ", ")))
			md.WriteString("\n\nAliases: " + sarifMarkdown(sarifLine(strings.Join(v.Aliases, ", "))))
		}
	}
	if f.Remediation != "" {
		text.WriteString("\n\nRemediation: " + f.Remediation)
		md.WriteString("\n\n**Remediation:** " + sarifMarkdown(sarifLine(f.Remediation)))
	}
	var refs []string
	for _, ref := range f.References {
		if isWebURL(ref) {
			refs = append(refs, ref)
		}
	}
	if len(refs) > 0 {
		text.WriteString("\n\nReferences:")
		md.WriteString("\n\n**References:**\n")
		for _, ref := range refs {
			text.WriteString("\n- " + ref)
			md.WriteString("\n- <" + ref + ">")
		}
	}
	return &sarif.MultiformatMessageString{Text: sarifPtr(text.String()), Markdown: sarifPtr(md.String())}
}

func sarifResult(f finding.Finding) *sarif.Result {
	id := ruleID(f)
	msg := cmp.Or(strings.TrimSpace(f.Message), strings.TrimSpace(f.Title), id)
	if c := f.Location.Commit; c != nil && c.Hash != "" {
		msg += " (commit " + shorten(sarifLine(c.Hash), 12) + ")"
	}
	res := &sarif.Result{RuleID: &id, Level: sarifPtr(sarifLevel(f.Severity)), Message: *sarif.NewTextMessage(msg)}
	if loc := sarifLocation(f); loc != nil {
		res.Locations = []*sarif.Location{loc}
	}
	if f.Fingerprint != "" {
		res.PartialFingerprints = map[string]any{fingerprintKey: f.Fingerprint}
	}
	switch f.Status {
	case "suppressed":
		res.Suppressions = []*sarif.Suppression{sarifSuppression(f.Suppression)}
	case "existing":
		res.BaselineState = sarifPtr("unchanged")
	case "new":
		res.BaselineState = sarifPtr("new")
	}
	res.Properties = sarifResultProperties(f)
	return res
}

// sarifLocation points at the file and lines. Vulnerabilities point at the manifest that pins
// the package. GitHub needs startLine ≥ 1, so an unknown line becomes the file's first.
func sarifLocation(f finding.Finding) *sarif.Location {
	p := f.Location.Path
	if p == "" && f.Vuln != nil {
		p = f.Vuln.Manifest
	}
	uri := relativeURI(p)
	if uri == "" {
		return nil
	}
	l := f.Location
	start := max(l.StartLine, 1)
	region := &sarif.Region{StartLine: sarifPtr(start)}
	end := start
	if l.EndLine > start {
		end = l.EndLine
		region.EndLine = sarifPtr(end)
	}
	if l.StartLine >= 1 && l.StartColumn >= 1 {
		region.StartColumn = sarifPtr(l.StartColumn)
		if l.EndColumn > 0 && (end > start || l.EndColumn > l.StartColumn) {
			region.EndColumn = sarifPtr(l.EndColumn)
		}
	}
	return &sarif.Location{PhysicalLocation: &sarif.PhysicalLocation{
		ArtifactLocation: &sarif.ArtifactLocation{URI: sarifPtr(uri), URIBaseId: sarifPtr(srcRoot)},
		Region:           region,
	}}
}

// relativeURI turns a report path into a relative URI reference: slash-separated, no leading
// "/" or "./", percent-encoded (spaces, '%', '?', '#', controls, non-ASCII), and a first segment
// with a colon protected by "./" so it is not read as a scheme.
func relativeURI(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return ""
	}
	if p = path.Clean(p); p == "." {
		return ""
	}
	return (&url.URL{Path: p}).String()
}

func sarifSuppression(s *finding.Suppression) *sarif.Suppression {
	if s == nil {
		s = &finding.Suppression{}
	}
	// Inline ignores sit in the source; waivers, VEX statements and baselines live elsewhere.
	kind := "external"
	if s.Kind == "inline" {
		kind = "inSource"
	}
	var parts []string
	for _, p := range []string{s.Kind, s.Justification, s.Reason} {
		if p = sarifLine(p); p != "" {
			parts = append(parts, p)
		}
	}
	if s.Owner != "" {
		parts = append(parts, "owner "+sarifLine(s.Owner))
	}
	if s.Expires != nil {
		parts = append(parts, "expires "+s.Expires.UTC().Format("2006-01-02"))
	}
	sup := sarif.NewSuppression(kind).WithStatus("accepted").WithJustifcation(cmp.Or(strings.Join(parts, "; "), "suppressed"))
	if s.Source != "" {
		sup.Properties = sarif.Properties{"source": s.Source}
	}
	return sup
}

// sarifResultProperties carries what SARIF has no field for: commit, secret metadata (redacted),
// package detail, resource, the gate's status.
func sarifResultProperties(f finding.Finding) sarif.Properties {
	p := sarif.Properties{"kind": string(f.Kind), "severity": f.Severity.String()}
	if f.Status != "" {
		p["status"] = f.Status
	}
	if c := f.Location.Commit; c != nil {
		commit := map[string]any{"hash": c.Hash}
		if c.Author != "" {
			commit["author"] = c.Author
		}
		if c.Email != "" {
			commit["email"] = c.Email
		}
		if !c.Date.IsZero() {
			commit["date"] = c.Date.UTC()
		}
		if c.Message != "" {
			commit["message"] = c.Message
		}
		p["commit"] = commit
	}
	if s := f.Secret; s != nil {
		p["secret"] = map[string]any{"redacted": s.Redacted, "sha256": s.Hash, "validated": s.Validated}
	}
	if v := f.Vuln; v != nil {
		vuln := map[string]any{"id": v.ID, "package": v.Package, "version": v.Version, "ecosystem": v.Ecosystem}
		for k, val := range map[string]string{"fixedVersion": v.FixedVersion, "purl": v.PURL, "manifest": v.Manifest} {
			if val != "" {
				vuln[k] = val
			}
		}
		if len(v.Aliases) > 0 {
			vuln["aliases"] = v.Aliases
		}
		if v.CVSSScore > 0 {
			vuln["cvssScore"] = v.CVSSScore
		}
		p["vuln"] = vuln
	}
	if f.Location.Resource != "" {
		p["resource"] = f.Location.Resource
	}
	if f.Location.Layer != "" {
		p["layer"] = f.Location.Layer
	}
	if f.License != "" {
		p["license"] = f.License
	}
	return p
}

// sarifInvocation records times and what the reader must know: warnings, what was not checked,
// skipped files, and results left out to respect GitHub's limit.
func sarifInvocation(r *Report, dropped int) *sarif.Invocation {
	inv := &sarif.Invocation{ExecutionSuccessful: sarifPtr(true)}
	if !r.StartedAt.IsZero() {
		inv.StartTimeUTC = sarifPtr(r.StartedAt.UTC())
	}
	if !r.FinishedAt.IsZero() {
		inv.EndTimeUTC = sarifPtr(r.FinishedAt.UTC())
	}
	note := func(level, text string, loc *sarif.Location) {
		n := &sarif.Notification{Level: level, Message: sarif.NewTextMessage(cmp.Or(text, "(empty)"))}
		if loc != nil {
			n.Locations = []*sarif.Location{loc}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	if dropped > 0 {
		note("error", fmt.Sprintf("%d results left out: GitHub code scanning accepts at most %d per run; the JSON report has them all", dropped, maxSARIFResults), nil)
	}
	for _, w := range r.Warnings {
		note("warning", w, nil)
	}
	for _, nc := range r.NotChecked {
		note("warning", "not checked: "+nc, nil)
	}
	for i, s := range r.Skipped {
		if i == maxNotifications {
			note("note", fmt.Sprintf("%d more skipped files; the JSON report lists them all", len(r.Skipped)-i), nil)
			break
		}
		text := "skipped (" + s.Reason + ")"
		if s.Detail != "" {
			text += ": " + s.Detail
		}
		var loc *sarif.Location
		if uri := relativeURI(s.Path); uri != "" {
			loc = &sarif.Location{PhysicalLocation: &sarif.PhysicalLocation{
				ArtifactLocation: &sarif.ArtifactLocation{URI: sarifPtr(uri), URIBaseId: sarifPtr(srcRoot)}}}
		}
		note("note", text, loc)
	}
	return inv
}

func sarifRunProperties(r *Report, dropped int) sarif.Properties {
	p := sarif.Properties{
		"tollgate/schemaVersion": r.SchemaVersion,
		"tollgate/target":        r.Target,
		"tollgate/stats":         r.Stats,
		"tollgate/verdict":       r.Verdict,
	}
	if dropped > 0 {
		p["tollgate/resultsLeftOut"] = dropped
	}
	return p
}

// dropNulls removes object members whose value is null, keeping member order.
func dropNulls(in []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	type frame struct {
		object, wantKey bool
		count           int
	}
	var (
		out   bytes.Buffer
		stack []frame
		key   []byte
	)
	prefix := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.count > 0 {
			out.WriteByte(',')
		}
		f.count++
		if f.object {
			out.Write(key)
			out.WriteByte(':')
			f.wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if name, ok := tok.(string); ok {
				key, _ = json.Marshal(name)
				stack[n-1].wantKey = false
				continue
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				prefix()
				out.WriteByte(byte(v))
				stack = append(stack, frame{object: v == '{', wantKey: v == '{'})
			default:
				out.WriteByte(byte(v))
				stack = stack[:len(stack)-1]
			}
		case nil:
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true // drop the member
				continue
			}
			prefix()
			out.WriteString("null")
		default:
			prefix()
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			out.Write(b)
		}
	}
}

// sarifLine folds untrusted text onto one line for titles and tags.
func sarifLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sarifMarkdown backslash-escapes the Markdown punctuation that starts inline constructs (links,
// images, HTML, code, emphasis, tables) and a leading character that would start a heading or a
// list, so untrusted text renders as itself. CommonMark allows a backslash before any ASCII
// punctuation, so over-escaping is harmless.
func sarifMarkdown(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r < 0x80 && (strings.ContainsRune("\\`*_[]<>&!|~", r) || i == 0 && strings.ContainsRune("#-+=>0123456789", r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isWebURL accepts only absolute http(s) URLs without characters that would break an autolink.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		isPrintableASCII(s) && !strings.ContainsAny(s, " <>\"`")
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func sarifPtr[T any](v T) *T { return &v }
