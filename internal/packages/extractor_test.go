package packages

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

var update = flag.Bool("update", false, "rewrite golden files")

type extracted struct {
	Packages []finding.Package `json:"packages"`
	Skipped  []finding.Skipped `json:"skipped,omitempty"`
}

// extractDir runs the extractor over every file of a fixture tree the way the engine would.
func extractDir(t *testing.T, e *Extractor, dir string) extracted {
	t.Helper()
	tree := os.DirFS(dir)
	var out extracted
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		if !e.Wants(p, int64(len(b))) {
			return nil
		}
		res, err := e.Analyze(context.Background(), &scan.File{Path: p, Size: int64(len(b)), Content: b, FS: tree})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out.Packages = append(out.Packages, res.Packages...)
		out.Skipped = append(out.Skipped, res.Skipped...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := finding.Report{Packages: out.Packages, Skipped: out.Skipped}
	r.Sort()
	out.Packages, out.Skipped = r.Packages, r.Skipped
	return out
}

// TestExtractEcosystems checks the exact package list of a realistic lockfile per ecosystem against
// a reviewed golden file (go test -run TestExtractEcosystems -update rewrites them).
func TestExtractEcosystems(t *testing.T) {
	e := New(Options{})
	for _, dir := range []string{"gomod", "npm", "yarn", "pnpm", "pypi", "poetry", "cargo", "gem", "composer",
		"maven", "nuget", "dpkg", "apk", "bad"} {
		t.Run(dir, func(t *testing.T) {
			got := extractDir(t, e, filepath.Join("testdata", dir))
			b, _ := json.MarshalIndent(got, "", "  ")
			b = append(b, '\n')
			golden := filepath.Join("testdata", dir+".golden.json")
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(want, b) {
				t.Errorf("packages differ from %s (rerun with -update and review the diff):\n%s", golden, b)
			}
		})
	}
}

func TestWantsIgnoresOrdinaryFiles(t *testing.T) {
	e := New(Options{})
	for _, p := range []string{"README.md", "src/main.go", "package.json.bak", "docs/go.mod.txt", "big.png"} {
		if e.Wants(p, 4<<20) {
			t.Errorf("Wants(%q) = true", p)
		}
	}
	for _, p := range []string{"go.mod", "web/package-lock.json", "requirements-dev.txt", "var/lib/dpkg/status",
		"lib/apk/db/installed", "usr/local/bin/app"} {
		if !e.Wants(p, 1<<20) {
			t.Errorf("Wants(%q) = false", p)
		}
	}
}

func TestNilTreeDoesNotPanic(t *testing.T) {
	e := New(Options{})
	b, _ := os.ReadFile("testdata/dpkg/var/lib/dpkg/status")
	res, err := e.Analyze(context.Background(), &scan.File{Path: "var/lib/dpkg/status", Size: int64(len(b)), Content: b})
	if err != nil || len(res.Packages) == 0 {
		t.Fatalf("got %v, %d packages", err, len(res.Packages))
	}
}

func TestNotAGoBinary(t *testing.T) {
	e := New(Options{})
	b := append([]byte("\x7fELF"), bytes.Repeat([]byte{0}, minBinarySize)...)
	res, err := e.Analyze(context.Background(), &scan.File{Path: "usr/bin/tool", Size: int64(len(b)), Content: b})
	if err != nil || len(res.Packages) != 0 || len(res.Skipped) != 0 {
		t.Fatalf("got %v %+v", err, res)
	}
}

func TestOwnGoBinary(t *testing.T) {
	exe, err := os.Executable() // the test binary is a Go program with build info
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	e := New(Options{})
	res, err := e.Analyze(context.Background(), &scan.File{Path: "bin/app", Size: int64(len(b)), Content: b})
	if err != nil {
		t.Fatal(err)
	}
	var stdlib bool
	for _, p := range res.Packages {
		if p.Ecosystem == "Go" && p.Name == "stdlib" && strings.HasPrefix(p.PURL, "pkg:golang/stdlib@") {
			stdlib = true
		}
	}
	if !stdlib {
		t.Errorf("no stdlib package in %+v", res.Packages)
	}
}
