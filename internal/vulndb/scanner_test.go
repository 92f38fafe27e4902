package vulndb

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
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

func TestFailedAutomaticUpdateBacksOff(t *testing.T) {
	ctx := context.Background()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	dir := t.TempDir()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	scanAt := func(at time.Time) *finding.Report {
		rep := &finding.Report{Packages: []finding.Package{{Ecosystem: "Go", Name: "golang.org/x/net", Version: "0.1.0", Manifest: "go.mod"}}}
		if err := NewScanner(ScanOptions{Dir: dir, Repository: srv.URL, Now: func() time.Time { return at }}).Finish(ctx, rep); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rep.NotChecked, NotCheckedNoDB) {
			t.Fatalf("without a database the report must say not checked: %v", rep.NotChecked)
		}
		return rep
	}
	scanAt(now)
	first := hits.Load()
	if first == 0 {
		t.Fatal("a missing database must be fetched when the network is allowed")
	}
	rep := scanAt(now.Add(10 * time.Minute))
	if hits.Load() != first {
		t.Errorf("a scan within %s of a failed update tried again", updateBackoff)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "automatic database update skipped") {
		t.Errorf("the skipped update must be explained: %v", rep.Warnings)
	}
	scanAt(now.Add(updateBackoff + time.Minute))
	if hits.Load() == first {
		t.Error("after the back-off the update must be tried again")
	}
}
