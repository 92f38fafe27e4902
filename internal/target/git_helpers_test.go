package target

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// testRepo drives the git binary to build a repository with fixed authors and dates, so commit
// hashes are the same on every run.
type testRepo struct {
	t    *testing.T
	dir  string
	tick int
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not available")
	}
	r := &testRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func testGitEnv(tick int) []string {
	date := fmt.Sprintf("2024-01-02T03:%02d:%02dZ", tick/60%60, tick%60)
	return append(gitEnv(os.Environ(), false),
		"GIT_AUTHOR_NAME=Ada Lovelace", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada Lovelace", "GIT_COMMITTER_EMAIL=ada@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
}

func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.dir, r.tick, args...)
}

func runGit(t *testing.T, dir string, tick int, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = testGitEnv(tick)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *testRepo) write(path, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// commit stages everything and commits; it returns the new hash.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	r.tick++
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// got is what a walk produced, in a form tests compare exactly.
type got struct {
	Subject string
	Path    string
	Content string
	Lines   []int
}

func (g got) String() string {
	return fmt.Sprintf("%s %q %q %v", g.Subject, g.Path, g.Content, g.Lines)
}

type walkResult struct {
	entries []got
	raw     []scan.Entry
	skipped []finding.Skipped
}

func walkSource(t *testing.T, src scan.Source) walkResult {
	t.Helper()
	var res walkResult
	err := src.Walk(context.Background(), func(e scan.Entry) error {
		b, err := e.Read(1 << 30)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != e.Size {
			t.Errorf("%s: Size %d, content %d bytes", e.Path, e.Size, len(b))
		}
		subj := "(staged)"
		if e.Commit != nil {
			subj = e.Commit.Message
		}
		lines := e.LineMap
		if lines == nil { // the source leaves out an identity map: content line k is line k
			for i := range strings.Count(string(b), "\n") + 1 {
				lines = append(lines, i+1)
			}
		}
		res.entries = append(res.entries, got{Subject: subj, Path: e.Path, Content: string(b), Lines: lines})
		res.raw = append(res.raw, e)
		return nil
	}, func(s finding.Skipped) { res.skipped = append(res.skipped, s) })
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return res
}

func openGit(t *testing.T, dir string, o GitOptions) *Git {
	t.Helper()
	src, err := OpenGit(dir, o)
	if err != nil {
		t.Fatalf("OpenGit: %v", err)
	}
	return src.(*Git)
}

func sameEntries(t *testing.T, have, want []got) {
	t.Helper()
	if len(have) != len(want) {
		t.Errorf("got %d entries, want %d", len(have), len(want))
	}
	for i := range max(len(have), len(want)) {
		var h, w string
		if i < len(have) {
			h = have[i].String()
		}
		if i < len(want) {
			w = want[i].String()
		}
		if h != w {
			t.Errorf("entry %d:\n have %s\n want %s", i, h, w)
		}
	}
}

func execGit(dir string, tick int, args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = testGitEnv(tick)
	return cmd
}
