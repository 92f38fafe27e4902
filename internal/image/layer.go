package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// ErrLayerTooLarge stops a layer whose uncompressed stream exceeds Options.MaxLayerBytes (a
// decompression bomb).
var ErrLayerTooLarge = errors.New("uncompressed layer exceeds the size limit")

// openLayer returns the uncompressed tar stream of a layer blob, whatever its compression
// (gzip, zstd or none), capped at limit bytes.
func openLayer(s blobStore, blob string, limit int64) (io.ReadCloser, error) {
	rc, _, err := s.open(blob)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	head, _ := br.Peek(4)
	var r io.Reader = br
	closeFn := rc.Close
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("layer %s: %w", blob, err)
		}
		r = gz
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("layer %s: %w", blob, err)
		}
		r = zr
		closeFn = func() error { zr.Close(); return rc.Close() }
	}
	return &limitedStream{r: r, left: limit, close: closeFn}, nil
}

type limitedStream struct {
	r     io.Reader
	left  int64
	close func() error
}

func (l *limitedStream) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, ErrLayerTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedStream) Close() error { return l.close() }

// cursor reads member k of a layer on demand. Tar members are addressed by ordinal, so sparse
// files and PAX headers need no special casing; reads usually arrive in walk order, so the cursor
// mostly moves forward and a layer is decompressed about twice in all (index, then content).
type cursor struct {
	mu    sync.Mutex
	store blobStore
	blob  string
	limit int64
	rc    io.ReadCloser
	tr    *tar.Reader
	next  int // ordinal of the member tr.Next returns next
}

func (c *cursor) read(ordinal int, limit int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tr == nil || ordinal < c.next {
		if c.rc != nil {
			c.rc.Close()
		}
		rc, err := openLayer(c.store, c.blob, c.limit)
		if err != nil {
			return nil, err
		}
		c.rc, c.tr, c.next = rc, tar.NewReader(rc), 0
	}
	for c.next <= ordinal {
		if _, err := c.tr.Next(); err != nil {
			c.tr = nil
			return nil, fmt.Errorf("layer %s member %d: %w", c.blob, ordinal, err)
		}
		c.next++
	}
	b, err := io.ReadAll(io.LimitReader(c.tr, limit+1))
	if err != nil {
		c.tr = nil
		return nil, err
	}
	return b, nil
}

func (c *cursor) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rc != nil {
		c.rc.Close()
		c.rc, c.tr = nil, nil
	}
}
