package helm

import (
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// Release settings every chart is rendered with, as `helm template` does by default.
const (
	ReleaseName      = "release-name"
	ReleaseNamespace = "default"
)

// renderFiles loads a chart from memory and renders it with its own values overlaid by user values.
// The zero engine.Engine has no cluster client: `lookup` returns an empty map and DNS lookups return
// "", so rendering never reaches the network.
func renderFiles(files []*loader.BufferedFile, user map[string]any) (map[string]string, error) {
	c, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	if user == nil {
		user = map[string]any{}
	}
	if err := chartutil.ProcessDependenciesWithMerge(c, user); err != nil {
		return nil, fmt.Errorf("chart dependencies: %w", err)
	}
	opts := chartutil.ReleaseOptions{Name: ReleaseName, Namespace: ReleaseNamespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValues(c, user, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	out, err := engine.Engine{}.Render(c, vals)
	if err != nil {
		return nil, err
	}
	for name, body := range out {
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(body) == "" {
			delete(out, name)
		}
	}
	return out, nil
}

// mergeValues deep-merges b over a (later --helm-values files win), as helm's -f does.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
