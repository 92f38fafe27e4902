package vulndb

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// zipDir zips every testdata/osv/<eco>/*.json into one all.zip, named <ID>.json like the bucket.
func zipDir(t testing.TB, eco string) []byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "osv", eco, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures for %s: %v", eco, err)
	}
	sort.Strings(files)
	entries := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		entries[filepath.Base(f)] = b
	}
	return makeZip(t, entries)
}

func makeZip(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(entries[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var fixtureEcosystems = []string{"Alpine", "AlmaLinux", "Bitnami", "Debian", "Go", "Maven", "Packagist", "PyPI", "crates.io", "npm"}

// mirror writes every fixture ecosystem as <root>/<eco>/all.zip, the bucket layout.
func mirror(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for _, e := range fixtureEcosystems {
		if err := os.MkdirAll(filepath.Join(root, e), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, e, "all.zip"), zipDir(t, e), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
