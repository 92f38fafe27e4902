package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// blobStore gives access to the files of an image archive (a docker save or OCI tarball, or an OCI
// layout folder) without extracting anything.
type blobStore interface {
	// open returns the named file's content and size. Names are slash paths inside the archive.
	open(name string) (io.ReadCloser, int64, error)
	has(name string) bool
	Close() error
}

// span is where an archive member's bytes sit in the outer tar.
type span struct{ off, size int64 }

// tarStore indexes the outer tar once (headers only; data is skipped with Seek) and serves members
// as section readers: reads go straight to the file, nothing is copied or extracted.
type tarStore struct {
	f       *os.File
	members map[string]span
	// names are the first member names, of any type, in archive order: enough to recognise an
	// image whose manifest never arrived.
	names []string
	// cut is the member whose data the file ends inside; it is indexed with the bytes that exist,
	// so a cut layer still yields the files before the cut.
	cut     string
	cutSize int64 // the size its header declared
	// stop is why indexing ended before the end-of-archive marker (a truncated or corrupt file);
	// nil for a whole archive.
	stop error
}

// maxSniffNames is how many leading member names are kept to recognise an image by its layout.
const maxSniffNames = 32

// maxOuterMembers bounds the outer index: a real image tarball has a few files per layer.
const maxOuterMembers = 100_000

// typeRegA is the pre-POSIX regular-file typeflag ('\x00'). Old archives still carry it; the
// tar.TypeRegA constant is deprecated, so the raw byte is spelled out.
const typeRegA = '\x00'

// openTarStore indexes the outer tar. A read error (a file cut short, a corrupt header) does not
// fail it: what was indexed is kept and the error recorded in stop, so the caller can still tell
// an image from other tars and say what was lost.
func openTarStore(f *os.File) (*tarStore, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	cr := &countingSeeker{r: f}
	tr := tar.NewReader(cr)
	s := &tarStore{f: f, members: map[string]span{}}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.stop = err
			break
		}
		if len(s.members) >= maxOuterMembers {
			return nil, fmt.Errorf("more than %d members: not an image archive", maxOuterMembers)
		}
		name := cleanMember(h.Name)
		if len(s.names) < maxSniffNames && name != "" {
			s.names = append(s.names, name)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != typeRegA {
			continue
		}
		if name == "" {
			continue
		}
		sp := span{off: cr.n, size: h.Size}
		if left := st.Size() - sp.off; sp.size > left {
			// The file ends inside this member: keep what is there; the next Next fails.
			s.cut, s.cutSize, sp.size = name, sp.size, max(left, 0)
		}
		s.members[name] = sp
	}
	if s.cut != "" && s.stop == nil {
		s.stop = io.ErrUnexpectedEOF
	}
	return s, nil
}

// isCut says whether the archive ends inside the named member.
func (s *tarStore) isCut(name string) bool { return s.cut != "" && s.cut == name }

func (s *tarStore) open(name string) (io.ReadCloser, int64, error) {
	sp, ok := s.members[name]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return io.NopCloser(io.NewSectionReader(s.f, sp.off, sp.size)), sp.size, nil
}

func (s *tarStore) has(name string) bool { _, ok := s.members[name]; return ok }
func (s *tarStore) Close() error         { return s.f.Close() }

// dirStore reads an OCI layout folder through os.Root so a symlinked blob cannot point outside it.
type dirStore struct{ root *os.Root }

func (d *dirStore) open(name string) (io.ReadCloser, int64, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	return f, st.Size(), nil
}

func (d *dirStore) has(name string) bool {
	st, err := d.root.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

func (d *dirStore) Close() error { return d.root.Close() }

// cleanMember normalises an outer archive member name ("./manifest.json" → "manifest.json").
func cleanMember(n string) string {
	n = path.Clean("/" + strings.TrimPrefix(n, "./"))
	return strings.TrimPrefix(n, "/")
}

// countingSeeker tracks the offset of the outer tar so member data can be addressed directly.
// archive/tar reads headers block by block without read-ahead, so after Next the count is the
// first byte of the member's data.
type countingSeeker struct {
	r io.ReadSeeker
	n int64
}

func (c *countingSeeker) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

func (c *countingSeeker) Seek(off int64, whence int) (int64, error) {
	n, err := c.r.Seek(off, whence)
	if err == nil {
		c.n = n
	}
	return n, err
}

// readSmall reads a metadata file (manifest, index, config) with a hard cap.
func readSmall(s blobStore, name string, limit int64) ([]byte, error) {
	if ts, ok := s.(*tarStore); ok && ts.isCut(name) {
		return nil, fmt.Errorf("%s: the archive ends inside it", name)
	}
	rc, size, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > limit {
		return nil, fmt.Errorf("%s: %d bytes exceeds the %d byte limit for image metadata", name, size, limit)
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: exceeds the %d byte limit for image metadata", name, limit)
	}
	return b, nil
}

// looksLikeTar checks the ustar magic of the first header block.
func looksLikeTar(head []byte) bool {
	return len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
}
