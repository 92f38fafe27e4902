// Package image reads container images — docker save tarballs, OCI image layouts (folders) and OCI
// tarballs — as a flattened, read-only file tree for the single scan walk. Layers are streamed from
// the archive and never extracted to disk; whiteouts are honoured; every file knows the layer that
// last wrote it. Hostile archives (paths leaving the root, symlink games, hard links to nothing,
// decompression bombs, absurd size claims) are bounded and reported, never followed.
package image

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Options bound the work an image may cause.
type Options struct {
	// MaxLayerBytes caps each layer's uncompressed stream (decompression bombs). 0: 32 GiB.
	MaxLayerBytes int64
	// MaxEntries caps the tar members indexed over all layers. 0: 2 million.
	MaxEntries int
	// PreloadBytes is the size up to which a file's content is read while its layer streams by; larger
	// files are fetched on demand. 0: 4 MiB.
	PreloadBytes int64
	// Skip leaves out files the user excluded (--skip-dirs, --skip-files), given the slash path.
	Skip func(path string) bool
}

func (o *Options) defaults() {
	if o.MaxLayerBytes <= 0 {
		o.MaxLayerBytes = 32 << 30
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 2_000_000
	}
	if o.PreloadBytes <= 0 {
		o.PreloadBytes = 4 << 20
	}
}

// Image is an opened image: a scan.TreeSource and an io.Closer.
type Image struct {
	name    string
	format  string
	opts    Options
	store   blobStore
	meta    *imageMeta
	root    *node
	entries int
	skipped []finding.Skipped
	cursors []*cursor
	os      string
	history map[string][]*node
	// notChecked says what an archive cut short kept from the scan; it turns the verdict to warn.
	notChecked []string
}

// Open recognises an image by content. It returns nil, nil when path is not an image, so the
// caller can try other readers.
func Open(p string, o Options) (*Image, error) {
	o.defaults()
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil // let the directory opener report it
	}
	var store blobStore
	if st.IsDir() {
		r, err := os.OpenRoot(p)
		if err != nil {
			return nil, nil
		}
		ds := &dirStore{root: r}
		if !ds.has("oci-layout") || !ds.has("index.json") {
			r.Close()
			return nil, nil
		}
		store = ds
	} else {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		if kind := compression(head[:n]); kind != "" {
			// Layers are served by offset into the outer tar, which a compressed stream cannot
			// give; scanning it as one binary blob would pass the gate on nothing.
			isImage := false
			if _, err := f.Seek(0, io.SeekStart); err == nil {
				isImage = compressedImage(f, kind)
			}
			f.Close()
			if isImage {
				return nil, fmt.Errorf("image %s: %s-compressed image archives are not supported; decompress first (for example: %s -dc %s > image.tar)", p, kind, kind, p)
			}
			return nil, nil
		}
		if !looksLikeTar(head[:n]) {
			f.Close()
			return nil, nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		ts, err := openTarStore(f)
		if err != nil {
			f.Close()
			return nil, nil // a tar, but not an image: scanned as a plain file
		}
		if !(ts.has("manifest.json") || (ts.has("oci-layout") && ts.has("index.json"))) {
			f.Close()
			if !looksLikeImage(ts.names) {
				return nil, nil // a tar, but not an image: scanned as a plain file
			}
			why := "no manifest.json or index.json"
			if ts.stop != nil {
				why = fmt.Sprintf("the archive ends before its manifest (%v)", ts.stop)
			}
			return nil, fmt.Errorf("image archive is truncated or corrupt: %s: %s", p, why)
		}
		store = ts
	}
	im, err := load(p, store, o)
	if err != nil {
		store.Close()
		if ts, ok := store.(*tarStore); ok && ts.stop != nil {
			return nil, fmt.Errorf("image archive is truncated or corrupt: %s: %w (archive read stopped: %v)", p, err, ts.stop)
		}
		return nil, fmt.Errorf("image %s: %w", p, err)
	}
	return im, nil
}

// skipTruncated names layers and files lost to an archive that ends early.
const skipTruncated = "truncated"

