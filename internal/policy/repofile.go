package policy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// maxRepoFile bounds a policy or ignore file read from the scanned tree: real ones are kilobytes.
const maxRepoFile = 8 << 20

// readRepoFile reads a file the scanned tree supplies (tollgate.yaml, .trivyignore, the VEX and
// baseline its tollgate.yaml names). The tree is hostile input: the read stays inside root (a symlink
// to /proc/self/environ would otherwise reach error messages in the CI log), a FIFO or device is
// refused instead of blocking the scan for ever, and the size is bounded. A missing file is
// fs.ErrNotExist.
func readRepoFile(root, name string) ([]byte, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.OpenFile(filepath.Clean(name), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (file type %s)", name, st.Mode().Type())
	}
	if st.Size() > maxRepoFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a policy file may have", name, st.Size(), maxRepoFile)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxRepoFile+1))
	if err == nil && len(b) > maxRepoFile {
		err = errors.New(name + ": grew past the size limit while read")
	}
	return b, err
}
