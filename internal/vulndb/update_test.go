package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// bucket is a fake OSV bucket: it serves <eco>/all.zip with an ETag and x-goog-hash, honours
// If-None-Match, and counts full downloads.
type bucket struct {
	mu        sync.Mutex
	zips      map[string][]byte
	downloads atomic.Int32
	// truncate, when set, sends only half of every body while announcing the full length.
	truncate bool
	// badHash sends a wrong CRC32C.
	badHash bool
}

func (b *bucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	body, found := b.zips[eco]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	sum := crc32.Checksum(body, castagnoli)
	if b.badHash {
		sum++
	}
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], sum)
	etag := fmt.Sprintf(`"%08x"`, crc32.ChecksumIEEE(body))
	w.Header().Set("ETag", etag)
	w.Header().Set("X-Goog-Hash", "crc32c="+base64.StdEncoding.EncodeToString(raw[:])+",md5=AAAA")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	b.downloads.Add(1)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if b.truncate {
		w.Write(body[:len(body)/2])
		return
	}
	w.Write(body)
}

func newBucket(t *testing.T, ecos ...string) (*bucket, *httptest.Server) {
	b := &bucket{zips: map[string][]byte{}}
	for _, e := range ecos {
		b.zips[e] = zipDir(t, e)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	return b, srv
}

func TestUpdateHTTP(t *testing.T) {
	b, srv := newBucket(t, "Go", "PyPI")
	dir := t.TempDir()
	ctx := context.Background()
	o := Options{Repository: srv.URL, Ecosystems: []string{"Go", "PyPI"}}

	res, err := Update(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Updated) != 2 || b.downloads.Load() != 2 {
		t.Fatalf("updated %v, downloads %d", res.Updated, b.downloads.Load())
	}
	m, err := Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	if u := m.Units["Go"]; u == nil || u.Advisories != 2 || u.Withdrawn != 1 || u.ETag == "" || u.CRC32C == "" {
		t.Fatalf("Go unit %+v", u)
	}

	// Unchanged: a 304, nothing downloaded, but the check time moves on.
	before := m.Units["Go"].CheckedAt
	time.Sleep(10 * time.Millisecond)
	res, err = Update(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unchanged) != 2 || b.downloads.Load() != 2 {
		t.Fatalf("unchanged %v, downloads %d", res.Unchanged, b.downloads.Load())
	}
	m, _ = Status(dir)
	if !m.Units["Go"].CheckedAt.After(before) {
		t.Error("check time did not move")
	}

	// A truncated download and a checksum mismatch are refused; the old data stays.
	b.mu.Lock()
	b.zips["Go"] = append(append([]byte(nil), b.zips["Go"]...), 0) // new ETag
	b.truncate = true
	b.mu.Unlock()
	_, err = Update(ctx, dir, Options{Repository: srv.URL, Ecosystems: []string{"Go"}})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("truncated download: err %v, want refused", err)
	}
	b.mu.Lock()
	b.truncate, b.badHash = false, true
	b.mu.Unlock()
	_, err = Update(ctx, dir, Options{Repository: srv.URL, Ecosystems: []string{"Go"}})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("bad crc32c: err %v, want refused", err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	advs, err := db.Lookup("Go", "stdlib")
	if err != nil || len(advs) != 1 {
		t.Fatalf("after refused updates: %v %v", advs, err)
	}
	// Missing ecosystem on the server: an error for it, the others untouched.
	_, err = Update(ctx, dir, Options{Repository: srv.URL, Ecosystems: []string{"NoSuch"}})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing ecosystem: %v", err)
	}
}

func TestUpdateFileRepository(t *testing.T) {
	root := mirror(t)
	dir := t.TempDir()
	res, err := Update(context.Background(), dir, Options{Repository: "file://" + filepath.ToSlash(root), Ecosystems: []string{"crates.io"}})
	if err != nil || len(res.Updated) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	res, err = Update(context.Background(), dir, Options{Repository: "file://" + filepath.ToSlash(root), Ecosystems: []string{"crates.io"}})
	if err != nil || len(res.Unchanged) != 1 {
		t.Fatalf("second run: %v %v", res, err)
	}
}

