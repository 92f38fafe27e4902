package report

// Golden-file harness shared by every format test in this package. Regenerate with
//
//	go test ./internal/report -update
//
// and review the diff. Other formatters reuse update and checkGolden; do not declare another flag.

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// checkGolden compares got with testdata/golden/<name>, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./internal/report -update and review the diff.\n%s",
			name, firstDiff(want, got))
	}
}

// firstDiff shows the first differing line, enough to see what moved without a diff library.
func firstDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + string(w) + "\n  got:  " + string(g)
		}
	}
	return "(same lines, different bytes)"
}

// render runs one registered format over r and fails the test on error.
func render(t testing.TB, format string, r *Report, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(format, &buf, r, o); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}
