package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestJUnitGolden(t *testing.T) {
	for name, r := range map[string]*Report{"sample.junit.xml": sampleReport(), "empty.junit.xml": emptyReport()} {
		t.Run(name, func(t *testing.T) {
			got := render(t, "junit", r, Options{})
			checkGolden(t, name, got)
			checkJUnit(t, got)
		})
	}
}

// junitSchema is the common JUnit schema (Jenkins junit-10.xsd) reduced to what a validator
// checks for the elements Tollgate writes: allowed attributes, required attributes, children
// in order. It was written from the schema's published structure for this test.
var junitSchema = map[string]struct {
	attrs, required []string
	children        []string // allowed children, in the order they must appear
}{
	"testsuites": {attrs: []string{"name", "time", "tests", "failures", "disabled", "errors"}, children: []string{"testsuite"}},
	"testsuite": {attrs: []string{"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
		required: []string{"name", "tests"}, children: []string{"properties", "testcase", "system-out", "system-err"}},
	"properties": {children: []string{"property"}},
	"property":   {attrs: []string{"name", "value"}, required: []string{"name", "value"}},
	"testcase": {attrs: []string{"name", "assertions", "time", "classname", "status"}, required: []string{"name"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"}},
	"skipped":    {attrs: []string{"message"}},
	"failure":    {attrs: []string{"type", "message"}},
	"error":      {attrs: []string{"type", "message"}},
	"system-out": {},
	"system-err": {},
}

var (
	junitNumber    = regexp.MustCompile(`^[0-9]+$`)
	junitDecimal   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	junitTimestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
)

// checkJUnit parses out as XML and checks it against junitSchema, the counts against the
// testcases, and that testcase has at most one of skipped/failure.
func checkJUnit(t testing.TB, out []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	type open struct {
		name      string
		lastChild int
		counts    map[string]int
		attrs     map[string]string
	}
	var stack []*open
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("JUnit is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			spec, ok := junitSchema[name]
			if !ok {
				t.Fatalf("element <%s> is not in the JUnit schema", name)
			}
			if len(stack) == 0 && name != "testsuites" {
				t.Fatalf("root is <%s>", name)
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				pos := slices.Index(junitSchema[parent.name].children, name)
				if pos < 0 {
					t.Fatalf("<%s> may not contain <%s>", parent.name, name)
				}
				if pos < parent.lastChild {
					t.Fatalf("<%s> comes after a later sibling in <%s>", name, parent.name)
				}
				parent.lastChild = pos
				parent.counts[name]++
			}
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				if !slices.Contains(spec.attrs, a.Name.Local) {
					t.Fatalf("<%s> has attribute %q outside the schema", name, a.Name.Local)
				}
				attrs[a.Name.Local] = a.Value
			}
			for _, req := range spec.required {
				if _, ok := attrs[req]; !ok {
					t.Fatalf("<%s> lacks required attribute %q", name, req)
				}
			}
			for _, n := range []string{"tests", "failures", "errors", "skipped"} {
				if v, ok := attrs[n]; ok && !junitNumber.MatchString(v) {
					t.Fatalf("<%s %s=%q> is not a count", name, n, v)
				}
			}
			if v, ok := attrs["time"]; ok && !junitDecimal.MatchString(v) {
				t.Fatalf("<%s time=%q> is not a decimal", name, v)
			}
			if v, ok := attrs["timestamp"]; ok && !junitTimestamp.MatchString(v) {
				t.Fatalf("<%s timestamp=%q> is not an ISO 8601 date-time without zone", name, v)
			}
			stack = append(stack, &open{name: name, counts: map[string]int{}, attrs: attrs})
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch top.name {
			case "testcase":
				if top.counts["skipped"]+top.counts["failure"] > 1 {
					t.Fatal("a testcase is both skipped and failed")
				}
				if len(stack) > 0 {
					s := stack[len(stack)-1]
					s.counts["failure"] += top.counts["failure"]
					s.counts["skipped"] += top.counts["skipped"]
				}
			case "testsuite":
				for attr, n := range map[string]int{"tests": top.counts["testcase"], "failures": top.counts["failure"], "skipped": top.counts["skipped"]} {
					if top.attrs[attr] != strconv.Itoa(n) {
						t.Errorf("testsuite %q: %s=%s but %d counted", top.attrs["name"], attr, top.attrs[attr], n)
					}
				}
			}
		}
	}
}

func TestJUnitContent(t *testing.T) {
	r := sampleReport()
	out := string(render(t, "junit", r, Options{}))
	for _, want := range []string{
		`<testsuite name="secret" tests="4" failures="2" errors="0" skipped="2"`,
		`<testsuite name="vuln" tests="4" failures="1" errors="0" skipped="3"`,
		`<testsuite name="gate" tests="6" failures="3"`,
		`name="scripts/deploy.sh:42@9fceb02d0ae5 github-pat"`,
		`<skipped message="suppressed: waiver, owner team-web@example.com`,
		`type="aws-access-key-id"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JUnit lacks %s", want)
		}
	}
	if strings.Contains(out, "AKIAIOSFODNN7Q2W3E4R") {
		t.Error("secret in clear")
	}
}

func TestJUnitHostile(t *testing.T) {
	out := render(t, "junit", hostileReport(), Options{})
	checkJUnit(t, out)
	checkTerminalSafe(t, bytes.ReplaceAll(out, []byte("\t"), nil), false)
	if bytes.Contains(out, []byte("<script>")) {
		t.Error("unescaped markup")
	}
}
