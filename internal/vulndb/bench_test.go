package vulndb

import (
	"context"
	"os"
	"testing"
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
