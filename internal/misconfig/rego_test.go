package misconfig

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestRegoPoliciesV0AndV1(t *testing.T) {
	s, err := New(Options{PolicyDirs: []string{"testdata/policy/v1", "testdata/policy/v0"}})
	if err != nil {
		t.Fatal(err)
	}
	r := runTree(t, s, tree(map[string]string{
		"deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
		"Dockerfile":  "FROM alpine:latest\nUSER 1000\n",
		"main.tf":     "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n",
		"other.json":  `{"kind": "Deployment", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"securityContext": {"runAsNonRoot": true}}}}}`,
	}))
	want := map[string]string{
		"REGO-main.deny@deploy.yaml":  "Deployment web must set runAsNonRoot",
		"ORG-001@deploy.yaml":         "image from an unapproved registry",
		"REGO-main.deny@Dockerfile":   "do not use latest: alpine:latest",
		"REGO-main.violation@main.tf": "bucket b is public",
	}
	got := map[string]finding.Finding{}
	for _, f := range r.Findings {
		if strings.HasPrefix(f.RuleID, "REGO-") || f.RuleID == "ORG-001" {
			got[f.RuleID+"@"+f.Location.Path] = f
		}
	}
	for k, msg := range want {
		f, ok := got[k]
		if !ok {
			t.Errorf("missing %s; got %v", k, ruleIDs(r))
			continue
		}
		if f.Message != msg {
			t.Errorf("%s: message %q", k, f.Message)
		}
	}
	if f := got["REGO-main.deny@deploy.yaml"]; f.Location.StartLine != 5 || f.Location.Resource != "Deployment/web" || f.Severity != finding.High {
		t.Errorf("deploy finding location/severity: %+v", f)
	}
	if f := got["ORG-001@deploy.yaml"]; f.Severity != finding.Medium {
		t.Errorf("severity from object: %v", f.Severity)
	}
	if len(got) != len(want) {
		t.Errorf("unexpected extra findings: %v", ruleIDs(r))
	}
}

func TestRegoNamespace(t *testing.T) {
	if _, err := New(Options{PolicyDirs: []string{"testdata/policy/ns"}}); err == nil {
		t.Fatal("no rules in main: want an error")
	}
	s, err := New(Options{PolicyDirs: []string{"testdata/policy/ns"}, Namespaces: []string{"acme.rules"}})
	if err != nil {
		t.Fatal(err)
	}
	r := runTree(t, s, tree(map[string]string{"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"}))
	if len(find(r, "REGO-acme.rules.deny_no_team")) != 1 {
		t.Fatalf("got %v", ruleIDs(r))
	}
}

func TestRegoRefusesNetwork(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/net.rego", "package main\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://example.com\"})\n  msg := r.body\n}\n")
	if _, err := New(Options{PolicyDirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "http.send") {
		t.Fatalf("want http.send refused, got %v", err)
	}
}