func TestImportRefusesBadZips(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(t.TempDir(), "Go", "all.zip")
	os.MkdirAll(filepath.Dir(good), 0o755)
	os.WriteFile(good, zipDir(t, "Go"), 0o644)
	if _, err := Import(ctx, dir, good, Options{}); err != nil {
		t.Fatal(err)
	}
	whole := zipDir(t, "Go")
	flipped := append([]byte(nil), whole...)
	flipped[len(indexMagic)+60] ^= 0xff // inside the first entry's data
	cases := map[string][]byte{
		"truncated": whole[:len(whole)/2],
		"not a zip": []byte("hello"),
		"corrupt":   flipped,
		"bomb":      bomb(t),
		"junk json": makeZip(t, map[string][]byte{"A.json": []byte("{not json"), "B.json": []byte("[]")}),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "Go", "all.zip")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, body, 0o644)
			_, err := Import(ctx, dir, p, Options{Limits: Limits{MaxEntrySize: 4 << 20}})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err %v, want refused", err)
			}
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if advs, _ := db.Lookup("Go", "stdlib"); len(advs) != 1 {
				t.Fatal("old database lost")
			}
		})
	}
}

// bomb is a zip whose one entry inflates 8 MiB of zeros from a few KB.
func bomb(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("GO-BOMB.json")
	w.Write(bytes.Repeat([]byte{' '}, 8<<20))
	zw.Close()
	return buf.Bytes()
}

func TestImportIgnoresTraversalNames(t *testing.T) {
	adv, _ := os.ReadFile("testdata/osv/Go/GO-2024-3107.json")
	z := makeZip(t, map[string][]byte{
		"../../evil.json":       adv,
		"/abs.json":             adv,
		"dir/GO-2024-3107.json": adv,
		"GO-2024-3107.json":     adv,
	})
	data, err := readZip(bytes.NewReader(z), int64(len(z)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if data.ignored != 3 || data.advisories != 1 {
		t.Fatalf("ignored %d, kept %d", data.ignored, data.advisories)
	}
}

// Scans open and match while updates swap generations underneath them.
func TestConcurrentScansAndUpdates(t *testing.T) {
	b, srv := newBucket(t, "Go", "PyPI")
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Update(ctx, dir, Options{Repository: srv.URL, Ecosystems: []string{"Go", "PyPI"}}); err != nil {
		t.Fatal(err)
	}
	pkgs := []finding.Package{{Ecosystem: "Go", Name: "stdlib", Version: "1.22.0", Manifest: "go.mod"}}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				db, err := Open(dir)
				if err != nil {
					errs <- err
					return
				}
				res, err := db.Match(ctx, pkgs)
				db.Close()
				if err != nil || len(res.Findings) != 1 {
					errs <- fmt.Errorf("worker %d: %v %v", w, res, err)
					return
				}
			}
		}()
	}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				b.mu.Lock()
				b.zips["Go"] = append(append([]byte(nil), zipDir(t, "Go")...), byte(i*10+j)) // a new ETag each time
				b.mu.Unlock()
				if _, err := Update(ctx, dir, Options{Repository: srv.URL, Ecosystems: []string{"Go"}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	gens, _ := filepath.Glob(filepath.Join(dir, genPrefix+"*"))
	if len(gens) != 1 {
		t.Errorf("%d generations left, want 1", len(gens))
	}
}

func TestCorruptIndexIsAnError(t *testing.T) {
	dir := t.TempDir()
	if _, err := Import(context.Background(), dir, mirror(t), Options{}); err != nil {
		t.Fatal(err)
	}
	gen, _ := readCurrent(dir)
	idx := filepath.Join(dir, gen, unitFileName("Go"))
	raw, _ := os.ReadFile(idx)
	os.Chmod(idx, 0o644)
	os.WriteFile(idx, raw[:len(raw)-10], 0o644)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Lookup("Go", "stdlib"); !errors.Is(err, errCorruptIndex) {
		t.Fatalf("err %v, want corrupt index", err)
	}
}
