package vulndb

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Limits bound what one zip may cost. A zip past any of them is refused as a whole, so a bomb or a
// broken mirror never replaces a good database.
type Limits struct {
	MaxEntrySize int64 // uncompressed bytes of one advisory
	MaxTotalSize int64 // uncompressed bytes of the whole zip
	MaxEntries   int
	// MaxRatio is the largest uncompressed/compressed ratio accepted for entries above 1 MiB.
	// OSV JSON deflates about 6:1; a bomb reaches 1000:1.
	MaxRatio int64
	// MaxDownload bounds a downloaded zip.
	MaxDownload int64
}

// DefaultLimits fit the largest real OSV zips (Ubuntu, Debian) with room to spare.
var DefaultLimits = Limits{
	MaxEntrySize: 32 << 20,
	MaxTotalSize: 32 << 30,
	MaxEntries:   5_000_000,
	MaxRatio:     100,
	MaxDownload:  8 << 30,
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	if l.MaxEntrySize > 0 {
		d.MaxEntrySize = l.MaxEntrySize
	}
	if l.MaxTotalSize > 0 {
		d.MaxTotalSize = l.MaxTotalSize
	}
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.MaxDownload > 0 {
		d.MaxDownload = l.MaxDownload
	}
	return d
}

// ErrRefused wraps every reason a zip is refused as database input.
var ErrRefused = errors.New("refused")

// unitData is one zip read into per-key advisories.
type unitData struct {
	groups     map[key][]*Advisory
	ecosystems []string
	advisories int // records kept
	withdrawn  int
	invalid    []string // entries that are not valid OSV JSON (first few names)
	nInvalid   int
	ignored    int // entries skipped by name (folders, traversal, not .json)
	newest     string
}

const maxInvalidNames = 10

// readZip parses every advisory of an OSV all.zip. Entries are decoded in parallel; a read or
// checksum error anywhere refuses the zip, a single malformed advisory is counted and skipped.
func readZip(r io.ReaderAt, size int64, lim Limits) (*unitData, error) {
	lim = lim.orDefault()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable zip: %v", ErrRefused, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("%w: %d entries (limit %d)", ErrRefused, len(zr.File), lim.MaxEntries)
	}
	out := &unitData{groups: map[key][]*Advisory{}}
	var files []*zip.File
	var declared uint64
	for _, f := range zr.File {
		if !safeEntryName(f.Name) {
			out.ignored++
			continue
		}
		if f.UncompressedSize64 > uint64(lim.MaxEntrySize) {
			return nil, fmt.Errorf("%w: entry %q claims %d bytes (limit %d)", ErrRefused, f.Name, f.UncompressedSize64, lim.MaxEntrySize)
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > f.CompressedSize64*uint64(lim.MaxRatio) {
			return nil, fmt.Errorf("%w: entry %q compression ratio above %d:1 (zip bomb?)", ErrRefused, f.Name, lim.MaxRatio)
		}
		declared += f.UncompressedSize64
		if declared > uint64(lim.MaxTotalSize) {
			return nil, fmt.Errorf("%w: more than %d uncompressed bytes", ErrRefused, lim.MaxTotalSize)
		}
		files = append(files, f)
	}

	type partial struct {
		groups    map[key][]*Advisory
		ecos      map[string]bool
		kept      int
		withdrawn int
		invalid   []string
		nInvalid  int
		newest    string
	}
	workers := min(maxWorkers(), max(1, len(files)))
	parts := make([]partial, workers)
	var (
		mu       sync.Mutex
		fatal    error
		total    int64
		wg       sync.WaitGroup
		next     = make(chan *zip.File, workers*4)
		stopOnce sync.Once
		stop     = make(chan struct{})
	)
	fail := func(err error) {
		mu.Lock()
		if fatal == nil {
			fatal = err
		}
		mu.Unlock()
		stopOnce.Do(func() { close(stop) })
	}
	for w := range workers {
		parts[w] = partial{groups: map[key][]*Advisory{}, ecos: map[string]bool{}}
		wg.Add(1)
		go func(p *partial) {
			defer wg.Done()
			var buf bytes.Buffer
			for f := range next {
				buf.Reset()
				n, err := readEntry(f, &buf, lim.MaxEntrySize)
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				total += n
				over := total > lim.MaxTotalSize
				mu.Unlock()
				if over {
					fail(fmt.Errorf("%w: more than %d uncompressed bytes", ErrRefused, lim.MaxTotalSize))
					continue
				}
				rec, err := parseAdvisory(buf.Bytes())
				if err != nil {
					p.nInvalid++
					if len(p.invalid) < maxInvalidNames {
						p.invalid = append(p.invalid, f.Name+": "+err.Error())
					}
					continue
				}
				if rec.Withdrawn != "" {
					p.withdrawn++
					continue
				}
				trimmed := rec.trim()
				if len(trimmed) == 0 {
					continue
				}
				p.kept++
				if rec.Modified > p.newest {
					p.newest = rec.Modified
				}
				for k, a := range trimmed {
					p.groups[k] = append(p.groups[k], a)
					p.ecos[k.eco] = true
				}
			}
		}(&parts[w])
	}
feed:
	for _, f := range files {
		select {
		case next <- f:
		case <-stop:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if fatal != nil {
		return nil, fatal
	}

	ecos := map[string]bool{}
	for _, p := range parts {
		out.advisories += p.kept
		out.withdrawn += p.withdrawn
		out.nInvalid += p.nInvalid
		for _, s := range p.invalid {
			if len(out.invalid) < maxInvalidNames {
				out.invalid = append(out.invalid, s)
			}
		}
		if p.newest > out.newest {
			out.newest = p.newest
		}
		for k, v := range p.groups {
			out.groups[k] = append(out.groups[k], v...)
		}
		for e := range p.ecos {
			ecos[e] = true
		}
	}
	for e := range ecos {
		out.ecosystems = append(out.ecosystems, e)
	}
	sort.Strings(out.ecosystems)
	if len(files) > 0 && out.advisories == 0 && out.withdrawn == 0 && out.nInvalid == len(files) {
		return nil, fmt.Errorf("%w: none of %d entries is an OSV advisory (first: %s)", ErrRefused, len(files), strings.Join(out.invalid[:1], ""))
	}
	return out, nil
}

// safeEntryName accepts the flat "<ID>.json" names OSV zips use. Folders, absolute paths and
// traversal are ignored: the database never extracts to disk, but a name like that means the zip
// is not what it claims to be.
func safeEntryName(name string) bool {
	if !strings.HasSuffix(name, ".json") || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") {
		return false
	}
	return path.Clean(name) == name
}

// readEntry inflates one entry, never more than limit bytes whatever the header claims, and lets
// archive/zip check the CRC-32 at EOF.
func readEntry(f *zip.File, buf *bytes.Buffer, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("%w: entry %q: %v", ErrRefused, f.Name, err)
	}
	defer rc.Close()
	n, err := io.Copy(buf, io.LimitReader(rc, limit+1))
	if err != nil {
		return n, fmt.Errorf("%w: entry %q: %v", ErrRefused, f.Name, err)
	}
	if n > limit {
		return n, fmt.Errorf("%w: entry %q inflates past %d bytes", ErrRefused, f.Name, limit)
	}
	return n, nil
}

// parseAdvisory decodes one OSV JSON record and checks the fields everything else relies on.
func parseAdvisory(b []byte) (*osvRecord, error) {
	var r osvRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.ID == "" {
		return nil, errors.New("no id")
	}
	return &r, nil
}

func maxWorkers() int { return runtime.GOMAXPROCS(0) }
