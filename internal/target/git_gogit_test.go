package target

// The measurement that chose the git binary over go-git for history scans. Both readers produce
// the same thing: every commit's added lines per file with their new-file line numbers.
//
//	go run ./bench/cmd/genhistory -out /tmp/hist -commits 5000
//	TOLLGATE_HISTORY_REPO=/tmp/hist go test -run TestGoGitAgrees -bench History -benchtime 3x ./internal/target/
//
// Without TOLLGATE_HISTORY_REPO the benchmarks use a small repository built on the fly.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/format/diff"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

func historyRepo(b testing.TB) string {
	if p := os.Getenv("TOLLGATE_HISTORY_REPO"); p != "" {
		return p
	}
	dir, tick := b.TempDir(), 0
	must := func(args ...string) {
		if out, err := execGit(dir, tick, args...).CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	must("init", "-q", "-b", "main")
	for i := range 200 {
		var sb strings.Builder
		for l := range 50 + i%7 {
			fmt.Fprintf(&sb, "line %d of file, changed at %d\n", l, i-i%(l+1))
		}
		if err := os.WriteFile(fmt.Sprintf("%s/f%d.txt", dir, i%9), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		tick++
		must("add", "-A")
		must("commit", "-q", "-m", fmt.Sprintf("commit %d", i))
	}
	return dir
}

// addedByGitBinary returns "hash path" -> added line numbers, merges left out (go-git has no
// combined diff to compare with).
func addedByGitBinary(tb testing.TB, dir string) map[string][]int {
	src, err := OpenGit(dir, GitOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]int{}
	err = src.Walk(context.Background(), func(e scan.Entry) error {
		out[e.Commit.Hash+" "+e.Path] = e.LineMap
		return nil
	}, func(finding.Skipped) {})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// addedByGoGit walks the same commits with go-git: tree diff against the first parent (or the empty
// tree for a root), rename detection on, full patch, added lines counted through the chunks.
func addedByGoGit(tb testing.TB, dir string, merges bool) map[string][]int {
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		tb.Fatal(err)
	}
	iter, err := repo.Log(&gogit.LogOptions{All: true})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]int{}
	ctx := context.Background()
	err = iter.ForEach(func(c *object.Commit) error {
		if c.NumParents() > 1 && !merges {
			return nil
		}
		tree, err := c.Tree()
		if err != nil {
			return err
		}
		var parent *object.Tree
		if c.NumParents() > 0 {
			p, err := c.Parent(0)
			if err != nil {
				return err
			}
			if parent, err = p.Tree(); err != nil {
				return err
			}
		}
		changes, err := object.DiffTreeWithOptions(ctx, parent, tree, object.DefaultDiffTreeOptions)
		if err != nil {
			return err
		}
		patch, err := changes.PatchContext(ctx)
		if err != nil {
			return err
		}
		for _, fp := range patch.FilePatches() {
			_, to := fp.Files()
			if to == nil || fp.IsBinary() {
				continue
			}
			line := 1
			var lines []int
			for _, ch := range fp.Chunks() {
				n := strings.Count(ch.Content(), "\n")
				if !strings.HasSuffix(ch.Content(), "\n") && ch.Content() != "" {
					n++
				}
				switch ch.Type() {
				case diff.Equal:
					line += n
				case diff.Add:
					for range n {
						lines = append(lines, line)
						line++
					}
				}
			}
			if len(lines) > 0 {
				out[c.Hash.String()+" "+to.Path()] = lines
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, io.EOF) {
		tb.Fatal(err)
	}
	return out
}

// TestGoGitAgrees checks that both readers find the same added lines (non-merge commits), so the
// benchmark compares equal work.
func TestGoGitAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := historyRepo(t)
	bin := addedByGitBinary(t, dir)
	gg := addedByGoGit(t, dir, false)
	for k, want := range gg {
		if have, ok := bin[k]; !ok || fmt.Sprint(have) != fmt.Sprint(want) {
			// Diff algorithms may legitimately place a changed line differently; count, then judge.
			t.Logf("differs %s: git %v go-git %v", k, have, want)
		}
	}
	missing := 0
	for k := range gg {
		if _, ok := bin[k]; !ok {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d files with added lines in go-git's view are missing from the git binary's", missing)
	}
}

func BenchmarkHistoryGitBinary(b *testing.B) {
	dir := historyRepo(b)
	for b.Loop() {
		addedByGitBinary(b, dir)
	}
}

func BenchmarkHistoryGoGit(b *testing.B) {
	dir := historyRepo(b)
	for b.Loop() {
		addedByGoGit(b, dir, false)
	}
}
