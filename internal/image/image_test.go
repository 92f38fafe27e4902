package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// tf is one member of a test layer.
type tf struct {
	name, body, link string
	typ              byte
}

func layerTar(t testing.TB, files ...tf) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, ModTime: time.Unix(1700000000, 0), Typeflag: f.typ, Linkname: f.link}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.body))
		}
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if f.body != "" {
			if _, err := io.WriteString(tw, f.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layer(t testing.TB, files ...tf) v1.Layer {
	t.Helper()
	b := layerTar(t, files...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testImage builds a three-layer Debian-like image: a base with os-release and dpkg status, a layer
// that deletes a file and makes /opt opaque, and an app layer.
func testImage(t testing.TB) v1.Image {
	t.Helper()
	img := empty.Image
	adds := []mutate.Addendum{
		{Layer: layer(t,
			tf{name: "etc/", typ: tar.TypeDir},
			tf{name: "etc/os-release", body: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"},
			tf{name: "var/lib/dpkg/status", body: "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n"},
			tf{name: "tmp/secret.txt", body: "old"},
			tf{name: "opt/old/file", body: "lower"},
			tf{name: "usr/lib/x.so", body: "lib"},
			tf{name: "lib", typ: tar.TypeSymlink, link: "usr/lib"},
		), History: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD file:base in /"}},
		{Layer: layer(t,
			tf{name: "tmp/.wh.secret.txt"},
			tf{name: "opt/.wh..wh..opq"},
			tf{name: "opt/new", body: "upper"},
		), History: v1.History{CreatedBy: "RUN rm /tmp/secret.txt"}},
		{Layer: layer(t,
			tf{name: "app/go.mod", body: "module example.com/app\n\ngo 1.21.0\n\nrequire golang.org/x/text v0.3.7\n"},
			tf{name: "app/hard", typ: tar.TypeLink, link: "app/go.mod"},
		), History: v1.History{CreatedBy: "COPY go.mod /app/"}},
	}
	for _, a := range adds {
		var err error
		if img, err = mutate.Append(img, a); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func writeDockerSave(t testing.TB, img v1.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	ref, _ := name.NewTag("example.com/app:1.0")
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeOCILayout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tarDir packs an OCI layout folder into an OCI tarball.
func tarDir(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "oci.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type walked struct {
	files   map[string]string
	layers  map[string]string
	skipped []finding.Skipped
}

func walkAll(t testing.TB, im *Image) walked {
	t.Helper()
	w := walked{files: map[string]string{}, layers: map[string]string{}}
	err := im.Walk(context.Background(), func(e scan.Entry) error {
		b, err := e.Read(1 << 20)
		if err != nil {
			t.Errorf("%s: %v", e.Path, err)
		}
		w.files[e.Path] = string(b)
		w.layers[e.Path] = e.Layer
		return nil
	}, func(s finding.Skipped) { w.skipped = append(w.skipped, s) })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestFormats(t *testing.T) {
	img := testImage(t)
	diffs, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	oci := writeOCILayout(t, img)
	for _, tc := range []struct{ name, path, format string }{
		{"docker save", writeDockerSave(t, img), "docker-archive"},
		{"oci layout", oci, "oci"},
		{"oci tarball", tarDir(t, oci), "oci"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im, err := Open(tc.path, Options{})
			if err != nil || im == nil {
				t.Fatalf("Open = %v, %v", im, err)
			}
			defer im.Close()
			if im.Format() != tc.format {
				t.Errorf("format %s", im.Format())
			}
			d := im.Describe()
			if d.Kind != "image" || d.OS != "Debian GNU/Linux 12 (bookworm)" || !strings.HasPrefix(d.Digest, "sha256:") {
				t.Errorf("Describe = %+v", d)
			}
			w := walkAll(t, im)
			want := map[string]string{
				"etc/os-release":      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
				"var/lib/dpkg/status": "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n",
				"opt/new":             "upper",
				"usr/lib/x.so":        "lib",
				"app/go.mod":          "module example.com/app\n\ngo 1.21.0\n\nrequire golang.org/x/text v0.3.7\n",
				"app/hard":            "module example.com/app\n\ngo 1.21.0\n\nrequire golang.org/x/text v0.3.7\n",
			}
			for p, body := range want {
				if w.files[p] != body {
					t.Errorf("%s = %q, want %q", p, w.files[p], body)
				}
			}
			for _, gone := range []string{"tmp/secret.txt", "opt/old/file"} {
				if _, ok := w.files[gone]; ok {
					t.Errorf("%s should be whited out", gone)
				}
			}
			if len(w.files) != len(want) {
				t.Errorf("walked %v", slices.Sorted(mapsKeys(w.files)))
			}
			if got, wantL := w.layers["app/go.mod"], diffs.RootFS.DiffIDs[2].String(); got != wantL {
				t.Errorf("layer of app/go.mod = %s, want %s", got, wantL)
			}
			if cmd := im.LayerCommand(w.layers["app/go.mod"]); cmd != "COPY go.mod /app/" {
				t.Errorf("LayerCommand = %q", cmd)
			}
			// The tree follows in-image symlinks: /lib -> usr/lib.
			b, err := fs.ReadFile(im.FS(), "lib/x.so")
			if err != nil || string(b) != "lib" {
				t.Errorf("lib/x.so via symlink: %q %v", b, err)
			}
			if _, err := fs.Stat(im.FS(), "tmp/secret.txt"); err == nil {
				t.Error("whiteout visible through FS")
			}
			ents, err := fs.ReadDir(im.FS(), "opt")
			if err != nil || len(ents) != 1 || ents[0].Name() != "new" {
				t.Errorf("opt = %v %v", ents, err)
			}
		})
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestNotAnImage(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	if err := os.WriteFile(plain, layerTar(t, tf{name: "a.txt", body: "x"}), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, plain, filepath.Join(dir, "missing")} {
		im, err := Open(p, Options{})
		if im != nil || err != nil {
			t.Errorf("Open(%s) = %v, %v; want nil, nil", p, im, err)
		}
	}
}

// TestHostileLayer builds one layer with every trick the issue lists and checks each is refused
// and reported while the honest file still arrives.
func TestHostileLayer(t *testing.T) {
	hostile := layer(t,
		tf{name: "../../etc/evil", body: "escape"},
		tf{name: "/abs/evil", body: "absolute"},
		tf{name: "link-out", typ: tar.TypeSymlink, link: "../../../../etc/passwd"},
		tf{name: "hard-missing", typ: tar.TypeLink, link: "no/such/file"},
		tf{name: "ok.txt", body: "fine"},
	)
	l := layer(t, tf{name: "base.txt", body: "base"})
	img, err := mutate.AppendLayers(empty.Image, l, hostile, l) // l twice: a duplicate layer
	if err != nil {
		t.Fatal(err)
	}
	p := writeDockerSave(t, img)
	im, err := Open(p, Options{})
	if err != nil || im == nil {
		t.Fatalf("Open: %v", err)
	}
	defer im.Close()
	w := walkAll(t, im)
	if w.files["ok.txt"] != "fine" || w.files["base.txt"] != "base" || len(w.files) != 2 {
		t.Errorf("files = %v", w.files)
	}
	reasons := map[string]string{}
	for _, s := range w.skipped {
		reasons[s.Path] = s.Reason
	}
	for p, r := range map[string]string{
		"../../etc/evil": "unsafe-path",
		"/abs/evil":      "unsafe-path",
		"link-out":       finding.SkipSymlinkOut,
		"hard-missing":   "hardlink-missing",
	} {
		if reasons[p] != r {
			t.Errorf("skip %s = %q, want %q (all: %+v)", p, reasons[p], r, w.skipped)
		}
	}
	var dup bool
	for _, s := range w.skipped {
		dup = dup || s.Reason == "duplicate-layer"
	}
	if !dup {
		t.Errorf("duplicate layer not reported: %+v", w.skipped)
	}
	// The escaping symlink resolves inside the image, where nothing is.
	if _, err := fs.ReadFile(im.FS(), "link-out"); err == nil {
		t.Error("link-out resolved to something")
	}
}

// TestHugeSizeClaim: a header that claims 10 GB in a layer that holds a few bytes. Nothing is
// allocated for it; the member is reported unreadable and the rest still scans.
func TestHugeSizeClaim(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "small.txt", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("hi"))
	tw.Flush()
	hdr := &tar.Header{Name: "huge.bin", Mode: 0o644, Size: 10 << 30, Typeflag: tar.TypeReg}
	tw.WriteHeader(hdr)
	tw.Write(make([]byte, 1024)) // then the archive just ends
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	im, err := Open(writeDockerSave(t, img), Options{})
	if err != nil || im == nil {
		t.Fatalf("Open: %v", err)
	}
	defer im.Close()
	var sizes = map[string]int64{}
	var skipped []finding.Skipped
	err = im.Walk(context.Background(), func(e scan.Entry) error {
		sizes[e.Path] = e.Size
		if e.Size < 1<<20 {
			if _, err := e.Read(1 << 20); err != nil {
				t.Errorf("%s: %v", e.Path, err)
			}
		}
		return nil
	}, func(s finding.Skipped) { skipped = append(skipped, s) })
	if err != nil {
		t.Fatal(err)
	}
	if sizes["small.txt"] != 2 {
		t.Errorf("sizes = %v", sizes)
	}
	if len(skipped) == 0 {
		t.Errorf("truncated layer not reported")
	}
}

// TestDecompressionBomb: a layer whose uncompressed stream exceeds MaxLayerBytes is cut off and
// reported.
func TestDecompressionBomb(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	img, err := mutate.AppendLayers(empty.Image, layer(t, tf{name: "a.txt", body: "a"}, tf{name: "zeros", body: zeros}, tf{name: "z.txt", body: "z"}))
	if err != nil {
		t.Fatal(err)
	}
	im, err := Open(writeDockerSave(t, img), Options{MaxLayerBytes: 1 << 20})
	if err != nil || im == nil {
		t.Fatalf("Open: %v", err)
	}
	defer im.Close()
	w := walkAll(t, im)
	if _, ok := w.files["z.txt"]; ok {
		t.Error("member after the cap was indexed")
	}
	if len(w.skipped) == 0 || !strings.Contains(w.skipped[0].Detail, "size limit") {
		t.Errorf("skipped = %+v", w.skipped)
	}
}

func FuzzImageLayer(f *testing.F) {
	f.Add(layerTar(f, tf{name: "a", body: "x"}, tf{name: "b/.wh..wh..opq"}, tf{name: "l", typ: tar.TypeSymlink, link: "../../a"}))
	f.Add(layerTar(f, tf{name: "x", typ: tar.TypeLink, link: "x"}, tf{name: "d", typ: tar.TypeSymlink, link: "d"}, tf{name: "d/f", body: "1"}))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		im := &Image{root: newDir(), history: map[string][]*node{}, opts: Options{}, store: memStore{"l": b, "l2": b}}
		im.opts.defaults()
		im.meta = &imageMeta{layers: []layerRef{{blob: "l", digest: "sha256:l"}, {blob: "l2", digest: "sha256:l2"}}}
		for i := range im.meta.layers {
			if err := im.applyLayer(i); err != nil {
				return
			}
			im.cursors = append(im.cursors, &cursor{store: im.store, blob: im.meta.layers[i].blob, limit: 1 << 30})
		}
		_ = im.Walk(context.Background(), func(e scan.Entry) error { _, err := e.Read(1 << 16); _ = err; return nil }, func(finding.Skipped) {})
		_ = fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				_, _ = fs.ReadFile(im.FS(), p)
			}
			return nil
		})
	})
}

type memStore map[string][]byte

func (m memStore) open(n string) (io.ReadCloser, int64, error) {
	b, ok := m[n]
	if !ok {
		return nil, 0, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}
func (m memStore) has(n string) bool { _, ok := m[n]; return ok }
func (m memStore) Close() error      { return nil }
