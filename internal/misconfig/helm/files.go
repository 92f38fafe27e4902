package helm

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/ignore"
	"sigs.k8s.io/yaml"
)

// Limits on one chart (its subcharts and archives included). A chart is read into memory whole, so
// these bound what a hostile tree can make one render hold.
const (
	MaxFiles    = 5000
	MaxBytes    = 50 << 20
	maxArchives = 50
)

// source is a chart read from the target tree: the files helm's loader takes, and where each
// (sub)chart lives so rendered template names can be mapped back to the tree.
type source struct {
	dir   string
	files []*loader.BufferedFile
	// sub maps "<chart dir relative to dir>\x00<subchart name>" to the subchart's directory or
	// archive, relative to dir: helm names rendered templates by chart name, not by directory.
	sub map[string]string
}

// readChart reads the chart rooted at dir from fsys. It never leaves dir and honours .helmignore as
// helm does; non-regular files (symlinks, devices) are left out.
func readChart(fsys fs.FS, dir string) (*source, error) {
	src := &source{dir: dir, sub: map[string]string{}}
	rules := ignore.Empty()
	if b, err := fs.ReadFile(fsys, path.Join(dir, ignore.HelmIgnore)); err == nil {
		r, err := ignore.Parse(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ignore.HelmIgnore, err)
		}
		rules = r
	}
	rules.AddDefaults()
	total, archives := 0, 0
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if rel == "" {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if rules.Ignore(rel, fi) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if len(src.files) >= MaxFiles {
			return fmt.Errorf("chart has more than %d files", MaxFiles)
		}
		if total += int(fi.Size()); total > MaxBytes || fi.Size() > MaxBytes {
			return fmt.Errorf("chart is larger than %d bytes", MaxBytes)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if total += len(b) - int(fi.Size()); total > MaxBytes {
			return fmt.Errorf("chart is larger than %d bytes", MaxBytes)
		}
		src.files = append(src.files, &loader.BufferedFile{Name: rel, Data: b})
		parent, name, ok := subchartOf(rel)
		switch {
		case ok && path.Base(rel) == "Chart.yaml":
			var m chart.Metadata
			if yaml.Unmarshal(b, &m) == nil && m.Name != "" {
				src.sub[parent+"\x00"+m.Name] = path.Dir(rel)
			}
		case ok && name != "" && strings.HasSuffix(rel, ".tgz"):
			if archives++; archives > maxArchives {
				return fmt.Errorf("chart has more than %d archived dependencies", maxArchives)
			}
			if c, err := loader.LoadArchive(bytes.NewReader(b)); err == nil && c.Metadata != nil {
				src.sub[parent+"\x00"+c.Metadata.Name] = rel
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}

// subchartOf recognises "<parent>/charts/<name>/Chart.yaml" and "<parent>/charts/<name>.tgz" (parent
// relative to the chart root, "." for the root chart itself).
func subchartOf(rel string) (parent, name string, ok bool) {
	dir := path.Dir(rel)
	if strings.HasSuffix(rel, ".tgz") {
		if path.Base(dir) != "charts" {
			return "", "", false
		}
		return path.Dir(dir), strings.TrimSuffix(path.Base(rel), ".tgz"), true
	}
	if path.Base(path.Dir(dir)) != "charts" {
		return "", "", false
	}
	return path.Dir(path.Dir(dir)), path.Base(dir), true
}

// templatePath maps a rendered template name ("mychart/charts/db/templates/sts.yaml") to its file
// in the tree. A template inside an archived dependency maps to the archive.
func (s *source) templatePath(name string) string {
	parts := strings.Split(name, "/")
	cur := "."
	i := 1 // parts[0] is the root chart's name
	for i+1 < len(parts) && parts[i] == "charts" {
		sub, ok := s.sub[cur+"\x00"+parts[i+1]]
		if !ok {
			sub = path.Join(cur, "charts", parts[i+1])
		}
		if strings.HasSuffix(sub, ".tgz") {
			return path.Join(s.dir, sub)
		}
		cur = sub
		i += 2
	}
	return path.Join(s.dir, cur, strings.Join(parts[i:], "/"))
}
