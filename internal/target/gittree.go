package target

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

// GitTree is the tree of one git ref read from the object store: `git ls-tree` lists it and one
// `git cat-file --batch` process reads blobs. The work tree and index are never touched, so a
// baseline scan of HEAD~1 sees exactly what was committed there (--new-since).
type GitTree struct {
	repo, ref, tree string
	entries         []treeEntry
	byPath          map[string]*treeEntry
	skipDirs        []string
	skipFiles       []string

	mu    sync.Mutex // one reader at a time on the cat-file pipe
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	git   *gitRunner
	ctx   context.Context
	stop  context.CancelFunc
}

type treeEntry struct {
	mode, typ, oid, path string
	size                 int64
}

// OpenGitTree lists ref's tree in the repository at repo. The caller closes it.
func OpenGitTree(repo, ref string, o GitOptions) (*GitTree, error) {
	g, err := newGitRunner(repo)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("git ref %q: must not start with '-'", ref)
	}
	ctx, stop := context.WithCancel(context.Background())
	t := &GitTree{repo: repo, ref: ref, git: g, ctx: ctx, stop: stop, byPath: map[string]*treeEntry{},
		skipDirs: o.SkipDirs, skipFiles: o.SkipFiles}
	tree, err := g.output(ctx, "rev-parse", "--verify", "--end-of-options", ref+"^{tree}")
	if err != nil {
		stop()
		return nil, fmt.Errorf("git ref %q in %s: %v", ref, repo, err)
	}
	t.tree = tree
	if err := t.list(); err != nil {
		stop()
		return nil, err
	}
	return t, nil
}

func (t *GitTree) list() error {
	cmd := t.git.command(t.ctx, "ls-tree", "-r", "-z", "--long", "--full-tree", t.tree)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("git ls-tree %s: %v %s", t.ref, err, strings.TrimSpace(stderr.String()))
	}
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		// <mode> SP <type> SP <object> SP+ <size> TAB <path>
		meta, p, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok {
			return fmt.Errorf("git ls-tree: unexpected record %q", rec)
		}
		f := strings.Fields(string(meta))
		if len(f) != 4 {
			return fmt.Errorf("git ls-tree: unexpected record %q", rec)
		}
		size, _ := strconv.ParseInt(f[3], 10, 64) // "-" for submodules
		t.entries = append(t.entries, treeEntry{mode: f[0], typ: f[1], oid: f[2], size: size, path: string(p)})
	}
	slices.SortFunc(t.entries, func(a, b treeEntry) int { return strings.Compare(a.path, b.path) })
	for i := range t.entries {
		t.byPath[t.entries[i].path] = &t.entries[i]
	}
	return nil
}

// Describe names the ref and the tree it resolved to.
func (t *GitTree) Describe() finding.Target {
	return finding.Target{Kind: "tree", Name: t.repo, Ref: t.ref, Digest: t.tree}
}

// Walk emits every blob of the tree in path order; symlinks and submodules are recorded as skipped.
func (t *GitTree) Walk(ctx context.Context, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	for i := range t.entries {
		e := &t.entries[i]
		if t.skipped(e.path) {
			continue
		}
		switch {
		case e.typ == "commit":
			skip(finding.Skipped{Path: e.path, Reason: finding.SkipNotRegular, Detail: "submodule"})
			continue
		case e.mode == "120000":
			skip(finding.Skipped{Path: e.path, Reason: finding.SkipSymlink, Detail: "symlink in git tree"})
			continue
		case e.typ != "blob":
			continue
		}
		if err := emit(scan.Entry{Path: e.path, Size: e.size, Read: func(limit int64) ([]byte, error) {
			if e.size > limit {
				return nil, &scan.SkipError{Reason: finding.SkipTooLarge, Err: fmt.Errorf("%d bytes exceeds %d", e.size, limit)}
			}
			return t.readBlob(e.oid)
		}}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// skipped applies --skip-dirs and --skip-files the way the directory walk does.
func (t *GitTree) skipped(p string) bool {
	return walk.Options{SkipDirs: t.skipDirs, SkipFiles: t.skipFiles}.Skips(p)
}

// readBlob reads one object through the long-lived cat-file process. After a broken read the
// process is restarted so the pipe never falls out of step.
func (t *GitTree) readBlob(oid string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := t.readBlobLocked(oid)
	if err != nil && t.cmd != nil {
		t.closeLocked()
	}
	return b, err
}

func (t *GitTree) readBlobLocked(oid string) ([]byte, error) {
	if t.cmd == nil {
		cmd := t.git.command(t.ctx, "cat-file", "--batch")
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		t.cmd, t.stdin, t.out = cmd, in, bufio.NewReaderSize(out, 64<<10)
	}
	if _, err := io.WriteString(t.stdin, oid+"\n"); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := t.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	f := strings.Fields(header)
	if len(f) == 2 && f[1] == "missing" {
		return nil, fmt.Errorf("object %s missing", oid)
	}
	if len(f) != 3 {
		return nil, fmt.Errorf("git cat-file: unexpected header %q", header)
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("git cat-file: bad size in %q", header)
	}
	buf := make([]byte, n+1) // content and the trailing newline
	if _, err := io.ReadFull(t.out, buf); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return buf[:n], nil
}

// Close ends the cat-file process.
func (t *GitTree) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closeLocked()
	t.stop()
	return nil
}

func (t *GitTree) closeLocked() {
	if t.cmd != nil {
		t.stdin.Close()
		done := make(chan struct{})
		go func() { _ = t.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		if t.cmd.Process != nil {
			_ = t.cmd.Process.Kill()
		}
		t.cmd = nil
	}
}

// FS presents the tree as a read-only file system, for analyzers that read sibling files.
func (t *GitTree) FS() fs.FS { return treeFS{t} }

type treeFS struct{ t *GitTree }

func (f treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if e, ok := f.t.byPath[name]; ok && e.typ == "blob" && e.mode != "120000" {
		b, err := f.t.readBlob(e.oid)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeFile{info: treeInfo{name: path.Base(name), size: int64(len(b))}, r: bytes.NewReader(b)}, nil
	}
	if ents := f.dirEntries(name); ents != nil {
		return &treeDir{info: treeInfo{name: path.Base(name), dir: true}, ents: ents}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// dirEntries lists a directory's direct children; nil when there is no such directory.
func (f treeFS) dirEntries(dir string) []fs.DirEntry {
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	seen := map[string]bool{}
	var out []fs.DirEntry
	for _, e := range f.t.entries {
		rest, ok := strings.CutPrefix(e.path, prefix)
		if !ok {
			continue
		}
		name, _, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, fs.FileInfoToDirEntry(treeInfo{name: name, dir: isDir, size: e.size}))
	}
	if out == nil && dir == "." {
		return []fs.DirEntry{}
	}
	return out
}

type treeInfo struct {
	name string
	size int64
	dir  bool
}

func (i treeInfo) Name() string { return i.name }
func (i treeInfo) Size() int64  { return i.size }
func (i treeInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i treeInfo) ModTime() time.Time { return time.Time{} }
func (i treeInfo) IsDir() bool        { return i.dir }
func (i treeInfo) Sys() any           { return nil }

type treeFile struct {
	info treeInfo
	r    *bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *treeFile) Close() error               { return nil }

type treeDir struct {
	info treeInfo
	ents []fs.DirEntry
	pos  int
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.pos:]
	if n <= 0 {
		d.pos = len(d.ents)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.pos += n
	return rest[:n], nil
}
