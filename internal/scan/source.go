package scan

import (
	"context"
	"io/fs"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Entry is a file a source offers. The engine asks analyzers whether they want it before reading.
type Entry struct {
	Path string
	Size int64
	// Read returns the content, at most limit+1 bytes so the engine can tell a file that grew.
	Read    func(limit int64) ([]byte, error)
	Commit  *finding.Commit
	LineMap []int
	Layer   string
}

// Source yields the files of a target exactly once. Emit blocks while workers are busy, which keeps
// memory bounded however large the target. A source records what it skips with skip.
type Source interface {
	Describe() finding.Target
	Walk(ctx context.Context, emit func(Entry) error, skip func(finding.Skipped)) error
}

// TreeSource is a source backed by a file tree that analyzers may consult (a directory, an image's
// flattened layers). History sources are not trees.
type TreeSource interface {
	Source
	FS() fs.FS
}
