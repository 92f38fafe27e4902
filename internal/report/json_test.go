package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestJSONGolden(t *testing.T) {
	for name, r := range map[string]*Report{"sample.json": sampleReport(), "empty.json": emptyReport()} {
		t.Run(name, func(t *testing.T) {
			got := render(t, "json", r, Options{})
			checkGolden(t, name, got)
			var back finding.Report
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("output does not read back: %v", err)
			}
			if !reflect.DeepEqual(&back, canonical(r)) {
				t.Error("JSON round trip changed the report")
			}
		})
	}
}

// TestJSONDeterministic: the order a report was assembled in must not show in the output.
func TestJSONDeterministic(t *testing.T) {
	a, b := sampleReport(), sampleReport()
	for i, j := 0, len(b.Findings)-1; i < j; i, j = i+1, j-1 {
		b.Findings[i], b.Findings[j] = b.Findings[j], b.Findings[i]
	}
	b.Skipped[0], b.Skipped[len(b.Skipped)-1] = b.Skipped[len(b.Skipped)-1], b.Skipped[0]
	before := b.Findings[0].RuleID
	if !bytes.Equal(render(t, "json", a, Options{}), render(t, "json", b, Options{})) {
		t.Error("finding or skipped order leaks into the JSON output")
	}
	if b.Findings[0].RuleID != before {
		t.Error("the formatter reordered the caller's report")
	}
}

func TestJSONHostile(t *testing.T) {
	got := render(t, "json", hostileReport(), Options{})
	if !json.Valid(got) {
		t.Fatal("hostile report produced invalid JSON")
	}
	for _, bad := range []string{"\x1b", "\u009b", "\u202e", "\x7f", "<script>"} {
		if strings.Contains(string(got), bad) {
			t.Errorf("raw %q in JSON output", bad)
		}
	}
}

func compileReportSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "schema", "report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return s
}

// TestJSONMatchesSchema validates the golden reports against schema/report.schema.json.
func TestJSONMatchesSchema(t *testing.T) {
	s := compileReportSchema(t)
	for _, name := range []string{"sample.json", "empty.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s does not match the schema:\n%v", name, err)
		}
	}
	// The schema must reject what it claims to forbid, or it documents nothing.
	var m map[string]any
	_ = json.Unmarshal(render(t, "json", sampleReport(), Options{}), &m)
	m["surprise"] = true
	if s.Validate(m) == nil {
		t.Error("schema accepts an unknown top-level field")
	}
	if !strings.HasPrefix(finding.SchemaVersion, "1.") {
		t.Errorf("finding.SchemaVersion %q is a new major: write a new schema", finding.SchemaVersion)
	}
}

// TestSchemaInSyncWithTypes walks finding.Report by reflection and checks every JSON field of every
// struct has a property in the schema (and the reverse), and that fields always written are
// required. A field added to internal/finding without documenting it fails here.
func TestSchemaInSyncWithTypes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "schema", "report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		objectSchema
		Defs map[string]objectSchema `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[finding.Report]().PkgPath() || seen[typ] {
			return
		}
		seen[typ] = true
		obj, ok := schema.Defs[typ.Name()]
		if typ.Name() == "Report" {
			obj, ok = schema.objectSchema, true
		}
		if !ok {
			t.Errorf("schema has no $defs/%s", typ.Name())
			return
		}
		fields := map[string]bool{}
		for i := range typ.NumField() {
			sf := typ.Field(i)
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" || !sf.IsExported() {
				continue
			}
			fields[name] = true
			prop, ok := obj.Properties[name]
			if !ok {
				t.Errorf("schema %s lacks property %q (field %s)", typ.Name(), name, sf.Name)
			}
			if ok && prop.Description == "" && prop.Ref == "" && !obviousField[name] {
				t.Errorf("schema %s.%s has no description", typ.Name(), name)
			}
			omitted := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
			if required := contains(obj.Required, name); required == omitted {
				t.Errorf("schema %s: %q required=%v but the field is always written=%v", typ.Name(), name, required, !omitted)
			}
			walk(sf.Type)
		}
		for name := range obj.Properties {
			if !fields[name] {
				t.Errorf("schema %s documents %q, which %s does not have", typ.Name(), name, typ.Name())
			}
		}
	}
	walk(reflect.TypeFor[finding.Report]())
}

type objectSchema struct {
	Required   []string `json:"required"`
	Properties map[string]struct {
		Description string `json:"description"`
		Ref         string `json:"$ref"`
	} `json:"properties"`
}

// obviousField names properties whose meaning the property name says in full.
var obviousField = map[string]bool{"name": true, "version": true, "sourceVersion": true, "startLine": true,
	"endLine": true, "startColumn": true, "endColumn": true, "author": true, "email": true, "summary": true,
	"ecosystem": true, "package": true, "purl": true, "cvssVector": true, "published": true, "reason": true,
	"message": true, "result": true, "reasons": true}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
