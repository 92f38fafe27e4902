// Package packages owns dependency extraction: osv-scalibr's filesystem extractors run inside
// Tollgate's single walk (no second traversal), and their results become finding.Package values.
// It also owns license normalisation and the license scanner built on the extracted packages.
package packages

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"time"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	scalibrlog "github.com/google/osv-scalibr/log"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Name is the analyzer name; it is not a --scanners value (vuln, license and sbom pull it in).
const Name = "package"

// DefaultMaxFileSize bounds what the extractor reads: Go binaries and OS package databases are often
// far larger than any text file worth scanning for secrets.
const DefaultMaxFileSize = 200 << 20

// minBinarySize skips executables too small to be Go programs (the smallest Go binary is ~1 MiB).
const minBinarySize = 512 << 10

// Options tune the extractor.
type Options struct {
	// MaxFileSize overrides DefaultMaxFileSize when > 0.
	MaxFileSize int64
	// NoBinaries turns off Go binary inspection.
	NoBinaries bool
}

// Extractor is the package analyzer. It holds stateless scalibr extractors and is safe for
// concurrent use.
type Extractor struct {
	exts    []filesystem.Extractor
	binary  filesystem.Extractor
	maxSize int64
}

func init() {
	// scalibr logs parse trouble to stderr; Tollgate reports it as skipped files instead.
	scalibrlog.SetLogger(quietLogger{})
}

// New builds the extractor with the explicit list of scalibr extractors.
func New(o Options) *Extractor {
	e := &Extractor{maxSize: o.MaxFileSize}
	if e.maxSize <= 0 {
		e.maxSize = DefaultMaxFileSize
	}
	for _, c := range constructors {
		x, err := c(&cpb.PluginConfig{})
		if err != nil { // constructors with a nil config cannot fail; guard anyway
			panic(fmt.Sprintf("packages: build extractor: %v", err))
		}
		e.exts = append(e.exts, x)
	}
	if !o.NoBinaries {
		x, err := binaryConstructor(&cpb.PluginConfig{})
		if err != nil {
			panic(fmt.Sprintf("packages: build extractor: %v", err))
		}
		e.binary = x
	}
	return e
}

// Name implements scan.Analyzer.
func (e *Extractor) Name() string { return Name }

// AcceptsBinary lets Go executables (and binary package databases) through.
func (e *Extractor) AcceptsBinary() bool { return true }

// MaxFileSize implements scan.SizeAware.
func (e *Extractor) MaxFileSize() int64 { return e.maxSize }

// Wants asks every extractor about the path; only the path and size are known here.
func (e *Extractor) Wants(p string, size int64) bool {
	if size > e.maxSize {
		return false
	}
	api := fileAPI{path: p, size: size}
	for _, x := range e.exts {
		if x.FileRequired(api) {
			return true
		}
	}
	return e.wantsBinary(p, size)
}

// wantsBinary guesses executables from the name alone (the walk gives no mode bits): no extension, or
// .exe, and big enough to be a Go program. Analyze confirms with the magic number.
func (e *Extractor) wantsBinary(p string, size int64) bool {
	if e.binary == nil || size < minBinarySize {
		return false
	}
	ext := path.Ext(path.Base(p))
	return ext == "" || ext == ".exe" || ext == ".bin"
}

// Analyze runs every extractor that wants the file. One extractor failing is recorded as a skip
// naming it; the others still run.
func (e *Extractor) Analyze(ctx context.Context, f *scan.File) (scan.Result, error) {
	var res scan.Result
	api := fileAPI{path: f.Path, size: f.Size}
	var run []filesystem.Extractor
	for _, x := range e.exts {
		if x.FileRequired(api) {
			run = append(run, x)
		}
	}
	if len(run) == 0 && e.wantsBinary(f.Path, f.Size) && isExecutable(f.Content) {
		run = append(run, e.binary)
	}
	tree := wrapFS(f.FS)
	for _, x := range run {
		pkgs, err := extractOne(ctx, x, f, tree)
		if err != nil {
			res.Skipped = append(res.Skipped, finding.Skipped{Path: f.Path, Reason: finding.SkipParseError,
				Detail: fmt.Sprintf("%s: %v", x.Name(), err)})
			continue
		}
		res.Packages = append(res.Packages, pkgs...)
	}
	if len(res.Packages) > 0 {
		markDirect(f, res.Packages)
		if f.Layer != "" {
			if lv, ok := f.FS.(LayerVersioner); ok && len(run) == 1 {
				attributeLayers(ctx, run[0], f, tree, lv, res.Packages)
			}
			if lc, ok := f.FS.(LayerCommander); ok {
				for i := range res.Packages {
					res.Packages[i].LayerCmd = lc.LayerCommand(res.Packages[i].Layer)
				}
			}
		}
	}
	return res, nil
}

