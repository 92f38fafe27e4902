package helm

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// limitAddressSpace makes allocations past n more bytes of address space fail in the rendering
// child, so a single huge allocation (which the heap watcher cannot see coming) ends the child
// rather than the machine. The limit is on top of what is already mapped: race-detector builds map
// terabytes of shadow memory up front.
func limitAddressSpace(n uint64) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return
	}
	pages, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return
	}
	lim := pages*uint64(os.Getpagesize()) + n
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: lim})
}
