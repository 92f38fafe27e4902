package helm

import (
	"context"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

// FuzzChart loads and renders a chart from arbitrary Chart.yaml, values.yaml and template contents:
// whatever they hold, Render returns (an error or manifests) within the deadline, without panicking.
func FuzzChart(f *testing.F) {
	read := func(p string) []byte { b, _ := os.ReadFile(p); return b }
	f.Add(read("testdata/web/Chart.yaml"), read("testdata/web/values.yaml"), read("testdata/web/templates/deployment.yaml"))
	f.Add(read("testdata/broken/Chart.yaml"), []byte(""), read("testdata/broken/templates/pod.yaml"))
	f.Add([]byte("name: x\nversion: 1\ndependencies: [{name: y, condition: y.on}]\n"), []byte("a: &a [x]\nb: [*a, *a]\n"),
		[]byte(`{{ define "a" }}{{ include "a" . }}{{ end }}{{ tpl .Values.b . }}`))
	f.Add([]byte("apiVersion: v3\nname: ../../x\nversion: 0\n"), []byte("{{"), []byte("{{ .Files.Get \"../../etc/passwd\" }}"))
	defer func(d time.Duration) { renderTimeout = d }(renderTimeout)
	renderTimeout = 2 * time.Second
	r, _ := NewRenderer(nil)
	f.Fuzz(func(t *testing.T, chart, values, tpl []byte) {
		fsys := fstest.MapFS{
			"c/Chart.yaml":          {Data: chart},
			"c/values.yaml":         {Data: values},
			"c/templates/x.yaml":    {Data: tpl},
			"c/templates/_h.tpl":    {Data: tpl},
			"c/charts/s/Chart.yaml": {Data: chart},
		}
		ms, err := r.Render(context.Background(), fsys, "c/Chart.yaml")
		if err == nil {
			for _, m := range ms {
				if len(m.Rendered) > MaxOutput {
					t.Fatalf("%s: output past the cap", m.Path)
				}
			}
		}
	})
}
