package target

import (
	"errors"

	"github.com/tollgate-dev/tollgate/internal/scan"
)

// GitOptions select which part of a repository's history is scanned.
type GitOptions struct {
	Since     string
	Staged    bool
	SkipFiles []string
	SkipDirs  []string
}

// OpenGit returns a history source. (Placeholder until the history reader lands.)
func OpenGit(path string, o GitOptions) (scan.Source, error) {
	return nil, errors.New("history scanning is not built yet")
}
