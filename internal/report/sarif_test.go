package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestSARIFGolden(t *testing.T) {
	for name, r := range map[string]*Report{"sample.sarif": sampleReport(), "empty.sarif": emptyReport()} {
		t.Run(name, func(t *testing.T) {
			got := render(t, "sarif", r, Options{})
			checkGolden(t, name, got)
			checkSARIF(t, got)
		})
	}
}

// sarifSchema compiles testdata/sarif-github.schema.json once; the fuzz test validates often.
var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(filepath.Join("testdata", "sarif-github.schema.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-github.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("sarif-github.schema.json")
})

func compileSARIFSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	s, err := sarifSchema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkSARIF validates out against the GitHub-constrained SARIF subset and cross-checks what a
// schema cannot: rule indexes, no nulls, fingerprints.
func checkSARIF(t testing.TB, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := compileSARIFSchema(t).Validate(inst); err != nil {
		t.Fatalf("SARIF does not match the GitHub subset:\n%v", err)
	}
	if bytes.Contains(out, []byte(": null")) {
		t.Error("SARIF holds a null member")
	}
	doc, err := sarif.FromBytes(out)
	if err != nil {
		t.Fatalf("go-sarif cannot read it back: %v", err)
	}
	run := doc.Runs[0]
	for i, res := range run.Results {
		if res.RuleIndex == nil || int(*res.RuleIndex) >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*res.RuleIndex].ID != *res.RuleID {
			t.Errorf("result %d: ruleIndex does not point at rule %q", i, *res.RuleID)
		}
	}
}

