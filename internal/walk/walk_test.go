package walk

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

func collect(t *testing.T, d *Dir) (paths []string, skipped []finding.Skipped) {
	t.Helper()
	err := d.Walk(context.Background(), func(e scan.Entry) error {
		paths = append(paths, e.Path)
		return nil
	}, func(s finding.Skipped) { skipped = append(skipped, s) })
	if err != nil {
		t.Fatal(err)
	}
	return paths, skipped
}

func TestWalkHonoursIgnoreFilesAndGlobs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "gitignore nested with negations and tollgateignore",
			want: []string{".gitignore", ".tollgateignore", "docs/readme.md", "important.log", "keep/a.txt",
				"src/.gitignore", "src/app/gen.pb.go", "src/app/main.go", "src/keep.txt", "vendor/lib/lib.go"},
		},
		{
			name: "skip-dirs by base name and skip-files by doublestar",
			opts: Options{SkipDirs: []string{"vendor", "keep"}, SkipFiles: []string{"**/*.pb.go", ".tollgate*"}},
			want: []string{".gitignore", "docs/readme.md", "important.log", "src/.gitignore", "src/app/main.go", "src/keep.txt"},
		},
		{
			name: "ignore files disabled",
			opts: Options{NoIgnoreFiles: true, SkipDirs: []string{"src/app", "node_modules"}},
			want: []string{".gitignore", ".tollgateignore", "build/out.js", "debug.log", "docs/private.md", "docs/readme.md",
				"important.log", "keep/a.txt", "secret.env", "src/.gitignore", "src/ignored.txt", "src/keep.txt", "vendor/lib/lib.go"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open("testdata/tree", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			got, skipped := collect(t, d)
			if !slices.Equal(got, tt.want) {
				t.Errorf("paths:\n got %q\nwant %q", got, tt.want)
			}
			if len(skipped) != 0 {
				t.Errorf("unexpected skips: %+v", skipped)
			}
		})
	}
}

func TestWalkNeverLeavesTheTarget(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "real.txt"), []byte("in"), 0o600))
	must(t, os.Mkdir(filepath.Join(root, "dir"), 0o755))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "abs-out")))
	must(t, os.Symlink("../../"+filepath.Base(outside)+"/secret", filepath.Join(root, "dir", "rel-out")))
	must(t, os.Symlink("real.txt", filepath.Join(root, "inside")))
	must(t, os.Symlink(outside, filepath.Join(root, "dir-out")))
	must(t, os.Symlink("loop2", filepath.Join(root, "loop1")))
	must(t, os.Symlink("loop1", filepath.Join(root, "loop2")))
	must(t, os.Symlink(".", filepath.Join(root, "dir", "self")))
	must(t, os.Symlink("missing", filepath.Join(root, "dangling")))
	must(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))

	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, skipped := collect(t, d)
	if !slices.Equal(got, []string{"real.txt"}) {
		t.Errorf("paths = %q, want only real.txt", got)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.Path] = s.Reason
	}
	want := map[string]string{
		"abs-out":     finding.SkipSymlinkOut,
		"dir/rel-out": finding.SkipSymlinkOut,
		"dir-out":     finding.SkipSymlinkOut,
		"inside":      finding.SkipSymlink,
		"dir/self":    finding.SkipSymlink,
		"loop1":       finding.SkipSymlinkLoop,
		"loop2":       finding.SkipSymlinkLoop,
		"dangling":    finding.SkipUnreadable,
		"fifo":        finding.SkipNotRegular,
	}
	for p, r := range want {
		if reasons[p] != r {
			t.Errorf("%s: reason %q, want %q", p, reasons[p], r)
		}
	}
	if len(reasons) != len(want) {
		t.Errorf("skipped %v, want exactly %v", reasons, want)
	}
}

func TestReadRefusesAFileSwappedForAFIFO(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "f")
	must(t, os.WriteFile(p, []byte("x"), 0o600))
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var entry scan.Entry
	_ = d.Walk(context.Background(), func(e scan.Entry) error { entry = e; return nil }, func(finding.Skipped) {})
	must(t, os.Remove(p))
	must(t, syscall.Mkfifo(p, 0o600))
	if _, err := entry.Read(1 << 20); err == nil {
		t.Fatal("reading a FIFO must fail, not block or succeed")
	}
}

