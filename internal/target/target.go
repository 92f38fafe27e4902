// Package target turns what the user named on the command line into a scan.Source: a directory, a
// git repository's history, a container image or an SBOM.
package target

import (
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

// Options select the target and what its walk leaves out.
type Options struct {
	Walk walk.Options
}

// Opener recognises a target by content and opens it; nil, nil means "not mine". Image and SBOM
// targets register here so the command line needs no --type flag.
type Opener func(path string, o Options) (scan.Source, error)

// Openers are tried in order before falling back to a plain directory or file.
var Openers []Opener

// Open returns the source for path. The caller closes it when it implements io.Closer.
func Open(path string, o Options) (scan.Source, error) {
	// A FIFO or device named as the target would block the content sniffing of the openers below
	// (or never end: /dev/zero). It cannot be scanned, so the scan cannot run.
	if st, err := os.Stat(path); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a directory or regular file (file type %s)", path, st.Mode().Type())
	}
	for _, op := range Openers {
		src, err := op(path, o)
		if err != nil {
			return nil, err
		}
		if src != nil {
			return src, nil
		}
	}
	d, err := walk.Open(path, o.Walk)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
