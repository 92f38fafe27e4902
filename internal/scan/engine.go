package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// DefaultMaxFileSize is the size above which files are skipped (and counted) unless an analyzer
// that wants large files says otherwise.
const DefaultMaxFileSize = 20 << 20

// Options tune one run of the engine.
type Options struct {
	Analyzers   []Analyzer
	Workers     int   // 0 means one per core
	MaxFileSize int64 // 0 means DefaultMaxFileSize
	// Progress, when set, is called from one goroutine as files finish (files, bytes so far).
	Progress func(files int64, bytes int64)
}

// BinaryAware analyzers are given files that look binary (Go executables, archives); the rest are not.
type BinaryAware interface {
	AcceptsBinary() bool
}

// SizeAware analyzers accept files above the scan's size limit up to their own limit (Go binaries,
// OS package databases are often larger than any text file worth scanning for secrets).
type SizeAware interface {
	MaxFileSize() int64
}

type job struct {
	entry     Entry
	analyzers []Analyzer
}

// Run walks src once and runs every analyzer over the files it wants.
func Run(ctx context.Context, src Source, opts Options) (*finding.Report, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxSize := opts.MaxFileSize
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	_, isHistory := src.(interface{ History() bool })
	analyzers := opts.Analyzers
	if isHistory {
		analyzers = historyAnalyzers(analyzers)
	}
	var tree fs.FS
	if ts, ok := src.(TreeSource); ok {
		tree = ts.FS()
	}

	rep := &finding.Report{Target: src.Describe(), StartedAt: time.Now().UTC()}
	var mu sync.Mutex // guards rep while workers run
	skip := func(s finding.Skipped) {
		mu.Lock()
		rep.AddSkipped(s)
		mu.Unlock()
	}

	var files, nbytes atomic.Int64
	jobs := make(chan job, workers*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res, skips := runFile(ctx, j, tree, maxSize)
				mu.Lock()
				for _, s := range skips {
					rep.AddSkipped(s)
				}
				if res.read {
					rep.Stats.Files++
					rep.Stats.Bytes += int64(res.size)
				}
				rep.Findings = append(rep.Findings, res.Findings...)
				rep.Packages = append(rep.Packages, res.Packages...)
				rep.Warnings = append(rep.Warnings, res.Warnings...)
				mu.Unlock()
				if res.read && opts.Progress != nil {
					opts.Progress(files.Add(1), nbytes.Add(int64(res.size)))
				}
			}
		}()
	}

	walkStart := time.Now()
	emit := func(e Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var want []Analyzer
		for _, a := range analyzers {
			if a.Wants(e.Path, e.Size) {
				want = append(want, a)
			}
		}
		if len(want) == 0 {
			return nil
		}
		select {
		case jobs <- job{entry: e, analyzers: want}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	walkErr := src.Walk(ctx, emit, skip)
	close(jobs)
	wg.Wait()
	if cc, ok := src.(interface{ CommitCount() int }); ok { // history sources (target.Git) count commits
		rep.Stats.Commits = cc.CommitCount()
	}
	// SBOM targets are ready package lists and images may carry notes (several images in one
	// archive): both reach the report before the finishers (vuln, license) read it.
	if ps, ok := src.(interface{ Packages() []finding.Package }); ok {
		rep.Packages = append(rep.Packages, ps.Packages()...)
	}
	if ws, ok := src.(interface{ Warnings() []string }); ok {
		rep.Warnings = append(rep.Warnings, ws.Warnings()...)
	}
	if nc, ok := src.(interface{ NotChecked() []string }); ok { // a history git could not finish
		rep.NotChecked = append(rep.NotChecked, nc.NotChecked()...)
	}
	rep.Timings = append(rep.Timings, finding.Timing{Phase: "walk+analyze", Milliseconds: ms(time.Since(walkStart))})
	if walkErr != nil {
		return rep, walkErr
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	for _, a := range analyzers {
		f, ok := a.(Finisher)
		if !ok {
			continue
		}
		start := time.Now()
		if err := f.Finish(ctx, rep); err != nil {
			return rep, fmt.Errorf("%s: %w", a.Name(), err)
		}
		rep.Timings = append(rep.Timings, finding.Timing{Phase: a.Name() + ":finish", Milliseconds: ms(time.Since(start))})
	}
	rep.Sort()
	return rep, nil
}

func historyAnalyzers(all []Analyzer) []Analyzer {
	var out []Analyzer
	for _, a := range all {
		if h, ok := a.(HistoryAware); ok && h.AcceptsHistory() {
			out = append(out, a)
		}
	}
	return out
}

type fileResult struct {
	Result
	read bool
	size int
}

// runFile reads one entry and hands it to the analyzers that want it. A failing or panicking analyzer
// is recorded against the file; the others still run.
func runFile(ctx context.Context, j job, tree fs.FS, maxSize int64) (out fileResult, skips []finding.Skipped) {
	e := j.entry
	limit := maxSize
	for _, a := range j.analyzers {
		if s, ok := a.(SizeAware); ok && s.MaxFileSize() > limit {
			limit = s.MaxFileSize()
		}
	}
	if e.Size > limit {
		return out, []finding.Skipped{{Path: e.Path, Reason: finding.SkipTooLarge,
			Detail: fmt.Sprintf("%d bytes exceeds the %d byte limit (--max-file-size)", e.Size, limit)}}
	}
	content, err := e.Read(limit)
	if err != nil {
		reason := finding.SkipUnreadable
		var sk *SkipError
		if errors.As(err, &sk) {
			reason = sk.Reason
		}
		return out, []finding.Skipped{{Path: e.Path, Reason: reason, Detail: err.Error()}}
	}
	if int64(len(content)) > limit { // grew since it was listed
		return out, []finding.Skipped{{Path: e.Path, Reason: finding.SkipTooLarge,
			Detail: fmt.Sprintf("more than %d bytes (--max-file-size)", limit)}}
	}
	binary := looksBinary(content)
	f := &File{Path: e.Path, Size: int64(len(content)), Content: content, Commit: e.Commit, LineMap: e.LineMap, Layer: e.Layer, FS: tree}
	ran := false
	var sizeSkips []finding.Skipped
	for _, a := range j.analyzers {
		if binary {
			if b, ok := a.(BinaryAware); !ok || !b.AcceptsBinary() {
				continue
			}
		}
		if int64(len(content)) > maxSize {
			if s, ok := a.(SizeAware); !ok || s.MaxFileSize() < int64(len(content)) {
				// Another analyzer took the large file (a lockfile, a Go binary); this one did not
				// see it, and the report must say so rather than imply the file was checked.
				sizeSkips = append(sizeSkips, finding.Skipped{Path: e.Path, Reason: finding.SkipTooLarge,
					Detail: fmt.Sprintf("%s: %d bytes exceeds the %d byte limit (--max-file-size); other scanners read it", a.Name(), len(content), maxSize)})
				continue
			}
		}
		ran = true
		res, err := analyzeSafely(ctx, a, f)
		if err != nil {
			skips = append(skips, finding.Skipped{Path: e.Path, Reason: finding.SkipAnalyzer, Detail: a.Name() + ": " + err.Error()})
		}
		for i := range res.Findings {
			finishLocation(&res.Findings[i], f)
		}
		out.Findings = append(out.Findings, res.Findings...)
		out.Packages = append(out.Packages, res.Packages...)
		out.Warnings = append(out.Warnings, res.Warnings...)
		skips = append(skips, res.Skipped...)
	}
	if !ran {
		if binary {
			skips = append(skips, finding.Skipped{Path: e.Path, Reason: finding.SkipBinary, Detail: "contains NUL bytes"})
		} else {
			skips = append(skips, finding.Skipped{Path: e.Path, Reason: finding.SkipTooLarge,
				Detail: fmt.Sprintf("%d bytes exceeds the %d byte limit (--max-file-size)", len(content), maxSize)})
		}
		return out, skips
	}
	out.read = true
	out.size = len(content)
	return out, append(skips, sizeSkips...)
}

// finishLocation maps history content lines back to the commit's line numbers and fills the commit
// and layer, so analyzers need not know where the content came from.
func finishLocation(fd *finding.Finding, f *File) {
	if fd.Location.Path == "" {
		fd.Location.Path = f.Path
	}
	if f.LineMap != nil {
		fd.Location.StartLine = mapLine(f.LineMap, fd.Location.StartLine)
		fd.Location.EndLine = mapLine(f.LineMap, fd.Location.EndLine)
	}
	if f.Commit != nil && fd.Location.Commit == nil {
		fd.Location.Commit = f.Commit
	}
	if f.Layer != "" && fd.Location.Layer == "" {
		fd.Location.Layer = f.Layer
	}
}

func mapLine(m []int, line int) int {
	if line >= 1 && line <= len(m) {
		return m[line-1]
	}
	return line
}

func analyzeSafely(ctx context.Context, a Analyzer, f *File) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (panic: %v); please report it with this stack: %s", r, firstFrames(debug.Stack()))
			res = Result{}
		}
	}()
	return a.Analyze(ctx, f)
}

func firstFrames(stack []byte) string {
	if len(stack) > 2000 {
		stack = stack[:2000]
	}
	return string(bytes.ReplaceAll(stack, []byte("\n"), []byte(" | ")))
}

// looksBinary follows git's heuristic: a NUL byte in the first 8000 bytes.
func looksBinary(b []byte) bool {
	if len(b) > 8000 {
		b = b[:8000]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// SkipError lets a source say why an entry could not be read (a symlink pointing out of the target).
type SkipError struct {
	Reason string
	Err    error
}

func (e *SkipError) Error() string { return e.Err.Error() }
func (e *SkipError) Unwrap() error { return e.Err }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
