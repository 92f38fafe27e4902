// Package walk owns the single traversal of a directory tree: ignore files, skip globs, symlink
// safety and the reasons a file is left out. It reads nothing but directory entries and ignore files;
// contents are read later, once, by the engine.
package walk

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Options select what the walk leaves out.
type Options struct {
	// SkipDirs and SkipFiles are doublestar globs matched against the slash path relative to the root
	// (a pattern without a slash also matches the base name at any depth).
	SkipDirs  []string
	SkipFiles []string
	// NoIgnoreFiles disables .gitignore and .tollgateignore handling.
	NoIgnoreFiles bool
}

// IgnoreFiles are read in every directory; .tollgateignore uses gitignore syntax.
var IgnoreFiles = []string{".gitignore", ".tollgateignore"}

// Dir is a directory target. It is opened with os.Root so no read, however a symlink is aimed, can
// leave the target.
type Dir struct {
	root *os.Root
	name string
	opts Options
	// only restricts the walk to one file when the target is a file.
	only string

	mu      sync.Mutex
	anchors map[*anchor]bool // deep anchors still open, closed by Close at the latest
}

// anchorEvery is how many levels the walk descends before it opens the directory it is in as a new
// root. os.Root resolves a path one component per system call, so without anchors a tree nested
// N levels deep costs O(N²) calls — a hostile repository of a few thousand levels would stall the
// scan. Real trees rarely reach this depth, so they never pay for an anchor.
const anchorEvery = 48

// anchor is a root opened on a directory inside the target (or the target itself, prefix ".").
// Reads of files below it resolve from there. It closes when the walk has left it and every entry
// emitted below it has been read.
type anchor struct {
	root   *os.Root
	prefix string
	refs   atomic.Int64
	d      *Dir
}

func (a *anchor) rel(p string) string {
	if a.prefix == "." {
		return p
	}
	if p == a.prefix {
		return "."
	}
	return p[len(a.prefix)+1:]
}

func (a *anchor) release() {
	if a.refs.Add(-1) == 0 && a.prefix != "." {
		a.root.Close()
		a.d.mu.Lock()
		delete(a.d.anchors, a)
		a.d.mu.Unlock()
	}
}

// Open prepares a directory (or a single file) for scanning. An unreadable target is an error: the
// scan cannot run.
func Open(target string, opts Options) (*Dir, error) {
	for _, g := range append(slices.Clone(opts.SkipDirs), opts.SkipFiles...) {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("invalid glob %q", g)
		}
	}
	st, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("open target: %w", err)
	}
	d := &Dir{name: target, opts: opts}
	dir := target
	if !st.IsDir() {
		// The user named this file: a symlink is followed to it (the never-leave-the-target rule is
		// for links found inside a tree), or the one file asked for would be skipped unscanned.
		real, err := filepath.EvalSymlinks(target)
		if err != nil {
			return nil, fmt.Errorf("open target: %w", err)
		}
		dir, d.only = filepath.Split(filepath.Clean(real))
		if dir == "" {
			dir = "."
		}
	}
	if d.root, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("open target: %w", err)
	}
	if d.only == "" {
		if _, err := fs.ReadDir(d.root.FS(), "."); err != nil {
			d.root.Close()
			return nil, fmt.Errorf("read target: %w", err)
		}
	}
	return d, nil
}

// Close releases the root handle and any anchor whose entries were never read.
func (d *Dir) Close() error {
	d.mu.Lock()
	for a := range d.anchors {
		a.root.Close()
	}
	d.anchors = nil
	d.mu.Unlock()
	return d.root.Close()
}

// FS is the read-only tree, confined to the target.
func (d *Dir) FS() fs.FS { return d.root.FS() }

// Describe names the target for the report.
func (d *Dir) Describe() finding.Target { return finding.Target{Kind: "dir", Name: d.name} }

