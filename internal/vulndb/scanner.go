package vulndb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// DefaultMaxAge is how old a database may be before a scan warns.
const DefaultMaxAge = 7 * 24 * time.Hour

// ScanOptions configure the vuln scanner.
type ScanOptions struct {
	Dir        string // database directory; DefaultDir() when empty
	Repository string // mirror for automatic updates
	MaxAge     time.Duration
	// SkipUpdate never fetches during a scan; Offline also means no network at all.
	SkipUpdate bool
	Offline    bool
	Client     *http.Client
	Now        func() time.Time
	// Log receives update progress (stderr); nil for silence.
	Log io.Writer
}

// DefaultDir is $TOLLGATE_CACHE_DIR/db, else the user cache dir's tollgate/db.
func DefaultDir() string {
	if d := os.Getenv("TOLLGATE_CACHE_DIR"); d != "" {
		return filepath.Join(d, "db")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tollgate", "db")
	}
	return filepath.Join(os.TempDir(), "tollgate", "db")
}

// Scanner is the "vuln" analyzer: it reads no files itself (the package extractor does) and, once
// the walk is over, matches rep.Packages against the local database.
type Scanner struct{ o ScanOptions }

// NewScanner builds the vuln scanner.
func NewScanner(o ScanOptions) *Scanner {
	if o.Dir == "" {
		o.Dir = DefaultDir()
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Scanner{o: o}
}

// Name implements scan.Analyzer.
func (*Scanner) Name() string { return "vuln" }

// Wants implements scan.Analyzer: packages come from the package extractor.
func (*Scanner) Wants(string, int64) bool { return false }

// Analyze is never called.
func (*Scanner) Analyze(context.Context, *scan.File) (scan.Result, error) { return scan.Result{}, nil }

// NotCheckedNoDB is the report's note when no database could be had.
const NotCheckedNoDB = "vulnerabilities were not checked: no database — run tollgate db update / db import"

// Finish implements scan.Finisher.
func (s *Scanner) Finish(ctx context.Context, rep *finding.Report) error {
	needed := neededEcosystems(rep.Packages)
	if len(needed) > 0 {
		RecordNeeded(s.o.Dir, needed, s.o.Now()) // best effort: a read-only cache is no reason to fail
	}
	db, err := Open(s.o.Dir)
	if err != nil && !errors.Is(err, ErrNoDatabase) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("vulnerability database %s: %v", s.o.Dir, err))
	}
	update := s.shouldUpdate(db, needed)
	if update {
		if at, ok := recentFailedUpdate(s.o.Dir, s.o.Now()); ok {
			update = false
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("automatic database update skipped: the last attempt failed at %s; it is retried after %s (or run tollgate db update)",
				at.UTC().Format(time.RFC3339), updateBackoff))
		}
	}
	if update {
		if db != nil {
			db.Close()
			db = nil
		}
		ecos := needed
		if m, err := Status(s.o.Dir); err == nil {
			ecos = union(ecos, unitNames(m))
		}
		if _, err := Update(ctx, s.o.Dir, Options{Repository: s.o.Repository, Ecosystems: ecos, Client: s.o.Client, Now: s.o.Now, Log: s.o.Log}); err != nil {
			rep.Warnings = append(rep.Warnings, "vulnerability database update failed: "+firstLine(err.Error()))
			recordFailedUpdate(s.o.Dir, s.o.Now())
		} else {
			os.Remove(filepath.Join(s.o.Dir, failedUpdateFile))
		}
		db, err = Open(s.o.Dir)
		if err != nil && !errors.Is(err, ErrNoDatabase) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("vulnerability database %s: %v", s.o.Dir, err))
		}
	}
	if db == nil {
		if len(rep.Packages) > 0 {
			rep.NotChecked = append(rep.NotChecked, NotCheckedNoDB)
		}
		rep.Findings = append(rep.Findings, unpinnedFindings(rep.Packages)...)
		return nil
	}
	defer db.Close()
	if age := db.Meta.Age(s.o.Now()); age > s.o.MaxAge {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the vulnerability database is %s old (--db-max-age %s); run tollgate db update",
			days(age), days(s.o.MaxAge)))
	}
	res, err := db.Match(ctx, rep.Packages)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		rep.NotChecked = append(rep.NotChecked, "vulnerabilities were not checked: the database could not be read ("+firstLine(err.Error())+") — run tollgate db update")
		rep.Findings = append(rep.Findings, unpinnedFindings(rep.Packages)...)
		return nil
	}
	rep.Findings = append(rep.Findings, res.Findings...)
	for _, e := range res.Uncovered {
		rep.NotChecked = append(rep.NotChecked, fmt.Sprintf("vulnerabilities in %s packages were not checked: the database has no %s data — run tollgate db update --ecosystems %s", e, e, e))
	}
	if n := len(res.Unparsable); n > 0 {
		show := res.Unparsable[:min(n, 5)]
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d package versions could not be read by their ecosystem's rules and were not checked: %s", n, strings.Join(show, ", ")))
	}
	return nil
}

// shouldUpdate: fetch when allowed and the database is missing, stale, or lacks an ecosystem the
// scan needs.
func (s *Scanner) shouldUpdate(db *DB, needed []string) bool {
	if s.o.Offline || s.o.SkipUpdate || len(needed) == 0 {
		return false
	}
	if db == nil {
		return true
	}
	if db.Meta.Age(s.o.Now()) > s.o.MaxAge {
		return true
	}
	for _, e := range needed {
		if !db.Has(e) {
			return true
		}
	}
	return false
}

func neededEcosystems(pkgs []finding.Package) []string {
	set := map[string]bool{}
	for _, p := range pkgs {
		if base, _ := splitEcosystem(p.Ecosystem); base != "" {
			set[base] = true
		}
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

func unpinnedFindings(pkgs []finding.Package) []finding.Finding {
	var out []finding.Finding
	seen := map[string]bool{}
	for _, p := range pkgs {
		if p.Name == "" || !unpinned(p.Version) {
			continue
		}
		f := unpinnedFinding(p)
		if !seen[f.Fingerprint] {
			seen[f.Fingerprint] = true
			out = append(out, f)
		}
	}
	return out
}

func unitNames(m *Meta) []string {
	var out []string
	for n := range m.Units {
		out = append(out, n)
	}
	return out
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func days(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

// updateBackoff keeps a pipeline without network from paying a failed download on every scan: after a
// failed automatic update, scans use the database as it is for this long.
const updateBackoff = time.Hour

const failedUpdateFile = "last-failed-update"

func recordFailedUpdate(dir string, now time.Time) {
	if os.MkdirAll(dir, 0o755) == nil {
		_ = writeFileAtomic(filepath.Join(dir, failedUpdateFile), []byte(now.UTC().Format(time.RFC3339)))
	}
}

func recentFailedUpdate(dir string, now time.Time) (time.Time, bool) {
	b, err := os.ReadFile(filepath.Join(dir, failedUpdateFile))
	if err != nil {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil || now.Sub(at) >= updateBackoff || at.After(now) {
		return time.Time{}, false
	}
	return at, true
}
