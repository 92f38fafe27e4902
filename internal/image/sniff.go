package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// A broken image must not pass for a plain file: a docker save cut inside a layer used to fall
// back to the directory walker as one binary blob, scan nothing, and pass the gate. The helpers
// here recognise an image archive by the names of its first members, which survive any cut that
// leaves the first header readable.

// imageLayoutName says whether a member name belongs to the layout of a docker save (legacy
// "<id>/layer.tar", go-containerregistry's "sha256:<id>" and "<id>.tar.gz") or an OCI tarball
// ("oci-layout", "blobs/sha256/<id>"). A top-level index.json alone is too common in ordinary
// tars to count.
func imageLayoutName(n string) bool {
	switch n {
	case "manifest.json", "oci-layout":
		return true
	}
	if rest, ok := strings.CutPrefix(n, "blobs/sha256/"); ok {
		return isHex64(rest)
	}
	if first, rest, ok := strings.Cut(n, "/"); ok {
		return isHex64(first) && (rest == "layer.tar" || rest == "json" || rest == "VERSION")
	}
	for _, affix := range [][2]string{{"", ""}, {"", ".json"}, {"", ".tar.gz"}, {"", ".tar"}, {"sha256:", ""}} {
		if s, ok := strings.CutPrefix(n, affix[0]); ok {
			if s, ok = strings.CutSuffix(s, affix[1]); ok && isHex64(s) {
				return true
			}
		}
	}
	return false
}

func looksLikeImage(names []string) bool {
	for _, n := range names {
		if imageLayoutName(n) {
			return true
		}
	}
	return false
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// compression names the compression of a file from its first bytes ("" when none is known).
func compression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "gzip"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd"
	}
	return ""
}

// sniffPeek bounds how much of a compressed file is decompressed to read its first tar headers.
const sniffPeek = 64 << 10

// compressedImage says whether a compressed stream holds a tar whose first members are laid out
// like an image. Only the first sniffPeek bytes are decompressed; a stream cut short still answers
// from what arrived.
func compressedImage(r io.Reader, kind string) bool {
	var dr io.Reader
	switch kind {
	case "gzip":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return false
		}
		defer gz.Close()
		dr = gz
	case "zstd":
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
		if err != nil {
			return false
		}
		defer zr.Close()
		dr = zr
	default:
		return false
	}
	buf := make([]byte, sniffPeek)
	n, err := io.ReadFull(dr, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) && n == 0 {
		return false
	}
	if !looksLikeTar(buf[:n]) {
		return false
	}
	tr := tar.NewReader(bytes.NewReader(buf[:n]))
	var names []string
	for len(names) < maxSniffNames {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, cleanMember(h.Name))
	}
	return looksLikeImage(names)
}
