package target

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// fakeKey is secret-shaped, split so this file does not itself look like a leak.
var fakeKey = "AKIA" + "Z7QXWERTYUIOPASD"

func TestHistoryAddedLines(t *testing.T) {
	r := newTestRepo(t)
	base := "# settings of the app service\n# one per line, KEY=value\nLOG_LEVEL=info\nTIMEOUT=30\n"
	r.write("app/config.env", base+"HOST=db\nPORT=5432\n")
	r.write("spaced name.txt", "hello\n")
	r.write("dïr/ключ.txt", "unicode\n")
	r.write("tab\tname.txt", "tabbed\n")
	r.write("logo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00binary")
	first := r.commit("add config\n\nbody line")

	r.write("app/config.env", base+"HOST=db\nKEY="+fakeKey+"\nPORT=5432\nUSER=app")
	r.write("spaced name.txt", "hello\nworld\n")
	r.commit("add key")

	r.write("app/config.env", base+"HOST=db\nPORT=5432\nUSER=app")
	r.commit("remove key")

	r.git("mv", "app/config.env", "app/settings.env")
	r.commit("rename only")

	r.git("mv", "app/settings.env", "app/prod.env")
	r.write("app/prod.env", base+"HOST=db\nPORT=5432\nUSER=app\nPASS="+fakeKey)
	r.commit("rename and change")

	if err := os.Chmod(filepath.Join(r.dir, "spaced name.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.commit("mode only")

	r.git("rm", "-q", "dïr/ключ.txt")
	r.commit("delete")

	src := openGit(t, r.dir, GitOptions{})
	res := walkSource(t, src)
	sameEntries(t, res.entries, []got{
		{"rename and change", "app/prod.env", "USER=app\nPASS=" + fakeKey, []int{7, 8}},
		{"add key", "app/config.env", "KEY=" + fakeKey + "\nUSER=app", []int{6, 8}},
		{"add key", "spaced name.txt", "world", []int{2}},
		{"add config", "app/config.env", base + "HOST=db\nPORT=5432", []int{1, 2, 3, 4, 5, 6}},
		{"add config", "dïr/ключ.txt", "unicode", []int{1}},
		{"add config", "spaced name.txt", "hello", []int{1}},
		{"add config", "tab\tname.txt", "tabbed", []int{1}},
	})
	if len(res.skipped) != 1 || res.skipped[0].Path != "logo.png" || res.skipped[0].Reason != finding.SkipBinary {
		t.Errorf("skipped = %+v, want logo.png as binary", res.skipped)
	}
	if n := src.CommitCount(); n != 7 {
		t.Errorf("CommitCount = %d, want 7", n)
	}
	if m := res.raw[len(res.raw)-1].LineMap; m != nil {
		t.Errorf("a new file's LineMap = %v, want nil (identity)", m)
	}
	if m := res.raw[0].LineMap; len(m) != 2 {
		t.Errorf("a changed file's LineMap = %v, want [7 8]", m)
	}
	c := res.raw[len(res.raw)-1].Commit
	want := finding.Commit{Hash: first, Author: "Ada Lovelace", Email: "ada@example.com",
		Date: time.Date(2024, 1, 2, 3, 0, 1, 0, time.UTC), Message: "add config"}
	if *c != want {
		t.Errorf("commit = %+v, want %+v", *c, want)
	}
	if d := src.Describe(); d.Kind != "history" || d.Ref != "--all" || d.Name != r.dir {
		t.Errorf("Describe = %+v", d)
	}
	if !src.History() {
		t.Error("History() = false")
	}
}

func TestHistoryMergeScansOnlyTheResolution(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "one\ntwo\n")
	r.commit("base")
	r.git("checkout", "-q", "-b", "feature")
	r.write("a.txt", "one\nfeature\n")
	r.write("f.txt", "feature file\n")
	r.commit("feature change")
	r.git("checkout", "-q", "main")
	r.write("a.txt", "one\nmain\n")
	r.commit("main change")
	r.tick++
	cmdOK := func(args ...string) { _ = runGitMaybe(r.dir, r.tick, args...) }
	cmdOK("merge", "-q", "feature", "-m", "merge feature") // conflicts; resolved below
	r.write("a.txt", "one\nresolved "+fakeKey+"\n")
	r.commit("merge feature")
	r.git("checkout", "-q", "-b", "side", "HEAD~1")
	r.write("s.txt", "side\n")
	r.commit("side")
	r.git("checkout", "-q", "main")
	r.tick++
	r.git("merge", "-q", "--no-ff", "side", "-m", "clean merge")

	res := walkSource(t, openGit(t, r.dir, GitOptions{}))
	sameEntries(t, res.entries, []got{
		{"side", "s.txt", "side", []int{1}},
		{"merge feature", "a.txt", "resolved " + fakeKey, []int{2}},
		{"main change", "a.txt", "main", []int{2}},
		{"feature change", "a.txt", "feature", []int{2}},
		{"feature change", "f.txt", "feature file", []int{1}},
		{"base", "a.txt", "one\ntwo", []int{1, 2}},
	})
}

func runGitMaybe(dir string, tick int, args ...string) error {
	cmd := execGit(dir, tick, args...)
	return cmd.Run()
}

func TestHistorySinceAndBadRefs(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "base\n")
	r.commit("base")
	r.git("checkout", "-q", "-b", "pr")
	r.write("a.txt", "base\npr line\n")
	r.commit("pr commit")
	r.git("checkout", "-q", "-b", "other", "main")
	r.write("o.txt", "other\n")
	r.commit("other branch")
	r.git("checkout", "-q", "pr")

	src := openGit(t, r.dir, GitOptions{Since: "main"})
	res := walkSource(t, src)
	sameEntries(t, res.entries, []got{{"pr commit", "a.txt", "pr line", []int{2}}})
	if d := src.Describe(); d.Ref != "main..HEAD" {
		t.Errorf("Ref = %q", d.Ref)
	}
	if src.CommitCount() != 1 {
		t.Errorf("CommitCount = %d", src.CommitCount())
	}
	for _, bad := range []string{"no-such-branch", "--all", "main:a.txt"} {
		if _, err := OpenGit(r.dir, GitOptions{Since: bad}); err == nil {
			t.Errorf("--since %q: no error", bad)
		}
	}
	if _, err := OpenGit(r.dir, GitOptions{Since: "main", Staged: true}); err == nil {
		t.Error("--since with --staged: no error")
	}
	if _, err := OpenGit(t.TempDir(), GitOptions{}); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("not a repo: err = %v", err)
	}
	if _, err := OpenGit(filepath.Join(r.dir, "missing"), GitOptions{}); err == nil {
		t.Error("missing path: no error")
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := OpenGit(r.dir, GitOptions{}); err == nil || !strings.Contains(err.Error(), "git binary") {
		t.Errorf("no git: err = %v", err)
	}
}

