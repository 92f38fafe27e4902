package packages

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/scan"
)

// bigLock is a package-lock.json v3 with n packages (~150 bytes each).
func bigLock(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"name":"big","lockfileVersion":3,"requires":true,"packages":{"":{"name":"big","dependencies":{"pkg-0":"1.0.0"}}`)
	for i := range n {
		fmt.Fprintf(&b, `,"node_modules/pkg-%d":{"version":"1.%d.%d","resolved":"https://registry.npmjs.org/pkg-%d/-/pkg-%d-1.0.0.tgz","integrity":"sha512-x"}`, i, i%100, i%7, i, i)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// TestHundredThousandEntries: the "lockfile with 100k entries" comes through whole, with the
// direct dependency marked.
func TestHundredThousandEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	content := bigLock(100_000)
	e := New(Options{})
	res, err := e.Analyze(context.Background(), &scan.File{Path: "package-lock.json", Size: int64(len(content)), Content: content})
	if err != nil || len(res.Skipped) > 0 {
		t.Fatalf("%v %+v", err, res.Skipped)
	}
	if len(res.Packages) != 100_000 {
		t.Fatalf("%d packages", len(res.Packages))
	}
	direct := 0
	for _, p := range res.Packages {
		if p.Direct != nil && *p.Direct {
			direct++
		}
	}
	if direct != 1 {
		t.Errorf("%d direct packages, want 1", direct)
	}
}

func BenchmarkAnalyzeLockfile100k(b *testing.B) {
	content := bigLock(100_000)
	e := New(Options{})
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := e.Analyze(context.Background(), &scan.File{Path: "package-lock.json", Size: int64(len(content)), Content: content}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWants(b *testing.B) {
	e := New(Options{})
	paths := []string{"src/main.go", "web/package-lock.json", "README.md", "usr/bin/tool", "var/lib/dpkg/status", "a/b/c/d/e.txt"}
	for b.Loop() {
		for _, p := range paths {
			e.Wants(p, 4096)
		}
	}
}
