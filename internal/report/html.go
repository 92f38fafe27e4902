package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("html", writeHTML) }

var (
	//go:embed assets/report.css
	htmlCSS string
	//go:embed assets/report.js
	htmlJS string
	//go:embed assets/report.html.tmpl
	htmlPage string

	htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{"clean": htmlClean}).Parse(htmlPage))
	// The page allows exactly its own style and script by hash and nothing else: no network, no
	// inline handlers, no injected script even if escaping were ever wrong.
	htmlCSP = "default-src 'none'; style-src '" + cspHash(htmlCSS) + "'; script-src '" + cspHash(htmlJS) +
		"'; img-src 'none'; base-uri 'none'; form-action 'none'"
)

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

type htmlView struct {
	R        *Report
	CSP      string
	CSS      template.CSS
	JS       template.JS
	Rows     []htmlRow
	Kinds    []string
	Statuses []string
	Sevs     []string
	Charts   []htmlChart
	Reasons  []finding.Reason
}

type htmlRow struct {
	F        finding.Finding
	SevRank  int
	Status   string
	Location string
	Fix      string
}

type htmlChart struct {
	Title  string
	Height int
	Bars   []htmlBar
}

type htmlBar struct {
	Label string
	Count int
	Y     int
	W     int
	Color string
	TextX int
}

var htmlSevColor = map[finding.Severity]string{
	finding.Critical: "#8b1a1a", finding.High: "#d03b2c", finding.Medium: "#d9822b", finding.Low: "#2f6fb0", finding.Unknown: "#777777",
}

// writeHTML writes one self-contained page: no external resource, a strict CSP, every string from
// the scanned repository escaped by html/template (and stripped of invalid UTF-8 and invisible
// controls first).
func writeHTML(w io.Writer, r *Report, _ Options) error {
	v := htmlView{R: r, CSP: htmlCSP, CSS: template.CSS(htmlCSS), JS: template.JS(htmlJS), Reasons: r.Verdict.Reasons}
	kinds, statuses := map[string]int{}, map[string]int{}
	sevs := map[finding.Severity]int{}
	for _, f := range r.Findings {
		st := f.Status
		if st == "" {
			st = "new"
		}
		loc := f.Location.Path
		if f.Location.StartLine > 0 {
			loc += fmt.Sprintf(":%d", f.Location.StartLine)
		}
		fix := ""
		if f.Vuln != nil && f.Vuln.FixedVersion != "" {
			fix = f.Vuln.FixedVersion
		}
		v.Rows = append(v.Rows, htmlRow{F: f, SevRank: int(f.Severity), Status: st, Location: loc, Fix: fix})
		kinds[string(f.Kind)]++
		statuses[st]++
		sevs[f.Severity]++
	}
	v.Kinds = htmlSortedNames(kinds)
	v.Statuses = htmlSortedNames(statuses)
	for _, s := range finding.Severities() {
		v.Sevs = append(v.Sevs, s.String())
	}

	var sevBars []htmlBar
	for _, s := range finding.Severities() {
		sevBars = append(sevBars, htmlBar{Label: s.String(), Count: sevs[s], Color: htmlSevColor[s]})
	}
	v.Charts = append(v.Charts, htmlBarChart("Findings by severity", sevBars))
	var kindBars []htmlBar
	for _, k := range v.Kinds {
		kindBars = append(kindBars, htmlBar{Label: k, Count: kinds[k], Color: "#4a5d7e"})
	}
	v.Charts = append(v.Charts, htmlBarChart("Findings by kind", kindBars))
	var stBars []htmlBar
	for _, s := range []string{"new", "existing", "suppressed"} {
		stBars = append(stBars, htmlBar{Label: s, Count: statuses[s], Color: map[string]string{"new": "#d03b2c", "existing": "#b7791f", "suppressed": "#9e9e9e"}[s]})
	}
	v.Charts = append(v.Charts, htmlBarChart("Findings by status", stBars))
	return htmlTmpl.Execute(w, v)
}

// htmlBarChart lays out a horizontal bar chart for inline SVG (geometry only; the template draws it).
func htmlBarChart(title string, bars []htmlBar) htmlChart {
	const rowH, maxW, labelW = 22, 200, 90
	most := 0
	for _, b := range bars {
		most = max(most, b.Count)
	}
	for i := range bars {
		bars[i].Y = i * rowH
		if most > 0 {
			bars[i].W = bars[i].Count * maxW / most
		}
		if bars[i].Count > 0 && bars[i].W < 2 {
			bars[i].W = 2
		}
		bars[i].TextX = labelW + bars[i].W + 6
	}
	return htmlChart{Title: title, Height: len(bars)*rowH + 4, Bars: bars}
}

func htmlSortedNames(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// htmlClean makes repository text safe to show before html/template escapes it: invalid UTF-8 is
// replaced and control and bidi characters (which can disguise a path) are made visible.
func htmlClean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
