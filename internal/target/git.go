package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

// GitOptions select which part of a repository's history is scanned.
type GitOptions struct {
	// Since limits a history scan to the commits reachable from HEAD but not from this ref
	// (`git log REF..HEAD`): the commits a pull request adds.
	Since string
	// Staged scans the index against HEAD (`git diff --cached`): the pre-commit case.
	Staged    bool
	SkipFiles []string
	SkipDirs  []string
	// MaxFileSize caps one file's added lines in one commit (0: scan.DefaultMaxFileSize); more is
	// skipped with a counted reason, so a giant line never costs more than this in memory.
	MaxFileSize int64
}

// maxResumes bounds how often a history scan restarts git after a corrupt object: each restart
// walks the commits already done again (without diffing them).
const maxResumes = 200

// Git is a repository's history (or its staged changes) as a scan source. Each entry is one
// commit's added lines of one file; its LineMap gives their line numbers in that commit.
//
// Which commits: every commit reachable from any ref (`git log --all`: branches, tags, remotes,
// stash, notes). With Since, `git log REF..HEAD`: what the checked-out branch adds on top of REF,
// which is the pull-request question; other local branches are deliberately left out.
//
// Merges: gitleaks runs plain `git log -p`, which prints no diff for a merge, so a secret typed
// into a conflict resolution ("evil merge") is never seen; diffing against the first parent instead
// would re-scan the whole merged branch. We ask git for the dense combined diff (--cc): only lines
// that differ from every parent, i.e. exactly what the merge itself introduced. Lines taken from
// either side were already scanned in the commit that wrote them.
//
// Why the git binary and not go-git: both were measured on the same generated repository of 5,000
// commits (go run ./bench/cmd/genhistory; BenchmarkHistoryGitBinary vs BenchmarkHistoryGoGit in
// git_gogit_test.go, AMD EPYC, 2 shared cores, median of 3): `git log -p -U0 --cc` parsed as a
// stream took 1.0 s and 11 MB of allocations; go-git (tree diff against the first parent, full
// patch) took 24.1 s and 3.8 GB of allocations, and skips merge resolutions. Both found the same
// files with added lines (TestGoGitAgrees).
type Git struct {
	git     *gitRunner
	name    string
	opts    GitOptions
	revs    []string // what git log walks
	ref     string   // for Describe
	shallow []string // graft commits of a shallow clone
	commits atomic.Int64
	// procs and minParallel choose the parallel walk (gitparallel.go); tests lower them.
	procs, minParallel int
	// notChecked is set when git stopped for good before the end of the history.
	notChecked []string
}

// OpenGit prepares a history (or staged) scan of the repository at path. It fails, so the scan
// exits 2, when git is missing, path is not a repository, or --since does not name a commit.
func OpenGit(path string, o GitOptions) (scan.Source, error) {
	if o.Staged && o.Since != "" {
		return nil, errors.New("--since and --staged cannot be combined: --staged scans the index, --since a commit range")
	}
	for _, g := range append(append([]string(nil), o.SkipDirs...), o.SkipFiles...) {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("invalid glob %q", g)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (history scans need a git repository)", path)
	}
	g, err := newGitRunner(path)
	if err != nil {
		return nil, err
	}
	if o.Staged {
		g.env = gitEnv(os.Environ(), true)
	}
	ctx := context.Background()
	info, err := g.output(ctx, "rev-parse", "--is-shallow-repository", "--absolute-git-dir")
	if err != nil && strings.Contains(err.Error(), "dubious ownership") {
		if extra := userSafeDirectories(); len(extra) > 0 {
			g.args = append(g.args, extra...)
			info, err = g.output(ctx, "rev-parse", "--is-shallow-repository", "--absolute-git-dir")
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "not a git repository") {
			return nil, fmt.Errorf("%s is not a git repository (--history and --staged need one)", path)
		}
		return nil, fmt.Errorf("%s: git: %w", path, err)
	}
	src := &Git{git: g, name: path, opts: o, procs: runtime.GOMAXPROCS(0), minParallel: parallelMin}
	if o.MaxFileSize <= 0 {
		src.opts.MaxFileSize = scan.DefaultMaxFileSize
	}
	lines := strings.Split(info, "\n")
	if len(lines) == 2 && lines[0] == "true" {
		src.shallow = readShallow(filepath.Join(lines[1], "shallow"))
	}
	switch {
	case o.Staged:
		src.ref = "index"
	case o.Since != "":
		if strings.HasPrefix(o.Since, "-") {
			return nil, fmt.Errorf("--since %q: not a ref", o.Since)
		}
		since, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", o.Since+"^{commit}")
		if err != nil || since == "" {
			return nil, fmt.Errorf("--since %q: no such commit in %s", o.Since, path)
		}
		head, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
		if err != nil || head == "" {
			return nil, fmt.Errorf("--since: %s has no HEAD commit to compare with %s", path, o.Since)
		}
		src.revs = []string{head, "^" + since}
		src.ref = o.Since + "..HEAD"
	default:
		src.revs = []string{"--all"}
		src.ref = "--all"
	}
	return src, nil
}

// History marks the source as commit content: the engine then runs only HistoryAware analyzers.
func (s *Git) History() bool { return true }

// CommitCount is the number of commits the walk read (scan.Run copies it into Stats.Commits).
func (s *Git) CommitCount() int { return int(s.commits.Load()) }

// NotChecked says what part of the history could not be read (scan.Run copies it into the report,
// and the verdict warns).
func (s *Git) NotChecked() []string { return s.notChecked }

// Describe names the repository and the range scanned.
func (s *Git) Describe() finding.Target {
	kind := "history"
	if s.opts.Staged {
		kind = "staged"
	}
	return finding.Target{Kind: kind, Name: s.name, Ref: s.ref}
}

