package packages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/plugin"
	"github.com/google/osv-scalibr/purl"
)

// largeNPMLock is the package count above which package-lock.json is read by Tollgate's own
// linear-time reader. scalibr finds each package's line with a gjson lookup from the top of the
// file, which is quadratic: a 100k-package lockfile took over seven minutes. Below the threshold
// scalibr's extractor runs unchanged (same results as osv-scanner, which uses it too).
const largeNPMLock = 2000

// npmLock wraps scalibr's package-lock.json extractor with the linear path for large files.
type npmLock struct {
	inner filesystem.Extractor
	// threshold overrides largeNPMLock when > 0 (tests compare both paths on the same file).
	threshold int
}

func (n npmLock) Name() string                             { return n.inner.Name() }
func (n npmLock) Version() int                             { return n.inner.Version() }
func (n npmLock) Requirements() *plugin.Capabilities       { return n.inner.Requirements() }
func (n npmLock) FileRequired(api filesystem.FileAPI) bool { return n.inner.FileRequired(api) }

func (n npmLock) Extract(ctx context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, err
	}
	limit := largeNPMLock
	if n.threshold > 0 {
		limit = n.threshold
	}
	if bytes.Count(b, []byte(`"node_modules/`)) <= limit {
		in.Reader = bytes.NewReader(b)
		return n.inner.Extract(ctx, in)
	}
	// npm-shrinkwrap.json takes precedence over a package-lock.json beside it (as in scalibr).
	if path.Base(in.Path) == "package-lock.json" && in.FS != nil {
		if f, err := in.FS.Open(path.Join(path.Dir(in.Path), "npm-shrinkwrap.json")); err == nil {
			f.Close()
			return inventory.Inventory{}, nil
		}
	}
	var lock struct {
		Packages map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not extract: %w", err)
	}
	if lock.Packages == nil { // lockfile v1 only: scalibr's nested reader
		in.Reader = bytes.NewReader(b)
		return n.inner.Extract(ctx, in)
	}
	lines := npmPackageLines(b)
	seen := map[string]*extractor.Package{}
	var inv inventory.Inventory
	for key, d := range lock.Packages {
		if key == "" || d.Link {
			continue
		}
		name := d.Name
		if name == "" {
			name = npmNameFromPath(key)
		}
		k := name + "@" + d.Version
		line := lines[key]
		if p, ok := seen[k]; ok { // the same version nested in several places: keep the first line
			if line > 0 && line < p.Location.Descriptor.File.LineNumber {
				p.Location = extractor.LocationFromPathAndLine(in.Path, line)
			}
			continue
		}
		p := &extractor.Package{Name: name, Version: d.Version, PURLType: purl.TypeNPM,
			Location: extractor.LocationFromPathAndLine(in.Path, line)}
		seen[k] = p
		inv.Packages = append(inv.Packages, p)
	}
	return inv, nil
}

// npmNameFromPath turns "node_modules/a/node_modules/@s/b" into "@s/b".
func npmNameFromPath(key string) string {
	base := path.Base(key)
	if scope := path.Base(path.Dir(key)); strings.HasPrefix(scope, "@") {
		return scope + "/" + base
	}
	return base
}

// npmPackageLines finds, in one pass, the line of every key of the top-level "packages" object.
func npmPackageLines(b []byte) map[string]int {
	out := map[string]int{}
	depth, line := 0, 1
	inPackages := false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\n':
			line++
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 1 {
				inPackages = false
			}
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return out
			}
			raw := b[i : j+1]
			i = j
			k := j + 1
			for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n') {
				k++
			}
			if k >= len(b) || b[k] != ':' {
				continue
			}
			key := string(raw[1 : len(raw)-1])
			if bytes.IndexByte(raw, '\\') >= 0 {
				if err := json.Unmarshal(raw, &key); err != nil {
					continue
				}
			}
			switch {
			case depth == 1:
				inPackages = key == "packages"
			case depth == 2 && inPackages:
				if _, dup := out[key]; !dup {
					out[key] = line
				}
			}
		}
	}
	return out
}
