package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

type bigAnalyzer struct{ lineAnalyzer }

func (*bigAnalyzer) MaxFileSize() int64 { return 1 << 20 }

// A file over --max-file-size that a size-aware analyzer (lockfiles, Go binaries) still reads is
// not seen by the others; the report names which scanner left it out instead of implying it was
// checked.
func TestOversizeFileNamesTheAnalyzerThatSkippedIt(t *testing.T) {
	src := newMem("package-lock.json", strings.Repeat("TOKEN ", 100))
	big := &bigAnalyzer{lineAnalyzer{name: "packages"}}
	small := &lineAnalyzer{name: "secret"}
	rep, err := Run(context.Background(), src, Options{Analyzers: []Analyzer{big, small}, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Files != 1 {
		t.Errorf("files = %d, want 1 (read for packages)", rep.Stats.Files)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Reason != finding.SkipTooLarge || !strings.HasPrefix(rep.Skipped[0].Detail, "secret: ") {
		t.Errorf("skipped = %+v, want one too-large entry naming the secret scanner", rep.Skipped)
	}
}
