// Package report owns the output formats. A formatter reads one finished Report and writes it; none
// of them computes, filters or decides anything.
package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
)

// Options are the few presentation choices a formatter may honour.
type Options struct {
	// Color allows ANSI colours (table on a TTY).
	Color bool
	// Width is the terminal width, 0 when unknown.
	Width int
}

// Formatter writes a report in one format.
type Formatter func(w io.Writer, r *Report, o Options) error

var (
	mu      sync.RWMutex
	formats = map[string]Formatter{}
)

// Register adds a format; each formatter file registers itself in an init function.
func Register(name string, f Formatter) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := formats[name]; dup {
		panic("report: format registered twice: " + name)
	}
	formats[name] = f
}

// Names lists the registered formats, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Write renders r in the named format.
func Write(name string, w io.Writer, r *Report, o Options) error {
	mu.RLock()
	f, ok := formats[name]
	mu.RUnlock()
	if !ok {
		return fmt.Errorf("unknown format %q (have %v)", name, Names())
	}
	return f(w, r, o)
}

// Has reports whether a format exists.
func Has(name string) bool { return slices.Contains(Names(), name) }