func TestStaged(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "one\n")
	r.commit("base")
	r.write("a.txt", "one\nKEY="+fakeKey+"\n")
	r.write("new.txt", "new\n")
	r.write("unstaged.txt", "not staged\n")
	r.git("add", "a.txt", "new.txt")

	src := openGit(t, r.dir, GitOptions{Staged: true})
	res := walkSource(t, src)
	sameEntries(t, res.entries, []got{
		{"(staged)", "a.txt", "KEY=" + fakeKey, []int{2}},
		{"(staged)", "new.txt", "new", []int{1}},
	})
	if d := src.Describe(); d.Kind != "staged" || d.Ref != "index" {
		t.Errorf("Describe = %+v", d)
	}

	// A repository without any commit: the index against the empty tree.
	e := newTestRepo(t)
	e.write("first.txt", "first\n")
	e.git("add", "first.txt")
	sameEntries(t, walkSource(t, openGit(t, e.dir, GitOptions{Staged: true})).entries,
		[]got{{"(staged)", "first.txt", "first", []int{1}}})
	// and its history is empty, not an error.
	if res := walkSource(t, openGit(t, e.dir, GitOptions{})); len(res.entries) != 0 {
		t.Errorf("empty history: %v", res.entries)
	}
}

func TestShallowCloneWarns(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "old "+fakeKey+"\n")
	r.commit("old")
	r.write("a.txt", "new\n")
	r.write("b.txt", "b\n")
	r.commit("new")

	clone := filepath.Join(t.TempDir(), "clone")
	runGit(t, r.dir, 0, "clone", "-q", "--depth", "1", "file://"+r.dir, clone)
	head := runGit(t, clone, 0, "rev-parse", "HEAD")
	res := walkSource(t, openGit(t, clone, GitOptions{}))
	sameEntries(t, res.entries, []got{
		{"new", "a.txt", "new", []int{1}},
		{"new", "b.txt", "b", []int{1}},
	})
	if len(res.skipped) != 1 || res.skipped[0].Reason != SkipShallow || res.skipped[0].Path != head ||
		!strings.Contains(res.skipped[0].Detail, "not scanned") {
		t.Errorf("skipped = %+v, want one shallow warning naming %s", res.skipped, head)
	}
}

func TestCorruptRepoScansTheRest(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "first\n")
	r.commit("first")
	r.write("b.txt", "lost blob\n")
	broken := r.commit("broken")
	r.write("c.txt", "third\n")
	r.commit("third")
	blob := r.git("rev-parse", broken+":b.txt")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}

	src := openGit(t, r.dir, GitOptions{})
	res := walkSource(t, src)
	sameEntries(t, res.entries, []got{
		{"third", "c.txt", "third", []int{1}},
		{"first", "a.txt", "first", []int{1}},
	})
	if len(res.skipped) != 1 || res.skipped[0].Path != broken || res.skipped[0].Reason != SkipGitError {
		t.Errorf("skipped = %+v, want commit %s as %s", res.skipped, broken, SkipGitError)
	}
	if src.CommitCount() != 3 {
		t.Errorf("CommitCount = %d", src.CommitCount())
	}
}

