package misconfig

import (
	"os"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func at(r *finding.Report, id, p string) []finding.Finding {
	var out []finding.Finding
	for _, f := range find(r, id) {
		if f.Location.Path == p {
			out = append(out, f)
		}
	}
	return out
}

func skipped(r *finding.Report, p string) string {
	for _, s := range r.Skipped {
		if s.Path == p {
			return s.Reason + ": " + s.Detail
		}
	}
	return ""
}

func TestHelmChart(t *testing.T) {
	r := runTree(t, newScanner(t), os.DirFS("testdata/rendered"))
	priv := at(r, "TG-K8S-001", "web/templates/deployment.yaml")
	if len(priv) != 1 {
		t.Fatalf("want the privileged container from default values at the template, got %v", ruleIDs(r))
	}
	if l := priv[0].Location; l.StartLine != 20 || l.Resource != "Deployment/release-name-web" {
		t.Errorf("privileged location = %+v, want line 20 of the template (its privileged: key)", l)
	}
	if hn := at(r, "TG-K8S-003", "web/charts/cache/templates/daemonset.yaml"); len(hn) != 1 || hn[0].Location.StartLine != 14 {
		t.Errorf("subchart hostNetwork: %v", ruleIDs(r))
	}
	if got := skipped(r, "broken/Chart.yaml"); !strings.Contains(got, "parse-error") || !strings.Contains(got, "image is required") {
		t.Errorf("broken chart skip = %q", got)
	}
	for _, sk := range r.Skipped {
		if strings.Contains(sk.Path, "/templates/") {
			t.Errorf("template parsed as raw YAML: %+v", sk)
		}
	}
}

func TestHelmValuesFlag(t *testing.T) {
	s, err := New(Options{HelmValues: []string{"testdata/rendered/web/values-hardened.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	r := runTree(t, s, os.DirFS("testdata/rendered"))
	if got := find(r, "TG-K8S-001"); len(got) != 0 {
		t.Errorf("--helm-values privileged: false still reports %v", ruleIDs(r))
	}
	if _, err := New(Options{HelmValues: []string{"testdata/nope.yaml"}}); err == nil {
		t.Error("a missing values file must fail")
	}
}

func TestKustomizeOverlay(t *testing.T) {
	r := runTree(t, newScanner(t), os.DirFS("testdata/rendered"))
	hn := at(r, "TG-K8S-003", "kust/base/deployment.yaml")
	if len(hn) != 1 {
		t.Fatalf("want the overlay's patched-in hostNetwork at the base file, got %v", ruleIDs(r))
	}
	if l := hn[0].Location; l.Resource != "Deployment/prod-api" || l.StartLine != 2 || !strings.Contains(hn[0].Message, "overlays/prod") {
		t.Errorf("hostNetwork finding = %+v %q", l, hn[0].Message)
	}
	// The base's own findings come once (raw), not again from the base's and the overlay's builds.
	if got := at(r, "TG-K8S-013", "kust/base/deployment.yaml"); len(got) != 1 || got[0].Location.Resource != "Deployment/api" {
		t.Errorf("memory-limit findings on the base = %d, want 1 raw: %v", len(got), ruleIDs(r))
	}
	// The patch is a fragment: no raw findings on it.
	for _, f := range r.Findings {
		if f.Location.Path == "kust/overlays/prod/hostnet.yaml" {
			t.Errorf("raw finding on a patch: %s", f.RuleID)
		}
	}
	if got := skipped(r, "kust/remote/kustomization.yaml"); !strings.Contains(got, "remote") {
		t.Errorf("remote base skip = %q", got)
	}
}
