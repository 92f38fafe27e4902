package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func manifests(t *testing.T, r *Renderer, chartFile string) map[string]string {
	t.Helper()
	ms, err := r.Render(context.Background(), os.DirFS("testdata"), chartFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.Path] = string(m.Rendered)
	}
	return out
}

func TestRenderDefaultValues(t *testing.T) {
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := manifests(t, r, "web/Chart.yaml")
	dep := got["web/templates/deployment.yaml"]
	if !strings.Contains(dep, "privileged: true") || !strings.Contains(dep, "name: release-name-web") {
		t.Errorf("deployment not rendered with default values:\n%s", dep)
	}
	if ds := got["web/charts/cache/templates/daemonset.yaml"]; !strings.Contains(ds, "hostNetwork: true") {
		t.Errorf("subchart template missing or wrong: %q (have %v)", ds, keys(got))
	}
	for p := range got {
		if strings.HasSuffix(p, "NOTES.txt") || strings.Contains(p, "_helpers") {
			t.Errorf("%s should not be a manifest", p)
		}
	}
}

func TestRenderUserValues(t *testing.T) {
	r, err := NewRenderer([]string{"testdata/web/values-hardened.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if dep := manifests(t, r, "web/Chart.yaml")["web/templates/deployment.yaml"]; strings.Contains(dep, "privileged") {
		t.Errorf("--helm-values did not turn privileged off:\n%s", dep)
	}
	r.values = mergeValues(r.values, map[string]any{"cache": map[string]any{"enabled": false}})
	if _, ok := manifests(t, r, "web/Chart.yaml")["web/charts/cache/templates/daemonset.yaml"]; ok {
		t.Error("a subchart disabled by its condition was rendered")
	}
}

func TestRenderBroken(t *testing.T) {
	r, _ := NewRenderer(nil)
	_, err := r.Render(context.Background(), os.DirFS("testdata"), "broken/Chart.yaml")
	if !errors.Is(err, ErrRender) || !strings.Contains(err.Error(), "image is required") {
		t.Fatalf("want a render error naming the failed template, got %v", err)
	}
}

func TestNewRendererMissingFile(t *testing.T) {
	if _, err := NewRenderer([]string{"testdata/nope.yaml"}); err == nil {
		t.Fatal("a missing --helm-values file must fail the run")
	}
}

func chartFS(templates map[string]string) fstest.MapFS {
	m := fstest.MapFS{"c/Chart.yaml": {Data: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n")}}
	for k, v := range templates {
		m["c/templates/"+k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

// Hostile charts end in a render error within the deadline, and the scan process survives them.
func TestHostileCharts(t *testing.T) {
	defer func(d time.Duration) { renderTimeout = d }(renderTimeout)
	renderTimeout = 3 * time.Second
	cases := map[string]string{
		"include loop":      `{{ define "a" }}{{ include "a" . }}{{ end }}{{ include "a" . }}`,
		"include fan-out":   `{{ define "a" }}xxxxxxxx{{ include "a" . }}{{ include "a" . }}{{ end }}{{ include "a" . }}`,
		"range bomb":        `{{ range until 2000000000 }}{{ end }}`,
		"repeat bomb":       `{{ repeat 1500000000 "x" }}`,
		"tpl bomb":          `{{ define "b" }}{{ tpl "{{ include \"b\" . }}{{ include \"b\" . }}" . }}{{ end }}{{ include "b" . }}`,
		"unparsable":        `{{ if }}`,
		"unknown function":  `{{ nope }}`,
		"fail":              `{{ fail "no" }}`,
		"lookup has no API": `{{ if lookup "v1" "Secret" "default" "x" }}{{ fail "lookup reached something" }}{{ end }}`,
	}
	// 40 levels, each including the next twice: 2^40 calls without any recursion for helm to count.
	var levels strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&levels, `{{ define "l%d" }}x{{ include "l%d" . }}{{ include "l%d" . }}{{ end }}`, i, i+1, i+1)
	}
	cases["include levels"] = levels.String() + `{{ define "l40" }}x{{ end }}{{ include "l0" . }}`
	r, _ := NewRenderer(nil)
	for name, tpl := range cases {
		t.Run(name, func(t *testing.T) {
			ms, err := r.Render(context.Background(), chartFS(map[string]string{"x.yaml": tpl}), "c/Chart.yaml")
			if name == "lookup has no API" {
				if err != nil {
					t.Fatalf("lookup must render empty: %v", err)
				}
				return
			}
			if len(err.Error()) > maxErr+100 {
				t.Errorf("error of %d bytes; details are cut to %d", len(err.Error()), maxErr)
			}
			if !errors.Is(err, ErrRender) {
				t.Fatalf("want ErrRender, got %v (%d manifests)", err, len(ms))
			}
		})
	}
}

func TestArchivedDependency(t *testing.T) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"db/Chart.yaml":         "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"db/templates/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db\nspec:\n  hostPID: true\n  containers: [{name: db, image: postgres:17}]\n",
	} {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	fsys := chartFS(nil)
	fsys["c/charts/db-1.0.0.tgz"] = &fstest.MapFile{Data: buf.Bytes()}
	r, _ := NewRenderer(nil)
	ms, err := r.Render(context.Background(), fsys, "c/Chart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Path != "c/charts/db-1.0.0.tgz" || !strings.Contains(string(ms[0].Rendered), "hostPID") {
		t.Fatalf("archived dependency: %+v", ms)
	}
}

func TestLimits(t *testing.T) {
	fsys := chartFS(nil)
	fsys["c/big.bin"] = &fstest.MapFile{Data: make([]byte, MaxBytes+1)}
	r, _ := NewRenderer(nil)
	if _, err := r.Render(context.Background(), fsys, "c/Chart.yaml"); err == nil || errors.Is(err, ErrRender) {
		t.Fatalf("an oversized chart must be refused before rendering, got %v", err)
	}
}

func TestChartOfTemplate(t *testing.T) {
	fsys := os.DirFS("testdata")
	for p, want := range map[string]string{
		"web/templates/deployment.yaml":             "web",
		"web/charts/cache/templates/daemonset.yaml": "web/charts/cache",
		"web/values.yaml":                           "",
		"other/templates/x.yaml":                    "",
	} {
		got, _ := ChartOfTemplate(fsys, p)
		if got != want {
			t.Errorf("ChartOfTemplate(%s) = %q, want %q", p, got, want)
		}
	}
	if !IsSubchart(fsys, "web/charts/cache") || IsSubchart(fsys, "web") {
		t.Error("IsSubchart")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
