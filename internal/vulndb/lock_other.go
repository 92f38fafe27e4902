//go:build !unix

package vulndb

import "os"

// flock on platforms without flock(2) only makes sure the file exists. The swap is still a single
// rename of CURRENT, so readers see the old or the new generation, never a mix; what is lost is
// the serialisation of two concurrent updates.
func flock(path string, _ bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}
