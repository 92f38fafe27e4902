package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("junit", writeJUnit) }

// The JUnit XML that Jenkins (junit-10.xsd), GitLab and most CI servers read. Only elements and
// attributes of that common schema are written, in its child order: a CI that validates still
// accepts the file.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one testsuite per finding kind with a testcase per finding (a failure when
// the gate counts it, skipped when suppressed or in the baseline), a passing suite for each
// scanner that found nothing, and a "gate" suite with one testcase per verdict reason.
func writeJUnit(w io.Writer, r *Report, _ Options) error {
	r = canonical(r)
	timestamp := ""
	if !r.StartedAt.IsZero() {
		timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05") // junit-10.xsd: no zone
	}
	doc := junitSuites{Name: "tollgate", Time: "0"}
	if r.FinishedAt.After(r.StartedAt) {
		doc.Time = seconds(r.FinishedAt.Sub(r.StartedAt).Seconds())
	}

	byKind := map[finding.Kind][]junitCase{}
	for _, f := range r.Findings {
		byKind[f.Kind] = append(byKind[f.Kind], junitFinding(f))
	}
	kinds := slices.Clone(kindOrder)
	for _, k := range sortedKeys(byKind) {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, s := range r.Scanners {
		if !slices.Contains(kinds, finding.Kind(s)) {
			kinds = append(kinds, finding.Kind(s))
		}
	}
	for _, k := range kinds {
		cases := byKind[k]
		if len(cases) == 0 {
			if !slices.Contains(r.Scanners, string(k)) {
				continue
			}
			// A scanner that ran and found nothing is a passing test, so the CI shows it ran.
			cases = []junitCase{{Name: "no findings", Classname: "tollgate." + xmlSafe(string(k)), Time: "0"}}
		}
		doc.Suites = append(doc.Suites, junitSuite{Name: xmlSafe(string(k)), Timestamp: timestamp, Time: "0", Cases: cases})
	}

	gate := junitSuite{Name: "gate", Timestamp: timestamp, Time: "0", Properties: &junitProperties{Property: []junitProperty{
		{Name: "result", Value: xmlSafe(r.Verdict.Result)},
		{Name: "failOn", Value: xmlSafe(r.Verdict.FailOn)},
		{Name: "tool", Value: xmlSafe(strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version))},
		{Name: "target", Value: xmlSafe(strings.TrimSpace(r.Target.Kind + " " + r.Target.Name))},
	}}}
	for i, reason := range r.Verdict.Reasons {
		c := junitCase{Name: fmt.Sprintf("%d %s", i+1, xmlSafe(cmp.Or(reason.Rule, "reason"))), Classname: "tollgate.gate", Time: "0"}
		body := xmlSafe(reason.Message)
		if len(reason.Fingerprints) > 0 {
			body += "\nfindings: " + xmlSafe(strings.Join(reason.Fingerprints, ", "))
		}
		if reason.Effect == finding.Fail {
			c.Failure = &junitFailure{Message: xmlSafe(reason.Message), Type: "gate", Text: body}
		} else {
			c.SystemOut = xmlSafe(cmp.Or(reason.Effect, "info")) + ": " + body
		}
		gate.Cases = append(gate.Cases, c)
	}
	if len(gate.Cases) == 0 {
		gate.Cases = []junitCase{{Name: "verdict " + xmlSafe(cmp.Or(r.Verdict.Result, "unknown")), Classname: "tollgate.gate", Time: "0"}}
	}
	doc.Suites = append(doc.Suites, gate)

	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Tests = len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				s.Failures++
			}
			if c.Skipped != nil {
				s.Skipped++
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitFinding(f finding.Finding) junitCase {
	where := cmp.Or(f.Location.Path, "(no path)")
	if f.Location.StartLine > 0 {
		where += ":" + strconv.Itoa(f.Location.StartLine)
	}
	id := cmp.Or(f.RuleID, "(no rule id)")
	if commit := f.Location.Commit; commit != nil {
		// The same secret in two commits is two testcases; keep their names apart.
		where += "@" + shorten(commit.Hash, 12)
	}
	c := junitCase{
		Name: xmlSafe(where + " " + id),
		// Classname groups by kind; dots in paths would otherwise become package levels in Jenkins.
		Classname: "tollgate." + xmlSafe(string(f.Kind)),
		Time:      "0",
	}
	switch f.Status {
	case "suppressed":
		c.Skipped = &junitMessage{Message: "suppressed: " + xmlSafe(suppressionText(f.Suppression))}
		return c
	case "existing":
		c.Skipped = &junitMessage{Message: "existing: in the baseline, not counted"}
		return c
	}
	title := cmp.Or(f.Title, id)
	c.Failure = &junitFailure{
		Message: xmlSafe(f.Severity.String() + " " + title),
		Type:    xmlSafe(id),
		Text:    junitDetail(f),
	}
	return c
}

// junitDetail is the failure body: everything a reader of a CI test report needs to act.
func junitDetail(f finding.Finding) string {
	var b strings.Builder
	line := func(label, v string) {
		if v != "" {
			b.WriteString(label + ": " + xmlSafe(v) + "\n")
		}
	}
	line("severity", f.Severity.String())
	line("rule", f.RuleID)
	line("message", f.Message)
	loc := f.Location.Path
	if p := position(f.Location); p != "" {
		loc += " " + p
	}
	line("location", loc)
	line("resource", f.Location.Resource)
	if c := f.Location.Commit; c != nil {
		commit := c.Hash
		if c.Author != "" {
			commit += " by " + c.Author
		}
		if c.Email != "" {
			commit += " <" + c.Email + ">"
		}
		if !c.Date.IsZero() {
			commit += " on " + c.Date.UTC().Format("2006-01-02")
		}
		line("commit", commit)
	}
	if s := f.Secret; s != nil {
		line("secret", fmt.Sprintf("%s sha256:%s validated=%t", s.Redacted, s.Hash, s.Validated))
	}
	if v := f.Vuln; v != nil {
		line("package", strings.TrimSpace(v.Ecosystem+" "+v.Package+" "+v.Version))
		line("aliases", strings.Join(v.Aliases, ", "))
		line("fixed in", cmp.Or(v.FixedVersion, "no fix known"))
	}
	line("license", f.License)
	line("remediation", f.Remediation)
	line("references", strings.Join(f.References, " "))
	line("fingerprint", f.Fingerprint)
	return b.String()
}

// xmlSafe keeps newlines but shows every other control character, invalid UTF-8 and bidi
// override as a visible escape (the same rendering as the table). encoding/xml then escapes
// markup; without this it would silently turn controls into U+FFFD and lose what they were.
func xmlSafe(s string) string {
	if !strings.Contains(s, "\n") {
		return termText(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = termText(l)
	}
	return strings.Join(lines, "\n")
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }
