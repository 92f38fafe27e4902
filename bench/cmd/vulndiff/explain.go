package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// advisories reads OSV records by id from a snapshot folder of <Ecosystem>/all.zip, so each
// difference can be put in a category with the advisory that explains it.
type advisories struct {
	files map[string]*zip.File
}

type advisory struct {
	Affected []struct {
		Package  struct{ Name, Ecosystem string }
		Versions []string
		Ranges   []struct{ Type string }
	}
}

func openAdvisories(dir string) (*advisories, error) {
	a := &advisories{files: map[string]*zip.File{}}
	zips, _ := filepath.Glob(filepath.Join(dir, "*", "all.zip"))
	for _, z := range zips {
		zr, err := zip.OpenReader(z)
		if err != nil {
			return nil, err
		}
		for _, f := range zr.File {
			a.files[strings.TrimSuffix(f.Name, ".json")] = f
		}
	}
	return a, nil
}

func (a *advisories) get(id string) *advisory {
	f := a.files[id]
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	var adv advisory
	if json.Unmarshal(b, &adv) != nil {
		return nil
	}
	return &adv
}

var upper = regexp.MustCompile(`[A-Z]`)

// category names why one tool reports a pair the other does not, from facts of the advisory.
func (a *advisories) category(k pkgKey, id string) string {
	if k.eco == "Go" && k.name == "stdlib" {
		return "Go standard library from the go.mod `go` directive"
	}
	if k.eco == "Go" && upper.MatchString(k.name) {
		return "Go module path with upper-case letters"
	}
	adv := a.get(id)
	if adv == nil {
		return "advisory not in the snapshot"
	}
	for _, af := range adv.Affected {
		if norm("", "", af.Package.Ecosystem, af.Package.Name, "").name != k.name {
			continue
		}
		if af.Package.Name != k.name && k.eco == "PyPI" {
			return "advisory names the PyPI package without PEP 503 normalisation"
		}
		git, listed := false, false
		for _, r := range af.Ranges {
			git = git || r.Type == "GIT"
		}
		for _, v := range af.Versions {
			listed = listed || v == k.version
		}
		if git && !listed {
			return "affected entry mixes GIT with ECOSYSTEM/SEMVER ranges; version only in the range, not in versions[]"
		}
	}
	return "other"
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