// A hostile repository's own config and attributes must not run anything.
func TestHostileConfigRunsNothing(t *testing.T) {
	r := newTestRepo(t)
	marker := filepath.Join(t.TempDir(), "pwned")
	evil := "touch " + marker
	r.write(".gitattributes", "*.txt diff=evil\n")
	r.write("a.txt", "x\n\ny\n")
	r.commit("first")
	r.write("a.txt", "x\nchanged\n\ny\nadded\n")
	r.commit("second")
	r.write("a.txt", "x\nchanged\n\ny\nadded\nstaged\n")
	r.git("add", "a.txt")
	// The config goes in last: the test's own git commands would run it.
	for _, kv := range [][2]string{
		{"core.pager", evil}, {"pager.log", evil}, {"pager.diff", evil},
		{"diff.external", evil}, {"diff.evil.textconv", evil}, {"diff.evil.command", evil},
		{"core.fsmonitor", evil}, {"log.showSignature", "true"}, {"gpg.program", evil},
		{"diff.noprefix", "true"}, {"core.bigFileThreshold", "1"}, {"log.showRoot", "false"},
		{"diff.suppressBlankEmpty", "true"}, {"diff.interHunkContext", "10"},
	} {
		r.git("config", kv[0], kv[1])
	}

	res := walkSource(t, openGit(t, r.dir, GitOptions{}))
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command from the repository's config ran")
	}
	sameEntries(t, res.entries, []got{
		{"second", "a.txt", "changed\nadded", []int{2, 5}},
		{"first", ".gitattributes", "*.txt diff=evil", []int{1}},
		{"first", "a.txt", "x\n\ny", []int{1, 2, 3}},
	})
	res = walkSource(t, openGit(t, r.dir, GitOptions{Staged: true}))
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command from the repository's config ran (staged)")
	}
	sameEntries(t, res.entries, []got{{"(staged)", "a.txt", "staged", []int{6}}})
}

// A commit message cannot inject a file into the stream: only the subject is printed, after NUL.
func TestCommitMessageCannotSpoofParser(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "real\n")
	msg := "subject\x00\n\n\x00deadbeef\ndiff --git a/fake b/fake\n+++ b/fake\n@@ -0,0 +1 @@\n+" + fakeKey
	r.tick++
	r.git("add", "-A")
	cmd := execGit(r.dir, r.tick, "commit", "-q", "-F", "-")
	cmd.Stdin = strings.NewReader(strings.ReplaceAll(msg, "\x00", ""))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("commit: %v %s", err, out)
	}
	res := walkSource(t, openGit(t, r.dir, GitOptions{}))
	sameEntries(t, res.entries, []got{{"subject", "a.txt", "real", []int{1}}})
}

func TestSubmoduleAndSkipGlobs(t *testing.T) {
	r := newTestRepo(t)
	r.write("vendor/lib/x.go", "package x\n")
	r.write("keep.go", "package keep\n")
	r.write("secret.pem", "pem\n")
	r.commit("files")
	r.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,sub")
	r.tick++
	r.git("commit", "-q", "-m", "submodule")

	res := walkSource(t, openGit(t, r.dir, GitOptions{SkipDirs: []string{"vendor"}, SkipFiles: []string{"*.pem"}}))
	sameEntries(t, res.entries, []got{{"files", "keep.go", "package keep", []int{1}}})
	if len(res.skipped) != 0 {
		t.Errorf("skipped = %+v", res.skipped)
	}
	if _, err := OpenGit(r.dir, GitOptions{SkipFiles: []string{"[bad"}}); err == nil {
		t.Error("bad glob: no error")
	}
}

func TestOversizeAddedLinesAreSkipped(t *testing.T) {
	r := newTestRepo(t)
	r.write("big.txt", "small\n"+strings.Repeat("x", 300<<10)+"\n")
	r.write("ok.txt", "fine\n")
	r.commit("big")
	res := walkSource(t, openGit(t, r.dir, GitOptions{MaxFileSize: 1000}))
	sameEntries(t, res.entries, []got{{"big", "ok.txt", "fine", []int{1}}})
	if len(res.skipped) != 1 || res.skipped[0].Path != "big.txt" || res.skipped[0].Reason != finding.SkipTooLarge {
		t.Errorf("skipped = %+v", res.skipped)
	}
}

// The engine fills Stats.Commits from CommitCount and runs only history-aware analyzers.
func TestEngineCountsCommits(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.txt", "a\n")
	r.commit("one")
	r.write("a.txt", "a\nb\n")
	r.commit("two")
	rep, err := scan.Run(context.Background(), openGit(t, r.dir, GitOptions{}), scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Commits != 2 || rep.Target.Kind != "history" {
		t.Errorf("stats = %+v target = %+v", rep.Stats, rep.Target)
	}
}

// A missing commit object stops git's walk before it prints a single commit: nothing of the history
// could be read, so the scan cannot run (exit 2) instead of passing on zero commits.
func TestUnreadableHistoryIsAnError(t *testing.T) {
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
	src := openGit(t, r.dir, GitOptions{})
	err := src.Walk(context.Background(), func(scan.Entry) error { return nil }, func(finding.Skipped) {})
	if err == nil || !strings.Contains(err.Error(), "could not be read") {
		t.Fatalf("Walk = %v, want an error saying the history could not be read", err)
	}
}
