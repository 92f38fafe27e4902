package vulndb

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestScannerFinish(t *testing.T) {
	ctx := context.Background()
	pkgs := []finding.Package{
		{Ecosystem: "Go", Name: "stdlib", Version: "1.22.0", Manifest: "go.mod", Line: 3},
		{Ecosystem: "PyPI", Name: "flask", Manifest: "requirements.txt", Line: 1},
	}

	t.Run("offline without a database says not checked", func(t *testing.T) {
		rep := &finding.Report{Packages: pkgs}
		if err := NewScanner(ScanOptions{Dir: t.TempDir(), Offline: true}).Finish(ctx, rep); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rep.NotChecked, NotCheckedNoDB) {
			t.Fatalf("not checked %v", rep.NotChecked)
		}
		if len(rep.Findings) != 1 || rep.Findings[0].Kind != finding.KindUnpinned {
			t.Fatalf("findings %+v", rep.Findings)
		}
	})

	t.Run("missing database is fetched, needs are recorded", func(t *testing.T) {
		b, srv := newBucket(t, "Go", "PyPI")
		dir := t.TempDir()
		rep := &finding.Report{Packages: pkgs}
		if err := NewScanner(ScanOptions{Dir: dir, Repository: srv.URL}).Finish(ctx, rep); err != nil {
			t.Fatal(err)
		}
		if b.downloads.Load() != 2 || len(rep.NotChecked) != 0 {
			t.Fatalf("downloads %d, not checked %v, warnings %v", b.downloads.Load(), rep.NotChecked, rep.Warnings)
		}
		if len(rep.Findings) != 2 {
			t.Fatalf("findings %+v", rep.Findings)
		}
		if got := Needed(dir); !slices.Equal(got, []string{"Go", "PyPI"}) {
			t.Errorf("needed %v", got)
		}
	})

	t.Run("stale database warns, uncovered ecosystem is named", func(t *testing.T) {
		dir := t.TempDir()
		old := time.Now().Add(-30 * 24 * time.Hour)
		if _, err := Import(ctx, dir, mirror(t), Options{Now: func() time.Time { return old }}); err != nil {
			t.Fatal(err)
		}
		rep := &finding.Report{Packages: append(slices.Clone(pkgs), finding.Package{Ecosystem: "RubyGems", Name: "rails", Version: "5.0.0"})}
		if err := NewScanner(ScanOptions{Dir: dir, SkipUpdate: true}).Finish(ctx, rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "30 days old") {
			t.Errorf("warnings %v", rep.Warnings)
		}
		if len(rep.NotChecked) != 1 || !strings.Contains(rep.NotChecked[0], "RubyGems") {
			t.Errorf("not checked %v", rep.NotChecked)
		}
	})
}