// Walk visits every regular file once, depth first in name order (so the walk is deterministic).
func (d *Dir) Walk(ctx context.Context, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	top := &anchor{root: d.root, prefix: ".", d: d}
	if d.only != "" {
		return d.visitFile(top, d.only, emit, skip)
	}
	var pats []gitignore.Pattern
	if !d.opts.NoIgnoreFiles {
		pats = d.readIgnore(top, ".git/info/exclude", nil, skip)
	}
	return d.walkDir(ctx, top, 0, ".", nil, pats, emit, skip)
}

// descend walks sub, opening it as a new anchor when the current one is anchorEvery levels up.
func (d *Dir) descend(ctx context.Context, a *anchor, depth int, sub string, domain []string, pats []gitignore.Pattern, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	if depth+1 < anchorEvery {
		return d.walkDir(ctx, a, depth+1, sub, domain, pats, emit, skip)
	}
	r, err := a.root.OpenRoot(a.rel(sub))
	if err != nil {
		skip(finding.Skipped{Path: sub, Reason: finding.SkipUnreadable, Detail: err.Error()})
		return nil
	}
	na := &anchor{root: r, prefix: sub, d: d}
	na.refs.Store(1) // the walk's own reference, dropped when it leaves sub
	d.mu.Lock()
	if d.anchors == nil {
		d.anchors = map[*anchor]bool{}
	}
	d.anchors[na] = true
	d.mu.Unlock()
	defer na.release()
	return d.walkDir(ctx, na, 0, sub, domain, pats, emit, skip)
}

