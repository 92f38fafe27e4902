package secrets

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/scan"
)

// goCorpus loads the text files of $GOROOT/src (the reference tree) once.
func goCorpus(b *testing.B) []*scan.File {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("no go command to locate GOROOT")
	}
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	if _, err := os.Stat(root); err != nil {
		b.Skip("GOROOT/src not present")
	}
	var files []*scan.File
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		c, err := os.ReadFile(p)
		if err != nil || len(c) > 20<<20 || bytes.IndexByte(c[:min(len(c), 8000)], 0) >= 0 {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, &scan.File{Path: filepath.ToSlash(rel), Content: c, Size: int64(len(c))})
		return nil
	})
	return files
}

func corpusBytes(files []*scan.File) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}

// BenchmarkScanGoTree is the whole analyzer (prefilter, windows, validators) over Go's source tree
// on one goroutine; MB/s is per core.
func BenchmarkScanGoTree(b *testing.B) {
	files := goCorpus(b)
	s := newTestScanner(b)
	b.SetBytes(corpusBytes(files))
	b.ResetTimer()
	var found int
	for b.Loop() {
		found = 0
		for _, f := range files {
			res, _ := s.Analyze(context.Background(), f)
			found += len(res.Findings)
		}
	}
	b.ReportMetric(float64(found), "findings")
}

// BenchmarkPrefilterGoTree is the keyword automaton alone, the floor under the analyzer.
func BenchmarkPrefilterGoTree(b *testing.B) {
	files := goCorpus(b)
	s := newTestScanner(b)
	b.SetBytes(corpusBytes(files))
	b.ResetTimer()
	hits := 0
	for b.Loop() {
		hits = 0
		for _, f := range files {
			s.pf.scan(f.Content, func(int, int) bool { hits++; return true })
		}
	}
	b.ReportMetric(float64(hits), "hits")
}

// TestGoTreeFindings prints what the built-in rules report on Go's tree (go test -run GoTree -v).
func TestGoTreeFindings(t *testing.T) {
	if testing.Short() || os.Getenv("TOLLGATE_GOTREE") == "" {
		t.Skip("set TOLLGATE_GOTREE=1 to list findings on GOROOT/src")
	}
	b := &testing.B{}
	files := goCorpus(b)
	s := newTestScanner(t)
	counts := map[string]int{}
	for _, f := range files {
		res, _ := s.Analyze(context.Background(), f)
		for _, fd := range res.Findings {
			counts[fd.RuleID]++
			t.Logf("%s:%d %s %s %s", fd.Location.Path, fd.Location.StartLine, fd.RuleID, fd.Secret.Redacted, fd.Secret.Note)
		}
	}
	var ids []string
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("%-40s %d", id, counts[id])
	}
}
