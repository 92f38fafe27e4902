package packages

import (
	"bytes"
	"io"
	"io/fs"

	scalibrfs "github.com/google/osv-scalibr/fs"
)

type scalibrFS = scalibrfs.FS

// maxNeighbourSize caps what an extractor may read from a neighbouring file (os-release, a go.sum,
// an included requirements file) so a hostile tree cannot make it buffer gigabytes.
const maxNeighbourSize = 16 << 20

// treeFS gives scalibr the FS it expects (ReadDir, Stat, files with ReadAt) over any fs.FS. A nil
// tree (history scans) behaves as an empty one: extractors that look for a neighbour find nothing.
type treeFS struct{ fsys fs.FS }

func wrapFS(fsys fs.FS) fs.FS { return treeFS{fsys: fsys} }

func (t treeFS) Open(name string) (fs.File, error) {
	if t.fsys == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := t.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if _, ok := f.(io.ReaderAt); ok {
		return f, nil
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return f, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxNeighbourSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxNeighbourSize {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return &memFile{Reader: bytes.NewReader(b), st: st}, nil
}

func (t treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if t.fsys == nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadDir(t.fsys, name)
}

func (t treeFS) Stat(name string) (fs.FileInfo, error) {
	if t.fsys == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(t.fsys, name)
}

type memFile struct {
	*bytes.Reader
	st fs.FileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.st, nil }
func (m *memFile) Close() error               { return nil }

var _ scalibrFS = treeFS{}
