package target

import (
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/tollgate-dev/tollgate/internal/image"
	"github.com/tollgate-dev/tollgate/internal/sbom"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Container images and SBOMs are recognised by content, before the directory fallback.
func init() {
	Openers = append(Openers, openImage, openSBOM)
}

func openImage(p string, o Options) (scan.Source, error) {
	imo := image.Options{}
	if len(o.Walk.SkipDirs)+len(o.Walk.SkipFiles) > 0 {
		imo.Skip = func(rel string) bool { return skipInImage(rel, o.Walk.SkipDirs, o.Walk.SkipFiles) }
	}
	im, err := image.Open(p, imo)
	if err != nil || im == nil {
		return nil, err
	}
	return im, nil
}

func openSBOM(p string, _ Options) (scan.Source, error) {
	s, err := sbom.Open(p)
	if err != nil || s == nil {
		return nil, err
	}
	return s, nil
}

// skipInImage applies --skip-files to the file and --skip-dirs to each of its parent folders, with
// the directory walk's rule: a glob without a slash also matches a base name at any depth.
func skipInImage(rel string, dirs, files []string) bool {
	if globMatch(files, rel) {
		return true
	}
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if globMatch(dirs, d) {
			return true
		}
	}
	return false
}

func globMatch(globs []string, rel string) bool {
	for _, g := range globs {
		g = strings.TrimPrefix(strings.TrimSuffix(g, "/"), "./")
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := doublestar.Match(g, path.Base(rel)); ok {
				return true
			}
		}
	}
	return false
}