func TestSARIFContent(t *testing.T) {
	r := sampleReport()
	out := render(t, "sarif", r, Options{})
	doc, err := sarif.FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	rules := map[string]*sarif.ReportingDescriptor{}
	for _, rule := range run.Tool.Driver.Rules {
		rules[rule.ID] = rule
	}
	sev := func(id string) any { return rules[id].Properties["security-severity"] }
	for id, want := range map[string]any{
		"aws-access-key-id":    "9.5", // CRITICAL, no CVSS
		"GHSA-4374-p667-p6c8":  "7.5", // HIGH with CVSS 7.5: CVSS agrees with the band
		"GHSA-qwcr-r2fm-qrc7":  "8.0", // HIGH with CVSS 5.3: the band wins, GitHub ranks as the gate does
		"GHSA-jf85-cpcp-j695":  "9.1",
		"PYSEC-2024-0001":      nil, // UNKNOWN: no security-severity rather than a misleading 0.0
		"DOCKERFILE-USER-ROOT": "2.0",
	} {
		if got := sev(id); got != want {
			t.Errorf("%s: security-severity %v, want %v", id, got, want)
		}
	}
	byFP := map[string]*sarif.Result{}
	for _, res := range run.Results {
		byFP[res.PartialFingerprints[fingerprintKey].(string)] = res
	}
	for _, f := range r.Findings {
		res := byFP[f.Fingerprint]
		if res == nil {
			t.Fatalf("%s: no result with its fingerprint", f.RuleID)
		}
		uri := *res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if uri != f.Location.Path {
			t.Errorf("%s: uri %q, want %q", f.RuleID, uri, f.Location.Path)
		}
		switch f.Status {
		case "suppressed":
			if len(res.Suppressions) != 1 || res.Suppressions[0].Justification == nil {
				t.Errorf("%s: suppressed finding without a justified suppression", f.RuleID)
			} else if want := map[string]string{"inline": "inSource"}[f.Suppression.Kind]; res.Suppressions[0].Kind != cmpOr(want, "external") {
				t.Errorf("%s: suppression kind %q", f.RuleID, res.Suppressions[0].Kind)
			}
		case "existing":
			if res.BaselineState == nil || *res.BaselineState != "unchanged" {
				t.Errorf("%s: existing finding not marked unchanged", f.RuleID)
			}
		}
		if f.Location.Commit != nil {
			c, _ := res.Properties["commit"].(map[string]any)
			if c["hash"] != f.Location.Commit.Hash || c["author"] != f.Location.Commit.Author {
				t.Errorf("%s: commit properties %v", f.RuleID, c)
			}
		}
	}
	if bytes.Contains(out, []byte("AKIAIOSFODNN7Q2W3E4R")) {
		t.Error("secret in clear")
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestSARIFHostile(t *testing.T) {
	out := render(t, "sarif", hostileReport(), Options{})
	checkSARIF(t, out)
	for _, bad := range []string{"\x1b", "\u009b", "\u202e", "<script>"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("raw %q in SARIF output", bad)
		}
	}
}

// TestSARIFResultLimit: GitHub rejects a run over 25,000 results, so the formatter keeps the
// most important ones and says how many it left out.
func TestSARIFResultLimit(t *testing.T) {
	if maxSARIFResults != 25000 {
		t.Fatalf("limit %d, GitHub's is 25000", maxSARIFResults)
	}
	defer func(n int) { maxSARIFResults = n }(maxSARIFResults)
	maxSARIFResults = 200
	r := emptyReport()
	for i := range maxSARIFResults + 10 {
		sev, status := finding.High, ""
		if i < 10 {
			sev, status = finding.Critical, "suppressed" // not counted: the first to go
		}
		r.Findings = append(r.Findings, finding.Finding{Kind: finding.KindSecret, RuleID: fmt.Sprintf("rule-%d", i%7),
			Severity: sev, Status: status, Message: "m", Location: finding.Location{Path: fmt.Sprintf("f%06d.txt", i), StartLine: 1},
			Fingerprint: fmt.Sprintf("%032x", i)})
	}
	out := render(t, "sarif", r, Options{})
	checkSARIF(t, out)
	var doc struct {
		Runs []struct {
			Results []struct {
				Suppressions []any `json:"suppressions"`
			} `json:"results"`
			Properties map[string]any `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if len(run.Results) != maxSARIFResults {
		t.Fatalf("%d results, want %d", len(run.Results), maxSARIFResults)
	}
	for _, res := range run.Results {
		if len(res.Suppressions) > 0 {
			t.Fatal("a suppressed result was kept while counted ones were dropped")
		}
	}
	if run.Properties["tollgate/resultsLeftOut"] != float64(10) {
		t.Errorf("left-out count %v", run.Properties["tollgate/resultsLeftOut"])
	}
}

func TestRelativeURI(t *testing.T) {
	for in, want := range map[string]string{
		"src/main.go":         "src/main.go",
		"./a/b.txt":           "a/b.txt",
		"/abs/x.txt":          "abs/x.txt",
		`dir\win\file.ini`:    "dir/win/file.ini",
		"with space/100%.txt": "with%20space/100%25.txt",
		"q?x#y.txt":           "q%3Fx%23y.txt",
		"C:/x.txt":            "./C:/x.txt",
		"ünï.txt":             "%C3%BCn%C3%AF.txt",
		"esc\x1b[31m.txt":     "esc%1B%5B31m.txt",
		"":                    "",
		".":                   "",
	} {
		if got := relativeURI(in); got != want {
			t.Errorf("relativeURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDropNulls(t *testing.T) {
	in := `{"a":null,"b":[null,1,{"c":null,"d":"x"}],"e":{"f":null},"g":true,"h":1.50}`
	got, err := dropNulls([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":[null,1,{"d":"x"}],"e":{},"g":true,"h":1.50}`; string(got) != want {
		t.Errorf("dropNulls = %s, want %s", got, want)
	}
}

// BenchmarkSARIFLimit renders a run at GitHub's 25,000-result limit, the largest SARIF written.
func BenchmarkSARIFLimit(b *testing.B) {
	r := emptyReport()
	for i := range maxSARIFResults {
		r.Findings = append(r.Findings, finding.Finding{Kind: finding.KindSecret, RuleID: fmt.Sprintf("rule-%d", i%50),
			Severity: finding.High, Message: "m", Location: finding.Location{Path: fmt.Sprintf("f%06d.txt", i), StartLine: 1},
			Fingerprint: fmt.Sprintf("%032x", i)})
	}
	for b.Loop() {
		if err := Write("sarif", io.Discard, r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
