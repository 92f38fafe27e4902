package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// memSource serves files from memory and counts reads, so the test can prove each file is read once.
type memSource struct {
	files   map[string]string
	order   []string
	reads   atomic.Int64
	commit  *finding.Commit
	lineMap []int
}

func (m *memSource) Describe() finding.Target { return finding.Target{Kind: "mem", Name: "mem"} }

func (m *memSource) Walk(ctx context.Context, emit func(Entry) error, skip func(finding.Skipped)) error {
	for _, p := range m.order {
		content := m.files[p]
		err := emit(Entry{Path: p, Size: int64(len(content)), Commit: m.commit, LineMap: m.lineMap,
			Read: func(limit int64) ([]byte, error) {
				m.reads.Add(1)
				if content == "<unreadable>" {
					return nil, errors.New("permission denied")
				}
				return []byte(content), nil
			}})
		if err != nil {
			return err
		}
	}
	return nil
}

type histSource struct{ *memSource }

func (histSource) History() bool { return true }

// lineAnalyzer reports every line containing "TOKEN" and panics on "PANIC".
type lineAnalyzer struct {
	name     string
	history  bool
	finished atomic.Bool
}

func (a *lineAnalyzer) Name() string                 { return a.name }
func (a *lineAnalyzer) Wants(p string, _ int64) bool { return !strings.HasSuffix(p, ".skip") }
func (a *lineAnalyzer) AcceptsHistory() bool         { return a.history }
func (a *lineAnalyzer) Analyze(_ context.Context, f *File) (Result, error) {
	var r Result
	for i, line := range strings.Split(string(f.Content), "\n") {
		if strings.Contains(line, "PANIC") {
			panic("boom")
		}
		if strings.Contains(line, "TOKEN") {
			r.Findings = append(r.Findings, finding.Finding{Kind: finding.KindSecret, RuleID: a.name, Severity: finding.High,
				Location:    finding.Location{StartLine: i + 1, EndLine: i + 1},
				Fingerprint: finding.Fingerprint(finding.KindSecret, a.name, f.Path, line)})
		}
	}
	return r, nil
}
func (a *lineAnalyzer) Finish(_ context.Context, r *finding.Report) error {
	a.finished.Store(true)
	return nil
}

func newMem(files ...string) *memSource {
	m := &memSource{files: map[string]string{}}
	for i := 0; i+1 < len(files); i += 2 {
		m.files[files[i]] = files[i+1]
		m.order = append(m.order, files[i])
	}
	return m
}

func TestRunReadsOnceSkipsWithReasonsAndSurvivesPanics(t *testing.T) {
	src := newMem(
		"a.txt", "x\nTOKEN\n",
		"b.bin", "TOKEN\x00\x01",
		"big.txt", strings.Repeat("TOKEN ", 100),
		"boom.txt", "PANIC",
		"gone.txt", "<unreadable>",
		"c.skip", "TOKEN",
		"z.txt", "TOKEN\nTOKEN",
	)
	a1, a2 := &lineAnalyzer{name: "one"}, &lineAnalyzer{name: "two"}
	rep, err := Run(context.Background(), src, Options{Analyzers: []Analyzer{a1, a2}, MaxFileSize: 100, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if n := src.reads.Load(); n != 5 { // a, b, boom, gone, z: big is refused by size before reading, c.skip unwanted
		t.Errorf("reads = %d, want 5 (each wanted file once, whatever the analyzer count)", n)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s:%d:%s", f.Location.Path, f.Location.StartLine, f.RuleID))
	}
	want := "a.txt:2:one a.txt:2:two z.txt:1:one z.txt:1:two z.txt:2:one z.txt:2:two"
	if strings.Join(got, " ") != want {
		t.Errorf("findings %q\nwant %q", strings.Join(got, " "), want)
	}
	reasons := map[string][]string{}
	for _, s := range rep.Skipped {
		reasons[s.Path] = append(reasons[s.Path], s.Reason)
	}
	wantSkips := map[string]string{
		"b.bin": finding.SkipBinary, "big.txt": finding.SkipTooLarge, "gone.txt": finding.SkipUnreadable,
		"boom.txt": finding.SkipAnalyzer + "," + finding.SkipAnalyzer,
	}
	for p, r := range wantSkips {
		if strings.Join(reasons[p], ",") != r {
			t.Errorf("%s skipped as %v, want %s", p, reasons[p], r)
		}
	}
	if rep.Stats.Skipped != 5 || rep.Stats.SkippedByReason[finding.SkipAnalyzer] != 2 {
		t.Errorf("stats %+v", rep.Stats)
	}
	if rep.Stats.Files != 3 { // a, boom (analyzed, then failed), z
		t.Errorf("files = %d, want 3", rep.Stats.Files)
	}
	if !a1.finished.Load() || !a2.finished.Load() {
		t.Error("Finish must run for every Finisher")
	}
}

func TestRunIsDeterministic(t *testing.T) {
	var files []string
	for i := range 200 {
		files = append(files, fmt.Sprintf("f%03d.txt", 199-i), "TOKEN")
	}
	var first string
	for range 5 {
		rep, err := Run(context.Background(), newMem(files...), Options{Analyzers: []Analyzer{&lineAnalyzer{name: "r"}}, Workers: 8})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range rep.Findings {
			b.WriteString(f.Location.Path + " ")
		}
		if first == "" {
			first = b.String()
			if !strings.HasPrefix(first, "f000.txt f001.txt") {
				t.Fatalf("not sorted: %.60s", first)
			}
		} else if b.String() != first {
			t.Fatal("output order changed between runs")
		}
	}
}

func TestHistoryRunsOnlyHistoryAwareAnalyzersAndMapsLines(t *testing.T) {
	m := newMem("app.env", "a\nTOKEN")
	m.commit = &finding.Commit{Hash: "abc123", Author: "dev"}
	m.lineMap = []int{10, 42}
	hist, whole := &lineAnalyzer{name: "hist", history: true}, &lineAnalyzer{name: "whole"}
	rep, err := Run(context.Background(), histSource{m}, Options{Analyzers: []Analyzer{hist, whole}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("findings = %+v, want one from the history-aware analyzer", rep.Findings)
	}
	loc := rep.Findings[0].Location
	if loc.StartLine != 42 || loc.EndLine != 42 || loc.Commit == nil || loc.Commit.Hash != "abc123" || loc.Path != "app.env" {
		t.Errorf("location = %+v, want line 42 of app.env in commit abc123", loc)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, newMem("a", "TOKEN"), Options{Analyzers: []Analyzer{&lineAnalyzer{name: "x"}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
