//go:build !linux

package helm

// limitAddressSpace is a no-op where RLIMIT_AS is not dependable; the heap watcher and the
// parent's deadline still bound the child.
func limitAddressSpace(uint64) {}