// walkDir lists dir (whose path parts are domain) and visits its entries in name order.
func (d *Dir) walkDir(ctx context.Context, a *anchor, depth int, dir string, domain []string, pats []gitignore.Pattern, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ents, err := fs.ReadDir(a.root.FS(), a.rel(dir))
	if err != nil {
		if dir == "." {
			return fmt.Errorf("read target: %w", err)
		}
		skip(finding.Skipped{Path: dir, Reason: finding.SkipUnreadable, Detail: err.Error()})
		// ReadDir may return the entries it did read; go on with those.
	}
	if !d.opts.NoIgnoreFiles {
		for _, name := range IgnoreFiles {
			if hasEntry(ents, name) {
				pats = append(slices.Clip(pats), d.readIgnore(a, join(dir, name), slices.Clone(domain), skip)...)
			}
		}
	}
	m := gitignore.NewMatcher(pats)
	for _, e := range ents {
		name := e.Name()
		rel := join(dir, name)
		isDir := e.IsDir()
		if isDir && name == ".git" {
			continue
		}
		// parts shares domain's array: Match keeps nothing, and a subdirectory's walk (which extends
		// it) is over before the next sibling overwrites the slot. Copying instead would cost
		// O(depth) per entry and O(depth²) for a hostile, deeply nested tree.
		parts := append(domain, name)
		if len(pats) > 0 && m.Match(parts, isDir) {
			continue
		}
		if isDir {
			if matchAny(d.opts.SkipDirs, rel) {
				continue
			}
			if err := d.descend(ctx, a, depth, rel, parts, pats, emit, skip); err != nil {
				return err
			}
			continue
		}
		if matchAny(d.opts.SkipFiles, rel) {
			continue
		}
		if err := d.visit(a, rel, e, emit, skip); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dir) visitFile(a *anchor, rel string, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	info, err := d.root.Lstat(rel)
	if err != nil {
		return fmt.Errorf("open target: %w", err)
	}
	return d.visit(a, rel, fs.FileInfoToDirEntry(info), emit, skip)
}

func (d *Dir) visit(a *anchor, rel string, e fs.DirEntry, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	t := e.Type()
	if t&fs.ModeSymlink != 0 {
		skip(d.symlinkSkip(rel)) // judged from the top: a link may leave an anchor yet stay inside the target
		return nil
	}
	if !t.IsRegular() {
		skip(finding.Skipped{Path: rel, Reason: finding.SkipNotRegular, Detail: "file type " + t.String()})
		return nil
	}
	info, err := e.Info()
	if err != nil { // vanished since the directory was listed
		skip(finding.Skipped{Path: rel, Reason: finding.SkipUnreadable, Detail: err.Error()})
		return nil
	}
	a.refs.Add(1)
	var once sync.Once
	done := func() { once.Do(a.release) }
	err = emit(scan.Entry{Path: rel, Size: info.Size(), Read: func(limit int64) ([]byte, error) {
		defer done()
		return readFile(a.root, a.rel(rel), limit)
	}})
	if err != nil {
		done()
	}
	return err
}

// symlinkSkip says where a symlink leads without following it for the walk: in-target links are
// scanned where they point, links out of the target and loops are named as such.
func (d *Dir) symlinkSkip(rel string) finding.Skipped {
	_, err := d.root.Stat(rel)
	switch {
	case err == nil:
		target, _ := d.root.Readlink(rel)
		return finding.Skipped{Path: rel, Reason: finding.SkipSymlink, Detail: "points to " + target + " inside the target, scanned there"}
	case errors.Is(err, syscall.ELOOP):
		return finding.Skipped{Path: rel, Reason: finding.SkipSymlinkLoop, Detail: err.Error()}
	case strings.Contains(err.Error(), "escapes"):
		return finding.Skipped{Path: rel, Reason: finding.SkipSymlinkOut, Detail: "not followed: it points outside the target"}
	default:
		return finding.Skipped{Path: rel, Reason: finding.SkipUnreadable, Detail: "dangling symlink: " + err.Error()}
	}
}

func readFile(root *os.Root, rel string, limit int64) ([]byte, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() { // swapped for a FIFO or device since the walk saw it
		return nil, &scan.SkipError{Reason: finding.SkipNotRegular, Err: fmt.Errorf("file type %s", st.Mode().Type())}
	}
	size := st.Size()
	if size > limit {
		size = limit
	}
	return readAll(f, size, limit)
}

// readAll reads at most limit+1 bytes into one buffer sized from Stat, so a file costs one
// allocation of its own size (bytes.Buffer.ReadFrom would double the buffer just to see EOF). The
// extra byte lets the engine tell a file that grew past the limit since it was listed.
func readAll(r io.Reader, size, limit int64) ([]byte, error) {
	buf := make([]byte, 0, size+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) { // grew since Stat: extend, still bounded by limit+1
			buf = append(buf, 0)[:len(buf)]
			buf = buf[:len(buf):min(int64(cap(buf)), limit+1)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readIgnore parses one gitignore-syntax file. A malformed pattern matches nothing, as in git, so
// it can never widen what is skipped; an ignore file that cannot be read is named in the report.
func (d *Dir) readIgnore(a *anchor, rel string, domain []string, skip func(finding.Skipped)) []gitignore.Pattern {
	b, err := readFile(a.root, a.rel(rel), 1<<20)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			skip(finding.Skipped{Path: rel, Reason: finding.SkipIgnoreFile, Detail: err.Error()})
		}
		return nil
	}
	var pats []gitignore.Pattern
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pats = append(pats, gitignore.ParsePattern(line, domain))
	}
	return pats
}

func hasEntry(ents []fs.DirEntry, name string) bool {
	for _, e := range ents {
		if e.Name() == name && e.Type().IsRegular() {
			return true
		}
	}
	return false
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// Skips reports whether a file at rel is left out by --skip-files, or by --skip-dirs on any folder
// above it. Sources that list files rather than walk folders (history, git trees, images) use it so
// every target skips by the same rule as the walk.
func (o Options) Skips(rel string) bool {
	if matchAny(o.SkipFiles, rel) {
		return true
	}
	for d := path.Dir(rel); d != "." && d != "/" && d != ""; d = path.Dir(d) {
		if matchAny(o.SkipDirs, d) {
			return true
		}
	}
	return false
}

// matchAny matches rel against globs; a glob without a slash matches the base name at any depth,
// like --skip-dirs node_modules does in trivy.
func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		g = strings.TrimPrefix(strings.TrimSuffix(g, "/"), "./")
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := doublestar.Match(g, path.Base(rel)); ok {
				return true
			}
		}
	}
	return false
}
