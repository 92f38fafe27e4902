package vulndb

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// snapshot is the shared real OSV snapshot; benchmarks skip without it.
const snapshot = "../../../shared/osv"

func BenchmarkImportSnapshot(b *testing.B) {
	if _, err := os.Stat(snapshot); err != nil {
		b.Skip("no OSV snapshot at", snapshot)
	}
	for b.Loop() {
		dir := b.TempDir()
		res, err := Import(context.Background(), dir, snapshot, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Updated) == 0 {
			b.Fatal("nothing imported")
		}
	}
}

// BenchmarkMatch20k matches 20,000 packages (real vulnerable names from the snapshot at assorted
// versions, plus names no advisory mentions) against a warm database: open, match, close.
func BenchmarkMatch20k(b *testing.B) {
	if _, err := os.Stat(snapshot); err != nil {
		b.Skip("no OSV snapshot at", snapshot)
	}
	dir := b.TempDir()
	if _, err := Import(context.Background(), dir, snapshot, Options{}); err != nil {
		b.Fatal(err)
	}
	pkgs := benchPackages(b, dir, 20000)
	ctx := context.Background()
	b.ResetTimer()
	var found int
	for b.Loop() {
		db, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		res, err := db.Match(ctx, pkgs)
		if err != nil {
			b.Fatal(err)
		}
		found = len(res.Findings)
		db.Close()
	}
	b.ReportMetric(float64(found), "findings")
}

func benchPackages(b *testing.B, dir string, n int) []finding.Package {
	db, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	versions := map[string][]string{
		"Go":        {"v0.1.0", "v1.2.3", "v1.10.0", "v2.0.0+incompatible", "v0.0.0-20210101000000-abcdefabcdef"},
		"PyPI":      {"0.9", "1.0.0", "2.3.1", "3.0.0rc1", "1.11.0"},
		"crates.io": {"0.1.0", "0.5.2", "1.0.0", "0.22.1"},
		"Packagist": {"1.0.0", "2.3.4", "8.9.0"},
	}
	var pkgs []finding.Package
	for _, u := range db.units {
		ix, err := u.index()
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range ix.entries {
			vs, ok := versions[e.eco]
			if !ok {
				continue
			}
			for j, v := range vs {
				pkgs = append(pkgs, finding.Package{Ecosystem: e.eco, Name: e.name, Version: v, Manifest: fmt.Sprintf("m%d/lock", j)})
			}
		}
	}
	for i := 0; len(pkgs) < n; i++ {
		pkgs = append(pkgs, finding.Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0", Manifest: "package-lock.json"},
			finding.Package{Ecosystem: "Go", Name: fmt.Sprintf("example.com/mod%d", i), Version: "v1.0.0", Manifest: "go.mod"})
	}
	return pkgs[:n]
}
