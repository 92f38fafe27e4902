package packages

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/scan"
)

// fuzzPaths are the lockfile names the fuzzer feeds content to; the first byte of each input picks one.
var fuzzPaths = []string{"go.mod", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "requirements.txt", "poetry.lock",
	"Cargo.lock", "Gemfile.lock", "composer.lock", "pom.xml", "packages.lock.json", "var/lib/dpkg/status", "lib/apk/db/installed"}

// FuzzAnalyze feeds arbitrary content to the extractors under real lockfile names. A panic inside
// scalibr is contained and reported as a skip; a panic or hang in Tollgate's own code fails here.
func FuzzAnalyze(f *testing.F) {
	for i, p := range []string{"testdata/gomod/go.mod", "testdata/npm/package-lock.json", "testdata/yarn/yarn.lock",
		"testdata/pnpm/pnpm-lock.yaml", "testdata/pypi/requirements.txt", "testdata/poetry/poetry.lock", "testdata/cargo/Cargo.lock",
		"testdata/gem/Gemfile.lock", "testdata/composer/composer.lock", "testdata/maven/pom.xml", "testdata/nuget/packages.lock.json",
		"testdata/dpkg/var/lib/dpkg/status", "testdata/apk/lib/apk/db/installed"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(i)}, b...))
	}
	e := New(Options{NoBinaries: true})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		p := fuzzPaths[int(b[0])%len(fuzzPaths)]
		content := b[1:]
		res, err := e.Analyze(context.Background(), &scan.File{Path: p, Size: int64(len(content)), Content: content})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Skipped {
			if !strings.Contains(s.Detail, "/") { // every skip names its extractor ("go/gomod: …")
				t.Fatalf("skip without extractor name: %+v", s)
			}
		}
	})
}
