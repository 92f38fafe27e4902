package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// parallelRepo builds a history with every shape the parser cares about: renames, a binary file, an
// oversize file, branches merged cleanly and with a hand-written conflict resolution, and a commit
// whose blob is missing. It returns the repository and the commit that cannot be read.
func parallelRepo(t *testing.T) (*testRepo, string) {
	t.Helper()
	r := newTestRepo(t)
	r.write("a.txt", "one\ntwo\n")
	r.write("logo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00binary")
	r.commit("base")
	for i := range 12 {
		r.write(fmt.Sprintf("dir%d/f.txt", i%3), fmt.Sprintf("line %d\nKEY=%s%d\n", i, fakeKey, i))
		if i == 5 {
			r.write("big.txt", strings.Repeat("x", 3000)+"\n")
		}
		r.commit(fmt.Sprintf("change %d", i))
	}
	r.git("checkout", "-q", "-b", "feature")
	r.write("a.txt", "one\nfeature\n")
	r.commit("feature change")
	r.git("checkout", "-q", "main")
	r.write("a.txt", "one\nmain\n")
	r.commit("main change")
	r.tick++
	_ = runGitMaybe(r.dir, r.tick, "merge", "-q", "feature", "-m", "merge feature") // conflicts
	r.write("a.txt", "one\nresolved "+fakeKey+"\n")
	r.commit("merge feature")
	r.git("mv", "dir0/f.txt", "moved.txt")
	r.write("moved.txt", "line 9\nKEY="+fakeKey+"9\nadded after the move\n")
	r.commit("rename and change")
	r.write("lost.txt", "this blob goes missing\n")
	broken := r.commit("broken")
	for i := range 5 {
		r.write("tail.txt", strings.Repeat("tail\n", i+1))
		r.commit(fmt.Sprintf("tail %d", i))
	}
	blob := r.git("rev-parse", broken+":lost.txt")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	return r, broken
}

func serialAndParallel(t *testing.T, dir string, o GitOptions) (serial, parallel *Git) {
	serial = openGit(t, dir, o)
	serial.procs = 1
	parallel = openGit(t, dir, o)
	parallel.procs, parallel.minParallel = 3, 0
	return serial, parallel
}

func sortedEntries(es []got) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	slices.Sort(out)
	return out
}

// The parallel walk must read exactly what the serial one reads: the same entries (in any order),
// the same skips in the same order, and the same commit count.
func TestParallelWalkMatchesSerial(t *testing.T) {
	r, broken := parallelRepo(t)
	serial, parallel := serialAndParallel(t, r.dir, GitOptions{MaxFileSize: 1000})
	want := walkSource(t, serial)
	have := walkSource(t, parallel)

	if w, h := sortedEntries(want.entries), sortedEntries(have.entries); !slices.Equal(w, h) {
		t.Errorf("entries differ:\n serial   %q\n parallel %q", w, h)
	}
	if len(want.entries) < 15 {
		t.Errorf("serial walk read only %d entries; the fixture is broken", len(want.entries))
	}
	if !slices.Equal(want.skipped, have.skipped) {
		t.Errorf("skipped differ:\n serial   %+v\n parallel %+v", want.skipped, have.skipped)
	}
	var sawBroken, sawBinary, sawBig bool
	for _, s := range have.skipped {
		sawBroken = sawBroken || (s.Path == broken && s.Reason == SkipGitError)
		sawBinary = sawBinary || (s.Path == "logo.png" && s.Reason == finding.SkipBinary)
		sawBig = sawBig || (s.Path == "big.txt" && s.Reason == finding.SkipTooLarge)
	}
	if !sawBroken || !sawBinary || !sawBig {
		t.Errorf("skipped = %+v, want the broken commit, the binary and the oversize file", have.skipped)
	}
	if s, p := serial.CommitCount(), parallel.CommitCount(); s != p || p != 23 {
		t.Errorf("CommitCount serial %d parallel %d, want 23", s, p)
	}
	if len(parallel.NotChecked()) != 0 {
		t.Errorf("NotChecked = %v", parallel.NotChecked())
	}
}

func TestParallelWalkSince(t *testing.T) {
	r, _ := parallelRepo(t)
	r.git("branch", "base", "HEAD~4")
	serial, parallel := serialAndParallel(t, r.dir, GitOptions{Since: "base"})
	want, have := walkSource(t, serial), walkSource(t, parallel)
	if w, h := sortedEntries(want.entries), sortedEntries(have.entries); !slices.Equal(w, h) || len(w) != 4 {
		t.Errorf("entries differ or not 4:\n serial   %q\n parallel %q", w, h)
	}
	if parallel.CommitCount() != 4 {
		t.Errorf("CommitCount = %d, want 4", parallel.CommitCount())
	}
}

// An emit error (the engine's context ended, or a writer failed) stops every git process and is
// what Walk returns; a cancelled context does the same.
func TestParallelWalkStopsOnError(t *testing.T) {
	r, _ := parallelRepo(t)
	_, parallel := serialAndParallel(t, r.dir, GitOptions{})
	boom := errors.New("boom")
	n := 0
	err := parallel.Walk(context.Background(), func(scan.Entry) error {
		n++ // emits are serialised: -race reports it if not
		if n == 3 {
			return boom
		}
		return nil
	}, func(finding.Skipped) {})
	if !errors.Is(err, boom) {
		t.Errorf("Walk = %v, want boom", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = parallel.Walk(ctx, func(scan.Entry) error {
		cancel()
		return nil
	}, func(finding.Skipped) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Walk after cancel = %v, want context.Canceled", err)
	}
}

// A history whose commit list cannot be read falls back to the serial walk, which says so.
func TestParallelWalkUnreadableHistory(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "first\n")
	r.commit("first")
	r.write("b.txt", "second\n")
	lost := r.commit("second")
	r.write("c.txt", "third\n")
	r.commit("third")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", lost[:2], lost[2:])); err != nil {
		t.Fatal(err)
	}
	_, parallel := serialAndParallel(t, r.dir, GitOptions{})
	err := parallel.Walk(context.Background(), func(scan.Entry) error { return nil }, func(finding.Skipped) {})
	if err == nil || !strings.Contains(err.Error(), "could not be read") {
		t.Fatalf("Walk = %v, want an error saying the history could not be read", err)
	}
}