func load(name string, store blobStore, o Options) (*Image, error) {
	im := &Image{name: name, opts: o, store: store, root: newDir(), history: map[string][]*node{}}
	var err error
	ts, _ := store.(*tarStore)
	var stop error // why the archive could not be read to its end
	if ts != nil {
		stop = ts.stop
	}
	lost := 0
	if store.has("manifest.json") {
		im.format = "docker-archive"
		im.meta, err = loadDockerSave(store)
	} else {
		im.format = "oci"
		im.meta, err = loadOCI(store)
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, l := range im.meta.layers {
		if seen[l.blob] {
			// Re-applying an identical layer changes nothing but costs a full read: a manifest
			// that repeats one layer many times is a cheap way to make a scanner spin.
			im.skip(l.digest, "duplicate-layer", fmt.Sprintf("layer %d repeats an earlier layer; applied once", i))
			im.cursors = append(im.cursors, nil)
			continue
		}
		seen[l.blob] = true
		if !store.has(l.blob) {
			if stop != nil {
				lost++
				im.skip(l.digest, skipTruncated, fmt.Sprintf("layer %d (%s): the archive ends before it; none of its files were scanned", i, l.blob))
				im.cursors = append(im.cursors, nil)
				continue
			}
			return nil, fmt.Errorf("layer %s is missing from the archive", l.blob)
		}
		if ts != nil && ts.isCut(l.blob) {
			lost++
			im.skip(l.digest, skipTruncated, fmt.Sprintf("layer %d (%s): the archive ends inside it (%d of %d bytes); files before the cut were scanned, the rest were not",
				i, l.blob, ts.members[l.blob].size, ts.cutSize))
		}
		if err := im.applyLayer(i); err != nil {
			im.skip(l.digest, finding.SkipUnreadable, err.Error())
		}
		im.cursors = append(im.cursors, &cursor{store: store, blob: l.blob, limit: o.MaxLayerBytes})
	}
	if stop != nil {
		if len(im.files()) == 0 {
			return nil, fmt.Errorf("no file could be read from its %d layers", len(im.meta.layers))
		}
		msg := fmt.Sprintf("image archive is truncated or corrupt (%v)", stop)
		if lost > 0 {
			msg += fmt.Sprintf(": %d of %d layers were cut or missing; the files they hold after the cut were not scanned", lost, len(im.meta.layers))
			// Files went unscanned: the gate must not pass as if the image were whole.
			im.notChecked = append(im.notChecked, msg)
		} else {
			msg += " after every layer the manifest names; nothing was lost"
		}
		im.meta.warnings = append(im.meta.warnings, msg)
	}
	im.os = im.detectOS()
	return im, nil
}

func (im *Image) skip(p, reason, detail string) {
	im.skipped = append(im.skipped, finding.Skipped{Path: p, Reason: reason, Detail: detail})
}

// Describe implements scan.Source.
func (im *Image) Describe() finding.Target {
	name := im.name
	if len(im.meta.tags) > 0 {
		name = im.name + " (" + strings.Join(im.meta.tags, ", ") + ")"
	}
	return finding.Target{Kind: "image", Name: name, OS: im.os, Digest: im.meta.id}
}

// Warnings are things the report should say about the archive (several images in one file).
func (im *Image) Warnings() []string { return im.meta.warnings }

// NotChecked lists what the scan could not cover (layers lost to a truncated archive); the gate
// reports each as a reason to warn.
func (im *Image) NotChecked() []string { return im.notChecked }

// Format is docker-archive or oci.
func (im *Image) Format() string { return im.format }

// LayerCommand implements packages.LayerCommander through the tree (see FS).
func (im *Image) LayerCommand(digest string) string {
	for _, l := range im.meta.layers {
		if l.digest == digest {
			return l.cmd
		}
	}
	return ""
}

// Close releases the archive.
func (im *Image) Close() error {
	for _, c := range im.cursors {
		if c != nil {
			c.close()
		}
	}
	return im.store.Close()
}

// Walk implements scan.Source: each layer that still contributes files is streamed once; small
// files are handed over with their content, larger ones are read on demand through the layer's
// cursor.
func (im *Image) Walk(ctx context.Context, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	for _, s := range im.skipped {
		skip(s)
	}
	files := im.files()
	if im.opts.Skip != nil {
		kept := files[:0]
		for _, f := range files {
			if !im.opts.Skip(f.path) {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	for start := 0; start < len(files); {
		li := files[start].n.layer
		end := start
		for end < len(files) && files[end].n.layer == li {
			end++
		}
		if err := im.walkLayer(ctx, li, files[start:end], emit, skip); err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (im *Image) walkLayer(ctx context.Context, li int, files []fileRef, emit func(scan.Entry) error, skip func(finding.Skipped)) error {
	rc, err := openLayer(im.store, im.meta.layers[li].blob, im.opts.MaxLayerBytes)
	if err != nil {
		for _, f := range files {
			skip(finding.Skipped{Path: f.path, Reason: finding.SkipUnreadable, Detail: err.Error()})
		}
		return nil
	}
	defer rc.Close()
	tr := newTarCursor(rc)
	digest := im.meta.layers[li].digest
	cur := im.cursors[li]
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := scan.Entry{Path: f.path, Size: f.n.size, Layer: digest}
		if f.n.size <= im.opts.PreloadBytes && tr.err == nil {
			b, err := tr.readMember(f.n.ordinal, f.n.size)
			if err != nil {
				for _, rest := range files[i:] {
					skip(finding.Skipped{Path: rest.path, Reason: finding.SkipUnreadable, Detail: fmt.Sprintf("layer %s: %v", digest, err)})
				}
				return nil
			}
			e.Read = func(limit int64) ([]byte, error) {
				if int64(len(b)) > limit+1 {
					return b[:limit+1], nil
				}
				return b, nil
			}
		} else {
			ord := f.n.ordinal
			e.Read = func(limit int64) ([]byte, error) { return cur.read(ord, limit) }
		}
		if err := emit(e); err != nil {
			return err
		}
	}
	return nil
}

// detectOS reads /etc/os-release (or /usr/lib/os-release) from the flattened tree.
func (im *Image) detectOS() string {
	fsys := im.FS()
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		f, err := fsys.Open(p)
		if err != nil {
			continue
		}
		vals := map[string]string{}
		sc := bufio.NewScanner(io.LimitReader(f, 64<<10))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), "=")
			if ok {
				vals[k] = strings.Trim(v, `"'`)
			}
		}
		f.Close()
		if s := vals["PRETTY_NAME"]; s != "" {
			return s
		}
		if vals["ID"] != "" {
			return strings.TrimSpace(vals["ID"] + " " + vals["VERSION_ID"])
		}
	}
	return ""
}

var (
	_ scan.TreeSource = (*Image)(nil)
	_ io.Closer       = (*Image)(nil)
)
