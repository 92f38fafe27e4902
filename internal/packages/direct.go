package packages

import (
	"encoding/json"
	"path"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// markDirect fills Package.Direct where the lockfile itself says which dependencies are direct;
// scalibr does not report it. Elsewhere Direct stays nil (unknown).
func markDirect(f *scan.File, pkgs []finding.Package) {
	var direct map[string]bool // name -> direct
	switch base := path.Base(f.Path); {
	case base == "go.mod":
		direct = goModDirect(f)
	case base == "package-lock.json" || base == "npm-shrinkwrap.json":
		direct = npmDirect(f)
	case base == "pom.xml": // a POM lists only its own dependencies
		direct = map[string]bool{}
		for _, p := range pkgs {
			direct[p.Name] = true
		}
	default:
		return
	}
	if direct == nil {
		return
	}
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem == "Go" && p.Name == "stdlib" {
			continue
		}
		d, ok := direct[p.Name]
		if !ok {
			if path.Base(f.Path) == "go.mod" {
				continue
			}
			d = false // npm: anything the root does not name is transitive
		}
		p.Direct = &d
	}
}

func goModDirect(f *scan.File) map[string]bool {
	mf, err := modfile.ParseLax(f.Path, f.Content, nil)
	if err != nil {
		return nil
	}
	m := make(map[string]bool, len(mf.Require))
	for _, r := range mf.Require {
		m[r.Mod.Path] = !r.Indirect
	}
	for _, r := range mf.Replace { // a replaced module keeps the directness of what it replaces
		if d, ok := m[r.Old.Path]; ok {
			m[r.New.Path] = d
		}
	}
	return m
}

// npmDirect reads the root package's declared dependencies (lockfile v2/v3 "packages"."") or, for
// v1, the top-level "requires" are unknown, so it answers only for v2+.
func npmDirect(f *scan.File) map[string]bool {
	var lock struct {
		Packages map[string]struct {
			Dependencies         map[string]string `json:"dependencies"`
			DevDependencies      map[string]string `json:"devDependencies"`
			OptionalDependencies map[string]string `json:"optionalDependencies"`
			PeerDependencies     map[string]string `json:"peerDependencies"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(f.Content, &lock); err != nil || lock.Packages == nil {
		return nil
	}
	root, ok := lock.Packages[""]
	if !ok {
		return nil
	}
	m := map[string]bool{}
	for _, deps := range []map[string]string{root.Dependencies, root.DevDependencies, root.OptionalDependencies, root.PeerDependencies} {
		for name := range deps {
			m[name] = true
		}
	}
	// Workspaces: their own declared dependencies are direct too.
	for k, p := range lock.Packages {
		if k == "" || strings.Contains(k, "node_modules/") {
			continue
		}
		for _, deps := range []map[string]string{p.Dependencies, p.DevDependencies, p.OptionalDependencies} {
			for name := range deps {
				m[name] = true
			}
		}
	}
	return m
}