// Walk streams the history through the parser, one file's added lines at a time.
func (s *Git) Walk(ctx context.Context, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	s.commits.Store(0)
	s.notChecked = nil
	if s.opts.Staged {
		args := append([]string{"--cached"}, diffFlags...)
		_, _, err := s.run(ctx, "diff", args, nil, nil, emit, skip)
		return err
	}
	for i, c := range s.shallow {
		if i == 100 {
			skip(finding.Skipped{Path: "(shallow)", Reason: SkipShallow,
				Detail: fmt.Sprintf("%d more shallow boundary commits not listed", len(s.shallow)-i)})
			break
		}
		skip(finding.Skipped{Path: c, Reason: SkipShallow, Detail: "shallow clone: history before commit " + c +
			" was not scanned (its whole tree was scanned as added lines); fetch with --unshallow to scan it"})
	}
	if done, err := s.walkParallel(ctx, emit, skip); done || err != nil {
		return err
	}
	done := 0
	for resumes := 0; ; resumes++ {
		args := append([]string{"-p", "--cc", "--root", "--encoding=UTF-8", logFormat}, diffFlags...)
		if done > 0 {
			args = append(args, "--skip="+strconv.Itoa(done))
		}
		args = append(args, s.revs...)
		args = append(args, "--")
		n, last, err := s.run(ctx, "log", args, nil, nil, emit, skip)
		var gerr *gitError
		if !errors.As(err, &gerr) {
			return err
		}
		if n == 0 && done == 0 {
			// Not one commit could be read (a missing commit object stops git's walk before it prints
			// anything): the history, i.e. the target, cannot be read, and a pass would be a lie.
			return fmt.Errorf("git history could not be read: %s", gerr.msg)
		}
		if n == 0 || resumes >= maxResumes {
			msg := "history after this point was not scanned: " + gerr.msg
			skip(finding.Skipped{Path: "(git log)", Reason: SkipGitError, Detail: msg})
			s.notChecked = append(s.notChecked, "git history was only partly scanned ("+strconv.Itoa(done)+" commits): "+gerr.msg)
			return nil
		}
		// git stopped inside the last commit it announced: skip it and go on with the rest.
		skip(finding.Skipped{Path: last, Reason: SkipGitError,
			Detail: "commit " + last + " could not be read completely (" + gerr.msg + "); later commits were still scanned"})
		done += n
	}
}

// gitError is git exiting non-zero after the stream started: a corrupt or missing object.
type gitError struct{ msg string }

func (e *gitError) Error() string { return "git: " + e.msg }

// run streams one git command through the parser. It returns how many commit records it read and
// the hash of the last one. stdin (may be nil) feeds `git log --stdin`; onCommit (may be nil) is
// told of each commit record before any entry or skip of that commit.
func (s *Git) run(ctx context.Context, sub string, args []string, stdin io.Reader, onCommit func(*finding.Commit),
	emit func(scan.Entry) error, skip func(finding.Skipped)) (int, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := s.git.command(ctx, sub, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, "", err
	}
	stderr := &tailBuffer{n: 2048}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("start git: %w", err)
	}
	n, last := 0, ""
	p := newDiffParser(stdout, int(s.opts.MaxFileSize))
	p.onSkip = skip
	p.onCommit = func(c *finding.Commit) {
		n++
		last = c.Hash
		s.commits.Add(1)
		if onCommit != nil {
			onCommit(c)
		}
	}
	p.onChunk = func(c chunk) error {
		if s.skipped(c.Path) {
			return nil
		}
		content := c.Content
		return emit(scan.Entry{
			Path:    c.Path,
			Size:    int64(len(content)),
			Read:    func(int64) ([]byte, error) { return content, nil },
			Commit:  c.Commit,
			LineMap: c.Lines,
		})
	}
	perr := p.Parse()
	if perr != nil {
		cancel() // stop git; its exit error is then ours, not its
		_, _ = io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	if perr != nil {
		if errors.Is(perr, context.Canceled) && ctx.Err() != nil {
			return n, last, ctx.Err()
		}
		return n, last, perr
	}
	if werr != nil {
		if err := ctx.Err(); err != nil {
			return n, last, err
		}
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			msg := firstLines(stderr.String(), 3)
			if msg == "" {
				msg = werr.Error()
			}
			if sub == "diff" {
				return n, last, fmt.Errorf("git diff --cached: %s", msg)
			}
			return n, last, &gitError{msg: msg}
		}
		return n, last, werr
	}
	return n, last, nil
}

// skipped applies --skip-dirs and --skip-files to a path in the repository, as the directory walk
// does: a glob without a slash also matches the base name (or a directory name) at any depth.
func (s *Git) skipped(p string) bool {
	return walk.Options{SkipDirs: s.opts.SkipDirs, SkipFiles: s.opts.SkipFiles}.Skips(p)
}

// readShallow lists the boundary commits of a shallow clone.
func readShallow(file string) []string {
	fh, err := os.Open(file)
	if err != nil {
		return []string{"(unknown)"}
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// userSafeDirectories reads the user's own safe.directory entries (their global config is
// otherwise not read) so a repository they chose to trust is not refused for its ownership.
func userSafeDirectories() []string {
	bin, err := exec.LookPath("git")
	if err != nil {
		return nil
	}
	cmd := exec.Command(bin, "config", "--global", "--get-all", "safe.directory")
	var env []string // the isolation minus GIT_CONFIG_GLOBAL: this one read is of the user's file
	for _, kv := range gitEnv(os.Environ(), false) {
		if !strings.HasPrefix(kv, "GIT_CONFIG_GLOBAL=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	var args []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			args = append(args, "-c", "safe.directory="+l)
		}
	}
	return args
}
