package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileConfigSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../schema/tollgate.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("tollgate.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("tollgate.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlToJSON turns a YAML policy into the JSON value the schema validates (dates stay strings).
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	var conv func(n *yaml.Node) any
	conv = func(n *yaml.Node) any {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return map[string]any{}
			}
			return conv(n.Content[0])
		case yaml.MappingNode:
			m := map[string]any{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				m[n.Content[i].Value] = conv(n.Content[i+1])
			}
			return m
		case yaml.SequenceNode:
			out := []any{}
			for _, c := range n.Content {
				out = append(out, conv(c))
			}
			return out
		}
		var v any
		if n.Tag == "!!timestamp" {
			return n.Value
		}
		if err := n.Decode(&v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		return inst
	}
	return conv(&n)
}

// TestSchemaAgreesWithLoader: what the loader accepts the schema accepts, and the files the loader
// rejects for unknown keys or missing waiver fields the schema rejects too.
func TestSchemaAgreesWithLoader(t *testing.T) {
	s := compileConfigSchema(t)
	if err := s.Validate(yamlToJSON(t, DefaultConfig)); err != nil {
		t.Errorf("default config: %v", err)
	}
	for _, file := range []string{"good.yaml", "unknown-top.yaml", "unknown-nested.yaml", "unknown-waiver-key.yaml", "unknown-kind.yaml",
		"waiver-no-owner.yaml", "waiver-no-expiry.yaml", "waiver-no-scope.yaml", "bad-severity.yaml", "wrong-type.yaml", "not-mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata/config", file))
		if err != nil {
			t.Fatal(err)
		}
		_, loadErr := ParseConfig(file, b)
		schemaErr := s.Validate(yamlToJSON(t, b))
		if (loadErr == nil) != (schemaErr == nil) {
			t.Errorf("%s: loader says %v, schema says %v", file, loadErr, schemaErr)
		}
	}
}

// TestSchemaInSyncWithConfig: every yaml key of Config is a schema property and the other way round.
func TestSchemaInSyncWithConfig(t *testing.T) {
	b, err := os.ReadFile("../../schema/tollgate.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties map[string]struct {
			Properties map[string]any `json:"properties"`
			Items      struct {
				Ref string `json:"$ref"`
			} `json:"items"`
		} `json:"properties"`
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(t reflect.Type) []string {
		var out []string
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				out = append(out, tag)
			}
		}
		slices.Sort(out)
		return out
	}
	mapKeys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	var top []string
	for k := range doc.Properties {
		top = append(top, k)
	}
	slices.Sort(top)
	if want := keys(reflect.TypeOf(Config{})); !slices.Equal(top, want) {
		t.Errorf("schema top-level keys %v, Config has %v", top, want)
	}
	for key, typ := range map[string]reflect.Type{"vulnerabilities": reflect.TypeOf(VulnRules{}), "licenses": reflect.TypeOf(LicenseRules{}),
		"secrets": reflect.TypeOf(SecretRules{}), "misconfig": reflect.TypeOf(MisconfigRules{}), "imports": reflect.TypeOf(Imports{})} {
		if got, want := mapKeys(doc.Properties[key].Properties), keys(typ); !slices.Equal(got, want) {
			t.Errorf("%s: schema %v, Go %v", key, got, want)
		}
	}
	if got, want := mapKeys(doc.Defs["waiver"].Properties), keys(reflect.TypeOf(Waiver{})); !slices.Equal(got, want) {
		t.Errorf("waiver: schema %v, Go %v", got, want)
	}
}