// LayerVersioner is implemented by an image's file tree for OS package databases: every layer's
// version of the file, oldest first, the last being the one analysed.
type LayerVersioner interface {
	LayerVersions(path string) (digests []string, read func(i int) ([]byte, error))
}

// attributeLayers names, for each package of an OS database, the layer that installed it: the
// oldest layer of the unbroken run of versions that still list the same name and version.
// Without it every package would point at the last layer that ran apt-get.
func attributeLayers(ctx context.Context, x filesystem.Extractor, f *scan.File, tree fs.FS, lv LayerVersioner, pkgs []finding.Package) {
	digests, read := lv.LayerVersions(f.Path)
	if len(digests) < 2 || digests[len(digests)-1] != f.Layer {
		return
	}
	present := make([]bool, len(pkgs))
	for i := range present {
		present[i] = true
	}
	for v := len(digests) - 2; v >= 0; v-- {
		b, err := read(v)
		if err != nil {
			return
		}
		older, err := extractOne(ctx, x, &scan.File{Path: f.Path, Size: int64(len(b)), Content: b, Layer: digests[v]}, tree)
		if err != nil {
			return
		}
		have := map[string]bool{}
		for _, p := range older {
			have[p.Name+"\x00"+p.Version] = true
		}
		any := false
		for i := range pkgs {
			if present[i] && have[pkgs[i].Name+"\x00"+pkgs[i].Version] {
				pkgs[i].Layer = digests[v]
				any = true
			} else {
				present[i] = false
			}
		}
		if !any {
			return
		}
	}
}

// LayerCommander is implemented by an image's file tree: it names the history command (created_by)
// that produced a layer, so packages can say how they got into the image.
type LayerCommander interface {
	LayerCommand(digest string) string
}

func extractOne(ctx context.Context, x filesystem.Extractor, f *scan.File, tree fs.FS) (pkgs []finding.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (panic: %v)", r)
			pkgs = nil
		}
	}()
	in := &filesystem.ScanInput{
		FS:     tree.(scalibrFS),
		Path:   f.Path,
		Info:   fileInfo{name: path.Base(f.Path), size: f.Size},
		Reader: bytes.NewReader(f.Content),
	}
	inv, err := x.Extract(ctx, in)
	if err != nil {
		return nil, err
	}
	for _, p := range inv.Packages {
		pkgs = append(pkgs, convert(p, f, x.Name()))
	}
	return pkgs, nil
}

// isExecutable checks the ELF, PE and Mach-O magic numbers.
func isExecutable(b []byte) bool {
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")), bytes.HasPrefix(b, []byte("MZ")):
		return true
	case len(b) >= 4:
		m := string(b[:4])
		return m == "\xfe\xed\xfa\xce" || m == "\xfe\xed\xfa\xcf" || m == "\xce\xfa\xed\xfe" ||
			m == "\xcf\xfa\xed\xfe" || m == "\xca\xfe\xba\xbe"
	}
	return false
}

// fileAPI is what FileRequired sees: a path and a size, nothing read.
type fileAPI struct {
	path string
	size int64
}

func (a fileAPI) Path() string { return a.path }
func (a fileAPI) Stat() (fs.FileInfo, error) {
	return fileInfo{name: path.Base(a.path), size: a.size}, nil
}

type fileInfo struct {
	name string
	size int64
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o644 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }

type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Error(...any)          {}
func (quietLogger) Warn(...any)           {}
func (quietLogger) Info(...any)           {}
func (quietLogger) Debug(...any)          {}

var (
	_ scan.Analyzer    = (*Extractor)(nil)
	_ scan.BinaryAware = (*Extractor)(nil)
	_ scan.SizeAware   = (*Extractor)(nil)
)