func TestReadStopsAtTheLimit(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "big"), make([]byte, 10000), 0o600))
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, err := readFile(d.root, "big", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 101 {
		t.Fatalf("read %d bytes, want limit+1 = 101 so the engine sees the file is too large", len(b))
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), Options{}); err == nil {
		t.Error("a missing target must be an error")
	}
	if _, err := Open(t.TempDir(), Options{SkipFiles: []string{"[unclosed"}}); err == nil {
		t.Error("an invalid glob must be an error")
	}
}

func TestSingleFileTarget(t *testing.T) {
	d, err := Open("testdata/tree/src/keep.txt", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, _ := collect(t, d)
	if !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("got %q", got)
	}
}

func TestBrokenIgnorePatternsDoNotStopTheWalk(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, ".gitignore"), []byte("[z-a]\n\\\n**/***\n!\n\xff\xfe\na.txt\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(root, "a.txt"), []byte("a"), 0o600))
	must(t, os.WriteFile(filepath.Join(root, "b.txt"), []byte("b"), 0o600))
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, _ := collect(t, d)
	if !slices.Contains(got, "b.txt") || slices.Contains(got, "a.txt") {
		t.Errorf("got %q: a.txt must stay ignored and b.txt scanned despite broken lines", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// growingReader hands out more bytes than Stat promised, as a file appended to mid-scan does.
type growingReader struct{ left int }

func (g *growingReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), g.left, 7)
	for i := range n {
		p[i] = 'x'
	}
	g.left -= n
	return n, nil
}

func TestReadAll(t *testing.T) {
	tests := []struct {
		name              string
		actual, size, lim int
		want              int
	}{
		{"exact size", 100, 100, 1000, 100},
		{"grew since stat", 500, 10, 1000, 500},
		{"grew past the limit stops at limit+1", 5000, 10, 1000, 1001},
		{"shrank since stat", 3, 100, 1000, 3},
		{"empty", 0, 0, 1000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readAll(&growingReader{left: tt.actual}, int64(tt.size), int64(tt.lim))
			if err != nil || len(b) != tt.want {
				t.Fatalf("read %d bytes (err %v), want %d", len(b), err, tt.want)
			}
		})
	}
}

// TestDeepTreesAreReadThroughAnchors walks a tree far deeper than anchorEvery: every file is found
// and readable, a link back up that stays inside the target is not mistaken for an escape, and no
// anchor stays open once every entry was read.
func TestDeepTreesAreReadThroughAnchors(t *testing.T) {
	root := t.TempDir()
	const depth = anchorEvery*3 + 5
	dir := root
	var want []string
	rel := ""
	for i := range depth {
		dir = filepath.Join(dir, "d")
		rel = strings.TrimPrefix(rel+"/d", "/")
		must(t, os.Mkdir(dir, 0o755))
		if i%10 == 0 {
			must(t, os.WriteFile(filepath.Join(dir, "f.txt"), []byte(rel), 0o600))
			want = append(want, rel+"/f.txt")
		}
	}
	must(t, os.Symlink(strings.Repeat("../", depth)+"d/f.txt", filepath.Join(dir, "up")))
	d, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []string
	var skipped []finding.Skipped
	err = d.Walk(context.Background(), func(e scan.Entry) error {
		b, err := e.Read(1 << 20)
		if err != nil {
			return err
		}
		if string(b)+"/f.txt" != e.Path {
			t.Errorf("%s holds %q", e.Path, b)
		}
		got = append(got, e.Path)
		return nil
	}, func(s finding.Skipped) { skipped = append(skipped, s) })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("found %d files, want %d", len(got), len(want))
	}
	if len(skipped) != 1 || skipped[0].Reason != finding.SkipSymlink {
		t.Errorf("skipped = %+v, want the in-target link named as a symlink", skipped)
	}
	d.mu.Lock()
	open := len(d.anchors)
	d.mu.Unlock()
	if open != 0 {
		t.Errorf("%d anchors still open after every entry was read", open)
	}
}
