package misconfig

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func tree(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func find(r *finding.Report, id string) []finding.Finding {
	var out []finding.Finding
	for _, f := range r.Findings {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

// A local module is judged with its caller's inputs, reported at the module's file with a module
// address; its stand-alone findings on variable defaults are dropped.
func TestTerraformLocalModule(t *testing.T) {
	r := runTree(t, newScanner(t), tree(map[string]string{
		"main.tf": `module "db" {
  source = "./modules/db"
  public = true
}
module "db2" {
  source = "./modules/db"
}
`,
		"modules/db/main.tf": `variable "public" {
  default = false
}
resource "aws_db_instance" "this" {
  engine              = "postgres"
  storage_encrypted   = true
  publicly_accessible = var.public
}
`,
	}))
	got := find(r, "TG-TF-AWS-008")
	if len(got) != 1 {
		t.Fatalf("want one finding via module.db, got %v", ruleIDs(r))
	}
	f := got[0]
	if f.Location.Path != "modules/db/main.tf" || f.Location.Resource != "module.db.aws_db_instance.this" || f.Location.StartLine != 7 {
		t.Errorf("location = %+v", f.Location)
	}
}

// Cyclic locals stay unknown: no hang, no finding, no skip.
func TestTerraformCyclicLocals(t *testing.T) {
	r := runTree(t, newScanner(t), tree(map[string]string{
		"main.tf": `locals {
  a = local.b
  b = local.a
  c = "${local.c}x"
}
resource "aws_db_instance" "db" {
  storage_encrypted   = true
  publicly_accessible = local.a
}
`,
	}))
	if len(find(r, "TG-TF-AWS-008")) != 0 || len(r.Skipped) != 0 {
		t.Fatalf("got %v skipped %v", ruleIDs(r), r.Skipped)
	}
}

func TestTerraformTfvarsOverrideDefaults(t *testing.T) {
	r := runTree(t, newScanner(t), tree(map[string]string{
		"main.tf": `variable "public" {
  default = false
}
resource "aws_db_instance" "db" {
  storage_encrypted   = true
  publicly_accessible = var.public
}
`,
		"terraform.tfvars": "public = true\n",
	}))
	if len(find(r, "TG-TF-AWS-008")) != 1 {
		t.Fatalf("got %v", ruleIDs(r))
	}
}

func TestInlineSuppression(t *testing.T) {
	r := runTree(t, newScanner(t), tree(map[string]string{
		"Dockerfile": `FROM alpine:3.20
# tollgate:ignore:TG-DOCKER-011 the cache dir is shared on purpose
RUN chmod 777 /cache
RUN chmod 777 /tmp/x # tollgate:ignore
EXPOSE 22
`,
		"k8s/deploy.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  # tollgate:ignore:TG-K8S-003 node debugging pod
  hostNetwork: true
  containers:
    - name: c
      image: busybox:1.36
`,
	}))
	for _, f := range find(r, "TG-DOCKER-011") {
		if f.Status != "suppressed" || f.Suppression == nil || f.Suppression.Kind != "inline" {
			t.Errorf("chmod finding at line %d not suppressed: %+v", f.Location.StartLine, f)
		}
	}
	if s := find(r, "TG-DOCKER-011"); len(s) != 2 || s[0].Suppression.Reason != "the cache dir is shared on purpose" {
		t.Errorf("suppressions = %+v", s)
	}
	if f := find(r, "TG-DOCKER-012"); len(f) != 1 || f[0].Status != "" {
		t.Errorf("EXPOSE 22 must not be suppressed: %+v", f)
	}
	if f := find(r, "TG-K8S-003"); len(f) != 1 || f[0].Status != "suppressed" {
		t.Errorf("hostNetwork: %+v", f)
	}
}

func TestDisableAndSeverityOverride(t *testing.T) {
	s, err := New(Options{Disabled: []string{"tg-docker-012"}, Severity: map[string]finding.Severity{"TG-DOCKER-011": finding.Critical}})
	if err != nil {
		t.Fatal(err)
	}
	r := runTree(t, s, tree(map[string]string{"Dockerfile": "FROM alpine:3.20\nRUN chmod 777 /x\nEXPOSE 22\n"}))
	if len(find(r, "TG-DOCKER-012")) != 0 {
		t.Error("disabled check fired")
	}
	if f := find(r, "TG-DOCKER-011"); len(f) != 1 || f[0].Severity != finding.Critical {
		t.Errorf("override: %+v", f)
	}
}

// Fingerprints survive line shifts.
func TestFingerprintIgnoresLines(t *testing.T) {
	a := runTree(t, newScanner(t), tree(map[string]string{"Dockerfile": "FROM alpine:3.20\nRUN chmod 777 /x\n"}))
	b := runTree(t, newScanner(t), tree(map[string]string{"Dockerfile": "FROM alpine:3.20\n\n\nRUN chmod 777 /x\n"}))
	fa, fb := find(a, "TG-DOCKER-011"), find(b, "TG-DOCKER-011")
	if len(fa) != 1 || len(fb) != 1 || fa[0].Fingerprint != fb[0].Fingerprint || fa[0].Location.StartLine == fb[0].Location.StartLine {
		t.Fatalf("%+v\n%+v", fa, fb)
	}
}

func TestMultiDocumentAndWorkloadKinds(t *testing.T) {
	doc := func(kind, tmpl string) string {
		return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata:\n  name: w\nspec:\n" + tmpl
	}
	pod := "      spec:\n        hostPID: true\n        containers:\n          - name: c\n            image: busybox:1.36\n"
	stream := strings.Join([]string{
		doc("Deployment", "  template:\n"+pod),
		doc("StatefulSet", "  template:\n"+pod),
		doc("DaemonSet", "  template:\n"+pod),
		doc("Job", "  template:\n"+pod),
		"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: w\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostPID: true\n          containers: [{name: c, image: busybox:1.36}]\n",
		"apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: w}\n    spec:\n      hostPID: true\n      containers: [{name: c, image: busybox:1.36}]\n",
	}, "---\n")
	r := runTree(t, newScanner(t), tree(map[string]string{"all.yaml": stream}))
	if len(r.Skipped) > 0 {
		t.Fatalf("skipped: %+v", r.Skipped)
	}
	got := map[string]bool{}
	for _, f := range find(r, "TG-K8S-004") {
		got[f.Location.Resource] = true
	}
	for _, want := range []string{"Deployment/w", "StatefulSet/w", "DaemonSet/w", "Job/w", "CronJob/w", "Pod/w"} {
		if !got[want] {
			t.Errorf("no hostPID finding for %s (got %v)", want, got)
		}
	}
}

// Hostile input: recorded as parse errors, never a panic or a hang.
func TestBadInput(t *testing.T) {
	bomb := "apiVersion: v1\nkind: ConfigMap\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	deep := "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	r := runTree(t, newScanner(t), tree(map[string]string{
		"bad.yaml":                    "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
		"Dockerfile":                  "FROM alpine:3.20\nRUN <<EOF\n",
		"main.tf":                     "resource \"aws_s3_bucket\" {\n",
		".gitlab-ci.yml":              "job: [\n",
		"bomb.yaml":                   bomb,
		"deep.yaml":                   deep,
		"chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
	}))
	skipped := map[string]bool{}
	for _, s := range r.Skipped {
		if s.Reason != finding.SkipParseError {
			t.Errorf("%s: reason %s", s.Path, s.Reason)
		}
		skipped[s.Path] = true
	}
	for _, p := range []string{"bad.yaml", "main.tf", ".gitlab-ci.yml", "deep.yaml", "chart/templates/deploy.yaml"} {
		if !skipped[p] {
			t.Errorf("%s not recorded as skipped (skipped: %v)", p, r.Skipped)
		}
	}
}

// The billion-laughs document is only expanded for custom policies, and then within a budget.
func TestAliasBombWithPolicies(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/p.rego", "package main\n\ndeny contains msg if {\n  input.kind == \"ConfigMap\"\n  msg := \"no\"\n}\n")
	s, err := New(Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	bomb := "apiVersion: v1\nkind: ConfigMap\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	r := runTree(t, s, tree(map[string]string{"bomb.yaml": bomb}))
	if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Detail, "exceeds limits") {
		t.Fatalf("skipped = %+v", r.Skipped)
	}
}
