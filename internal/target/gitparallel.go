package target

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// parallelMin is the smallest history that is split across several git processes. Below it the
// extra process start-ups (and the rev-list) cost more than the second core gives back.
const parallelMin = 200

// Why parallel: almost all of a history scan is the `git log -p` child inflating and diffing blobs,
// and one git process uses one core. On the generated 5,000-commit repository (BENCHMARKS.md, "Git
// history") the serial stream left the second core idle while gitleaks kept both busy. Each commit's
// diff only depends on the commit itself, so the commits are listed once and shared out between
// one `git log --no-walk --stdin` per core, each with its own parser.

// keyedSkip is a skip recorded by a parallel part, keyed by its commit's place in the serial log
// order so that the report lists skips exactly as the serial walk would.
type keyedSkip struct {
	commit, seq int
	s           finding.Skipped
}

// part is what one parallel git process leaves behind for the merge at the end.
type part struct {
	skips      []keyedSkip
	notChecked []string
}

// walkParallel scans the history with one git process per core. It reports done=false, and has
// emitted nothing, when the serial walk should run instead: one core, a small history, or a
// rev-list that failed (the serial walk then reports what could not be read).
func (s *Git) walkParallel(ctx context.Context, emit func(scan.Entry) error, skip func(finding.Skipped)) (done bool, err error) {
	if s.procs < 2 {
		return false, nil
	}
	out, err := s.git.output(ctx, "rev-list", append(append([]string(nil), s.revs...), "--")...)
	if err != nil {
		return false, ctx.Err()
	}
	hashes := strings.Fields(out)
	if len(hashes) < max(s.minParallel, 1) || len(hashes) < 2 {
		return false, nil
	}
	procs := min(s.procs, len(hashes))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var emitMu sync.Mutex // the engine's emit is not documented as safe for concurrent calls
	lockedEmit := func(e scan.Entry) error {
		emitMu.Lock()
		defer emitMu.Unlock()
		return emit(e)
	}
	var errMu sync.Mutex
	var firstErr error
	parts := make([]part, procs)
	var wg sync.WaitGroup
	for w := range procs {
		// Interleaved, not in blocks: neighbouring commits are alike in size, so every process gets
		// its share of the big ones, and all of them walk from new to old at the same pace.
		var idx []int
		for i := w; i < len(hashes); i += procs {
			idx = append(idx, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.walkPart(ctx, hashes, idx, lockedEmit, &parts[w]); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				cancel() // stop the other git processes too
			}
		}()
	}
	wg.Wait()

	var skips []keyedSkip
	for _, p := range parts {
		skips = append(skips, p.skips...)
		s.notChecked = append(s.notChecked, p.notChecked...)
	}
	slices.SortFunc(skips, func(a, b keyedSkip) int { return cmp.Or(cmp.Compare(a.commit, b.commit), cmp.Compare(a.seq, b.seq)) })
	for _, k := range skips {
		skip(k.s)
	}
	return true, firstErr
}

// walkPart streams the commits all[i] for i in idx (in that order) through one git process. A
// commit git cannot read completely is skipped as git-error and git is restarted after it; the
// restart costs no re-walk, because --no-walk prints exactly the commits it is given.
func (s *Git) walkPart(ctx context.Context, all []string, idx []int, emit func(scan.Entry) error, res *part) error {
	args := append([]string{"-p", "--cc", "--root", "--encoding=UTF-8", logFormat, "--no-walk=unsorted", "--stdin"}, diffFlags...)
	args = append(args, "--")
	pos, cur, seq := 0, -1, 0 // pos: next commit of idx git has not announced; cur: the one being parsed
	record := func(commit int, sk finding.Skipped) {
		res.skips = append(res.skips, keyedSkip{commit: commit, seq: seq, s: sk})
		seq++
	}
	onCommit := func(*finding.Commit) {
		cur = idx[min(pos, len(idx)-1)]
		pos++
	}
	onSkip := func(sk finding.Skipped) { record(cur, sk) }
	for resumes := 0; pos < len(idx); resumes++ {
		var in strings.Builder
		for _, i := range idx[pos:] {
			in.WriteString(all[i])
			in.WriteByte('\n')
		}
		n, last, err := s.run(ctx, "log", args, strings.NewReader(in.String()), onCommit, emit, onSkip)
		var gerr *gitError
		if !errors.As(err, &gerr) {
			return err
		}
		if n == 0 { // git failed before announcing the next commit: that one cannot be read
			cur, last = idx[pos], all[idx[pos]]
			pos++
		}
		record(cur, finding.Skipped{Path: last, Reason: SkipGitError,
			Detail: "commit " + last + " could not be read completely (" + gerr.msg + "); later commits were still scanned"})
		if resumes >= maxResumes && pos < len(idx) {
			left := len(idx) - pos
			record(len(all), finding.Skipped{Path: "(git log)", Reason: SkipGitError,
				Detail: strconv.Itoa(left) + " commits were not scanned: " + gerr.msg})
			res.notChecked = append(res.notChecked, "git history was only partly scanned ("+strconv.Itoa(left)+
				" commits not read): "+gerr.msg)
			return nil
		}
	}
	return nil
}
