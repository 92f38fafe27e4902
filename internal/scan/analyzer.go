// Package scan owns the single pass: a source yields files once, every analyzer that wants a file
// sees its bytes, and the results are gathered into one Report in a deterministic order.
package scan

import (
	"context"
	"io/fs"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// File is one file handed to analyzers. Content is read once by the engine and shared read-only.
type File struct {
	// Path is slash-separated and relative to the scan root.
	Path    string
	Size    int64
	Content []byte
	// Commit is set when the file is a commit's added lines (history scans).
	Commit *finding.Commit
	// LineMap, when set, gives the original line number of each content line (index 0 is line 1):
	// history content holds only added lines, so its line numbers come from the diff hunks.
	LineMap []int
	// Layer is the image layer that last wrote the file, for container images.
	Layer string
	// FS is the whole tree, for analyzers that need a neighbour (a Helm chart's values, a Terraform
	// module). Nil for history scans.
	FS fs.FS
}

// Result is what an analyzer found in one file.
type Result struct {
	Findings []finding.Finding
	Packages []finding.Package
	// Skipped lets an analyzer say it could not parse a file (the scan goes on).
	Skipped []finding.Skipped
	// Warnings are report-level notes.
	Warnings []string
}

// Analyzer is the contract every scanner follows (osv-scalibr's FileRequired/Extract shape).
// Wants must be cheap: it sees only the path and size, before any read. Analyze must be safe to call
// from several goroutines at once, never retain f.Content, and never traverse the tree itself.
type Analyzer interface {
	// Name is the scanner name used by --scanners (secret, vuln, misconfig, license).
	Name() string
	Wants(path string, size int64) bool
	Analyze(ctx context.Context, f *File) (Result, error)
}

// Finisher is implemented by analyzers that need the whole walk before they can answer
// (cross-file checks, a package list matched against a database). Finish runs once, after every
// Analyze call has returned.
type Finisher interface {
	Finish(ctx context.Context, r *finding.Report) error
}

// HistoryAware analyzers accept commit content (added lines only). Analyzers that need whole files
// (lockfiles, manifests) do not implement it and are not run on history.
type HistoryAware interface {
	AcceptsHistory() bool
}
