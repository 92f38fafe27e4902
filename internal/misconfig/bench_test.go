package misconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"
)

// fixtureTree copies every fixture file (positive and negative) into copies directories: a tree of
// real-looking Dockerfiles, manifests, workflows, compose files and Terraform.
func fixtureTree(tb testing.TB, copies int) fstest.MapFS {
	paths, _ := filepath.Glob("testdata/checks/*.txtar")
	m := fstest.MapFS{}
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		id := strings.TrimSuffix(filepath.Base(p), ".txtar")
		for _, f := range a.Files {
			for i := range copies {
				m[fmt.Sprintf("c%d/%s/%s", i, id, f.Name)] = &fstest.MapFile{Data: f.Data}
			}
		}
	}
	return m
}

// BenchmarkAnalyzeTree scans every fixture file, on disk, once per op (one goroutine; the engine
// adds workers).
func BenchmarkAnalyzeTree(b *testing.B) {
	mem := fixtureTree(b, 1)
	var bytes int64
	dir := b.TempDir()
	for name, f := range mem {
		bytes += int64(len(f.Data))
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		writeFile(b, p, string(f.Data))
	}
	fsys := os.DirFS(dir)
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		runTree(b, newScanner(b), fsys)
	}
	b.ReportMetric(float64(len(mem))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
