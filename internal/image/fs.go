package image

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// tarCursor walks one layer stream forward, member by member.
type tarCursor struct {
	tr   *tar.Reader
	next int
	err  error
	// last keeps the previous member: hard links share an ordinal and arrive side by side.
	lastOrd int
	last    []byte
}

func newTarCursor(r io.Reader) *tarCursor { return &tarCursor{tr: tar.NewReader(r)} }

func (t *tarCursor) readMember(ordinal int, size int64) ([]byte, error) {
	if t.last != nil && ordinal == t.lastOrd {
		return t.last, nil
	}
	for t.next <= ordinal {
		if _, err := t.tr.Next(); err != nil {
			t.err = err
			return nil, err
		}
		t.next++
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(t.tr, b); err != nil {
		t.err = err
		return nil, err
	}
	t.last, t.lastOrd = b, ordinal
	return b, nil
}

// maxFSRead caps what an analyzer may load through the tree (a neighbouring file).
const maxFSRead = 64 << 20

// FS returns the flattened tree. Symlinks are followed inside the image only (a link to "/" or
// "../../.." stays in the image's root, as in a container).
func (im *Image) FS() fs.FS { return imageFS{im} }

type imageFS struct{ im *Image }

// LayerCommand lets the package extractor name the history command of a file's layer.
func (f imageFS) LayerCommand(digest string) string { return f.im.LayerCommand(digest) }

// LayerVersions lists every layer's version of an OS package database, oldest first (the last is
// the one the walk yields), with a reader for each.
func (f imageFS) LayerVersions(name string) (digests []string, read func(i int) ([]byte, error)) {
	h := f.im.history[name]
	for _, n := range h {
		digests = append(digests, f.im.meta.layers[n.layer].digest)
	}
	return digests, func(i int) ([]byte, error) {
		n := h[i]
		if n.size > maxFSRead {
			return nil, fs.ErrInvalid
		}
		return f.im.cursors[n.layer].read(n.ordinal, n.size)
	}
}

func (f imageFS) find(op, name string) (*node, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		name = ""
	}
	hops := 0
	n, real := f.im.resolve(name, true, &hops)
	if n == nil {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, real, nil
}

func (f imageFS) Open(name string) (fs.File, error) {
	n, _, err := f.find("open", name)
	if err != nil {
		return nil, err
	}
	info := fileInfo{name: path.Base(name), n: n}
	if n.kind == kindDir {
		return &dirFile{info: info, fsys: f, path: name}, nil
	}
	if n.size > maxFSRead {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	c := f.im.cursors[n.layer]
	b, err := c.read(n.ordinal, n.size)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{Reader: bytes.NewReader(b), info: info}, nil
}

func (f imageFS) Stat(name string) (fs.FileInfo, error) {
	n, _, err := f.find("stat", name)
	if err != nil {
		return nil, err
	}
	return fileInfo{name: path.Base(name), n: n}, nil
}

func (f imageFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, _, err := f.find("readdir", name)
	if err != nil {
		return nil, err
	}
	if n.kind != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	out := make([]fs.DirEntry, 0, len(n.children))
	for k, c := range n.children {
		out = append(out, fs.FileInfoToDirEntry(fileInfo{name: k, n: c}))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int {
		switch {
		case a.Name() < b.Name():
			return -1
		case a.Name() > b.Name():
			return 1
		}
		return 0
	})
	return out, nil
}

type fileInfo struct {
	name string
	n    *node
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.n.size }
func (i fileInfo) Mode() fs.FileMode {
	switch i.n.kind {
	case kindDir:
		return fs.ModeDir | i.n.mode
	case kindSymlink:
		return fs.ModeSymlink | 0o777
	}
	return i.n.mode
}
func (i fileInfo) ModTime() time.Time { return i.n.mtime }
func (i fileInfo) IsDir() bool        { return i.n.kind == kindDir }
func (i fileInfo) Sys() any           { return nil }

type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

type dirFile struct {
	info fileInfo
	fsys imageFS
	path string
	ents []fs.DirEntry
	read bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: fs.ErrInvalid}
}
func (d *dirFile) Close() error { return nil }

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		p := d.path
		if p == "" {
			p = "."
		}
		ents, err := d.fsys.ReadDir(p)
		if err != nil {
			return nil, err
		}
		d.ents, d.read = ents, true
	}
	if n <= 0 {
		out := d.ents
		d.ents = nil
		return out, nil
	}
	if len(d.ents) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(d.ents))
	out := d.ents[:k]
	d.ents = d.ents[k:]
	return out, nil
}

var (
	_ fs.ReadDirFS = imageFS{}
	_ fs.StatFS    = imageFS{}
)
