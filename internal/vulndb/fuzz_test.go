package vulndb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzImportZip(f *testing.F) {
	f.Add(zipDir(f, "PyPI"))
	f.Add(zipDir(f, "Debian"))
	f.Add(bomb2(f))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	lim := Limits{MaxEntrySize: 1 << 20, MaxTotalSize: 8 << 20, MaxEntries: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := readZip(bytes.NewReader(b), int64(len(b)), lim)
		if err != nil {
			return
		}
		// Whatever was accepted must survive the index round trip.
		p := filepath.Join(t.TempDir(), "x.idx")
		if _, err := writeIndex(p, data.groups); err != nil {
			t.Fatal(err)
		}
		n, _, err := verifyFile(p)
		if err != nil || n != countAdvisories(data.groups) {
			t.Fatalf("round trip: %d advisories, %v", n, err)
		}
	})
}

func bomb2(f *testing.F) []byte {
	return makeZip(f, map[string][]byte{"A.json": bytes.Repeat([]byte{'{'}, 2<<20)})
}

func FuzzParseAdvisory(f *testing.F) {
	files, _ := filepath.Glob("testdata/osv/*/*.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b, "1.2.3")
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1"},{"introduced":"0"},{"limit":"*"}]}]}]}`), "0.5")
	f.Fuzz(func(t *testing.T, b []byte, ver string) {
		r, err := parseAdvisory(b)
		if err != nil {
			return
		}
		for k, a := range r.trim() {
			severityOf(a)
			v, err := parseVersion(k.eco, ver)
			if err != nil {
				continue
			}
			if in, fixes := affects(a, k, "", v); in {
				nearestFix(v, fixes)
			}
		}
	})
}

func FuzzReadIndex(f *testing.F) {
	dir := f.TempDir()
	groups := map[key][]*Advisory{{"Go", "stdlib"}: {{ID: "GO-1"}}, {"PyPI", "py"}: {{ID: "PYSEC-1"}}}
	p := filepath.Join(dir, "seed.idx")
	if _, err := writeIndex(p, groups); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(p)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.idx")
		os.WriteFile(p, b, 0o644)
		ix, err := openIndex(p)
		if err != nil {
			return
		}
		defer ix.Close()
		ix.verify()
		ix.lookup(key{"Go", "stdlib"})
	})
}
