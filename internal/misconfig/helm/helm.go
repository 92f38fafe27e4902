// Package helm renders the Helm charts of a scanned tree so their manifests can be checked as
// Kubernetes: a chart is recognised by its Chart.yaml, read from the target's fs.FS into memory
// (bounded, .helmignore honoured, subcharts and archived dependencies included) and rendered by
// helm's own loader, chartutil and engine packages with the chart's values.yaml overlaid by
// --helm-values files, release "release-name" in namespace "default" and helm's default
// capabilities. Nothing contacts a cluster: `lookup` returns an empty map. Each chart renders in a
// child process with a deadline and memory ceiling (see isolate.go).
package helm

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"

	"helm.sh/helm/v3/pkg/chartutil"
)

// Renderer renders charts with one set of user values.
type Renderer struct {
	values map[string]any
}

// NewRenderer reads --helm-values files (paths relative to the working directory, later files win).
func NewRenderer(valueFiles []string) (*Renderer, error) {
	r := &Renderer{values: map[string]any{}}
	for _, f := range valueFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("helm values: %w", err)
		}
		v, err := chartutil.ReadValues(b)
		if err != nil {
			return nil, fmt.Errorf("helm values %s: %w", f, err)
		}
		r.values = mergeValues(r.values, v)
	}
	return r, nil
}

// Manifest is one rendered template.
type Manifest struct {
	// Path is the template's file in the tree (an archived dependency's .tgz for its templates).
	Path string
	// Rendered is the template's output: YAML documents.
	Rendered []byte
}

// IsChartFile reports whether p names a chart's Chart.yaml.
func IsChartFile(p string) bool { return path.Base(p) == "Chart.yaml" }

// IsSubchart reports whether the chart in dir sits in a parent chart's charts/ folder: it is
// rendered as part of its parent, with the parent's values, not on its own.
func IsSubchart(fsys fs.FS, dir string) bool {
	parent := path.Dir(dir)
	if path.Base(parent) != "charts" {
		return false
	}
	_, err := fs.Stat(fsys, path.Join(path.Dir(parent), "Chart.yaml"))
	return err == nil
}

// ChartOfTemplate returns the chart directory when p is a file under a chart's templates/ folder
// (at any depth), the files helm renders rather than YAML.
func ChartOfTemplate(fsys fs.FS, p string) (string, bool) {
	if fsys == nil {
		return "", false
	}
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		if path.Base(d) != "templates" {
			continue
		}
		chart := path.Dir(d)
		if _, err := fs.Stat(fsys, path.Join(chart, "Chart.yaml")); err == nil {
			return chart, true
		}
	}
	return "", false
}

// ErrRender wraps every failure that comes from the chart itself (a template error, a render that
// ran past its deadline or memory); other errors are reading the tree.
var ErrRender = errRender

// Render renders the chart whose Chart.yaml is at chartFile. Manifests come sorted by path.
func (r *Renderer) Render(ctx context.Context, fsys fs.FS, chartFile string) ([]Manifest, error) {
	dir := path.Dir(chartFile)
	src, err := readChart(fsys, dir)
	if err != nil {
		return nil, err
	}
	out, err := render(ctx, src.files, r.values)
	if err != nil {
		return nil, err
	}
	ms := make([]Manifest, 0, len(out))
	for name, body := range out {
		ms = append(ms, Manifest{Path: src.templatePath(name), Rendered: []byte(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Path < ms[j].Path })
	return ms, nil
}
