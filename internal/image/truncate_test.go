package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// memberSpans maps each member of a tar to where its data starts and how long it is.
func memberSpans(t testing.TB, b []byte) (names []string, spans map[string]span) {
	t.Helper()
	r := bytes.NewReader(b)
	tr := tar.NewReader(r)
	spans = map[string]span{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, spans
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		spans[h.Name] = span{off: r.Size() - int64(r.Len()), size: h.Size}
	}
}

// reorder rewrites a tar with the named members first, as the docker CLI writes manifest.json
// before the layers where go-containerregistry writes it last.
func reorder(t testing.TB, b []byte, first ...string) []byte {
	t.Helper()
	type m struct {
		h    *tar.Header
		data []byte
	}
	var all []m
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d, _ := io.ReadAll(tr)
		all = append(all, m{h, d})
	}
	rank := func(n string) int {
		for i, f := range first {
			if f == n {
				return i
			}
		}
		return len(first)
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for r := 0; r <= len(first); r++ {
		for _, x := range all {
			if rank(x.h.Name) == r {
				tw.WriteHeader(x.h)
				tw.Write(x.data)
			}
		}
	}
	tw.Close()
	return out.Bytes()
}

func writeBytes(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestTruncatedArchiveIsAnError: when the cut leaves no manifest, or no file at all, the archive is
// still recognised as an image and Open fails, so the CLI exits 2 instead of passing on nothing.
func TestTruncatedArchiveIsAnError(t *testing.T) {
	img := testImage(t)
	full, err := os.ReadFile(writeDockerSave(t, img))
	if err != nil {
		t.Fatal(err)
	}
	names, spans := memberSpans(t, full)
	firstLayer := ""
	for _, n := range names {
		if strings.HasSuffix(n, ".tar.gz") {
			firstLayer = n
			break
		}
	}
	man := spans["manifest.json"]
	oci, err := os.ReadFile(tarDir(t, writeOCILayout(t, img)))
	if err != nil {
		t.Fatal(err)
	}
	_, ociSpans := memberSpans(t, oci)
	// One layer holding one 8000-byte file, manifest first: a cut inside the file leaves nothing.
	single, err := mutate.AppendLayers(empty.Image, layer(t, tf{name: "app/a.txt", body: strings.Repeat("x", 8000)}))
	if err != nil {
		t.Fatal(err)
	}
	one, err := os.ReadFile(writeDockerSave(t, single))
	if err != nil {
		t.Fatal(err)
	}
	one = reorder(t, one, "manifest.json")
	_, oneSpans := memberSpans(t, one)
	var oneLayer span
	for n, sp := range oneSpans {
		if strings.HasSuffix(n, ".tar.gz") {
			oneLayer = sp
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"docker save cut inside the first layer", full[:spans[firstLayer].off+spans[firstLayer].size/2]},
		{"docker save cut mid-header", full[:spans[firstLayer].off-300]},
		{"docker save cut inside manifest.json", full[:man.off+man.size/2]},
		{"docker save with only its first header", full[:512]},
		{"oci tarball cut in its blobs", oci[:len(oci)/3]},
		{"oci tarball cut inside index.json", oci[:ociSpans["index.json"].off+2]},
		{"manifest first, the only file cut", one[:oneLayer.off+oneLayer.size/2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im, err := Open(writeBytes(t, "cut.tar", tc.data), Options{})
			if im != nil {
				im.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "image archive is truncated or corrupt") {
				t.Errorf("Open = %v, %v; want a truncated-archive error", im, err)
			}
		})
	}
}

// TestTruncatedArchiveScansWhatIsThere: with the manifest ahead of the layers (the docker CLI's
// order), a cut in a later layer keeps the earlier layers and the files before the cut; the lost
// layer and file are named skips, and the image says it was not fully checked.
func TestTruncatedArchiveScansWhatIsThere(t *testing.T) {
	img, err := mutate.AppendLayers(empty.Image,
		layer(t, tf{name: "etc/base.txt", body: "base"}),
		layer(t, tf{name: "app/a.txt", body: "aaa"}, tf{name: "app/big.bin", body: strings.Repeat("\x01\x02", 40000)}),
		layer(t, tf{name: "app/late.txt", body: "late"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	blob := func(i int) string {
		d, err := ls[i].Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.Hex + ".tar.gz"
	}
	raw, err := os.ReadFile(writeDockerSave(t, img))
	if err != nil {
		t.Fatal(err)
	}
	// Config and manifest first, then the layers in order.
	var first []string
	names, _ := memberSpans(t, raw)
	for _, n := range names {
		if strings.HasPrefix(n, "sha256:") {
			first = append(first, n)
		}
	}
	first = append(first, "manifest.json", blob(0), blob(1), blob(2))
	full := reorder(t, raw, first...)
	_, spans := memberSpans(t, full)
	mid := spans[blob(1)]

	im, err := Open(writeBytes(t, "cut.tar", full[:mid.off+mid.size*3/4]), Options{})
	if err != nil || im == nil {
		t.Fatalf("Open = %v, %v", im, err)
	}
	defer im.Close()
	w := walkAll(t, im)
	if w.files["etc/base.txt"] != "base" || w.files["app/a.txt"] != "aaa" {
		t.Errorf("files = %v", w.files)
	}
	for _, gone := range []string{"app/big.bin", "app/late.txt"} {
		if _, ok := w.files[gone]; ok {
			t.Errorf("%s scanned from a cut archive", gone)
		}
	}
	reasons := map[string][]string{}
	for _, s := range w.skipped {
		reasons[s.Reason] = append(reasons[s.Reason], s.Path+": "+s.Detail)
	}
	got := strings.Join(reasons[skipTruncated], "\n")
	for _, want := range []string{"app/big.bin", "layer 1 (" + blob(1) + "): the archive ends inside it", "layer 2 (" + blob(2) + "): the archive ends before it"} {
		if !strings.Contains(got, want) {
			t.Errorf("truncated skips lack %q:\n%s\nall: %+v", want, got, w.skipped)
		}
	}
	if len(im.NotChecked()) != 1 || !strings.Contains(im.NotChecked()[0], "2 of 3 layers were cut or missing") {
		t.Errorf("NotChecked = %q", im.NotChecked())
	}
	if ws := im.Warnings(); len(ws) != 1 || !strings.Contains(ws[0], "truncated") {
		t.Errorf("Warnings = %q", ws)
	}

	// Cut after the last layer (in the end-of-archive padding): nothing is lost, but the report
	// still says the file is damaged.
	im2, err := Open(writeBytes(t, "tail.tar", full[:len(full)-700]), Options{})
	if err != nil || im2 == nil {
		t.Fatalf("Open tail cut = %v, %v", im2, err)
	}
	defer im2.Close()
	if len(im2.NotChecked()) != 0 {
		t.Errorf("NotChecked = %q", im2.NotChecked())
	}
	if w := walkAll(t, im2); len(w.files) != 4 {
		t.Errorf("files = %v", w.files)
	}
}

// TestCompressedImageArchive: docker save | gzip is refused with a clear message, whole or cut; a
// gzip of an ordinary tar is left to the directory walker.
func TestCompressedImageArchive(t *testing.T) {
	full, err := os.ReadFile(writeDockerSave(t, testImage(t)))
	if err != nil {
		t.Fatal(err)
	}
	z := gz(t, full)
	for name, b := range map[string][]byte{"whole": z, "cut": z[:len(z)/2], "cut early": z[:300]} {
		t.Run(name, func(t *testing.T) {
			im, err := Open(writeBytes(t, "image.tar.gz", b), Options{})
			if im != nil {
				im.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "compressed image archives are not supported; decompress first") {
				t.Errorf("Open = %v, %v", im, err)
			}
		})
	}
	plain := gz(t, layerTar(t, tf{name: "a.txt", body: "x"}))
	if im, err := Open(writeBytes(t, "plain.tar.gz", plain), Options{}); im != nil || err != nil {
		t.Errorf("plain tar.gz: Open = %v, %v; want nil, nil", im, err)
	}
}

// TestTruncatedPlainTar: a cut tar that is not an image stays a plain file.
func TestTruncatedPlainTar(t *testing.T) {
	b := layerTar(t, tf{name: "docs/a.txt", body: strings.Repeat("a", 3000)}, tf{name: "docs/b.txt", body: "b"})
	if im, err := Open(writeBytes(t, "cut.tar", b[:1500]), Options{}); im != nil || err != nil {
		t.Errorf("Open = %v, %v; want nil, nil", im, err)
	}
}

func TestImageLayoutName(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for n, want := range map[string]bool{
		"manifest.json": true, "oci-layout": true, "blobs/sha256/" + h: true, h + "/layer.tar": true,
		h + "/json": true, h: true, h + ".json": true, "sha256:" + h: true, h + ".tar.gz": true,
		"index.json": false, "blobs/sha256/xyz": false, "src/main.go": false, h[:63]: false, strings.ToUpper(h): false,
	} {
		if got := imageLayoutName(n); got != want {
			t.Errorf("imageLayoutName(%q) = %v", n, got)
		}
	}
}

// FuzzOpenArchive: any prefix or mutation of an image archive opens, errors or is declined, and
// never panics or hangs.
func FuzzOpenArchive(f *testing.F) {
	full, err := os.ReadFile(writeDockerSave(f, testImage(f)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full, uint32(len(full)/2))
	f.Add(reorder(f, full, "manifest.json"), uint32(len(full)*2/3))
	f.Add(gz(f, full), uint32(200))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, cut uint32) {
		if int(cut) < len(b) {
			b = b[:cut]
		}
		p := filepath.Join(dir, "f.tar")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := Open(p, Options{MaxLayerBytes: 8 << 20})
		if err != nil || im == nil {
			return
		}
		defer im.Close()
		walkAllLoose(im)
	})
}

// walkAllLoose reads every file, ignoring errors: the fuzz target only checks nothing panics.
func walkAllLoose(im *Image) {
	_ = im.Walk(context.Background(), func(e scan.Entry) error {
		_, _ = e.Read(1 << 16)
		return nil
	}, func(finding.Skipped) {})
}
