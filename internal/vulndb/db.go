package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// On-disk layout of a database directory:
//
//	CURRENT              name of the live generation (replaced by rename: the atomic swap)
//	lock                 flock: shared while a reader opens files, exclusive while CURRENT changes
//	update.lock          flock: held for a whole update or import, so writers take turns
//	ecosystems.json      ecosystems recent scans needed (the default for db update)
//	gen-<n>/meta.json    what the generation holds (Meta)
//	gen-<n>/<unit>.idx   one index per imported zip (see index.go)
//	.tmp-<n>/            a generation being built; never read
//
// A generation is immutable once named. Readers open every index file while holding the shared
// lock, so an update may delete an old generation as soon as it has swapped: open files stay
// readable until the reader closes them.
const (
	currentFile   = "CURRENT"
	lockFile      = "lock"
	updateLock    = "update.lock"
	metaFile      = "meta.json"
	neededFile    = "ecosystems.json"
	genPrefix     = "gen-"
	tmpPrefix     = ".tmp-"
	schemaVersion = 1
)

// ErrNoDatabase means the directory holds no usable database yet.
var ErrNoDatabase = errors.New("no vulnerability database")

// Meta describes one generation.
type Meta struct {
	Schema  int              `json:"schema"`
	BuiltAt time.Time        `json:"builtAt"`
	Units   map[string]*Unit `json:"units"`
}

// Unit is one imported zip: normally one OSV ecosystem's all.zip.
type Unit struct {
	Name       string    `json:"name"`
	File       string    `json:"file"`
	Source     string    `json:"source"`
	ImportedAt time.Time `json:"importedAt"`
	// CheckedAt is the last time the source was confirmed current (an unchanged ETag counts).
	CheckedAt  time.Time `json:"checkedAt"`
	ETag       string    `json:"etag,omitempty"`
	CRC32C     string    `json:"crc32c,omitempty"`
	SHA256     string    `json:"sha256,omitempty"`
	Size       int64     `json:"size"`
	Ecosystems []string  `json:"ecosystems"`
	Advisories int       `json:"advisories"`
	Keys       int       `json:"keys"`
	Withdrawn  int       `json:"withdrawn"`
	Invalid    int       `json:"invalid,omitempty"`
	Ignored    int       `json:"ignored,omitempty"`
	Newest     string    `json:"newestModified,omitempty"`
	IndexBytes int64     `json:"indexBytes"`
}

// Age is how long ago the oldest unit was last confirmed current.
func (m *Meta) Age(now time.Time) time.Duration {
	var oldest time.Time
	for _, u := range m.Units {
		if oldest.IsZero() || u.CheckedAt.Before(oldest) {
			oldest = u.CheckedAt
		}
	}
	if oldest.IsZero() {
		return 0
	}
	return now.Sub(oldest)
}

// Ecosystems lists every base ecosystem the database covers.
func (m *Meta) Ecosystems() []string {
	set := map[string]bool{}
	for _, u := range m.Units {
		for _, e := range u.Ecosystems {
			set[e] = true
		}
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// DB is an open generation. It is safe for concurrent lookups.
type DB struct {
	Dir  string
	Meta *Meta

	units []*unitReader
}

type unitReader struct {
	unit *Unit
	f    *os.File

	once sync.Once
	ix   *index
	err  error
}

func (u *unitReader) index() (*index, error) {
	u.once.Do(func() {
		u.ix, u.err = readIndex(u.f)
		if u.err != nil {
			u.err = fmt.Errorf("%s: %w", u.unit.File, u.err)
		}
	})
	return u.ix, u.err
}

// Open opens the live generation of dir. It returns ErrNoDatabase when there is none.
func Open(dir string) (*DB, error) {
	if _, err := os.Stat(filepath.Join(dir, currentFile)); errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoDatabase
	}
	unlock, err := flock(filepath.Join(dir, lockFile), false)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	defer unlock()
	gen, err := readCurrent(dir)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(filepath.Join(dir, gen))
	if err != nil {
		return nil, err
	}
	db := &DB{Dir: dir, Meta: meta}
	names := make([]string, 0, len(meta.Units))
	for n := range meta.Units {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := meta.Units[n]
		f, err := os.Open(filepath.Join(dir, gen, u.File))
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("%w: %v", ErrNoDatabase, err)
		}
		db.units = append(db.units, &unitReader{unit: u, f: f})
	}
	return db, nil
}

func readCurrent(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoDatabase
	}
	if err != nil {
		return "", err
	}
	gen := strings.TrimSpace(string(b))
	if !strings.HasPrefix(gen, genPrefix) || strings.ContainsAny(gen, `/\`) {
		return "", fmt.Errorf("%w: %s names %q", ErrNoDatabase, currentFile, gen)
	}
	return gen, nil
}

func readMeta(genDir string) (*Meta, error) {
	b, err := os.ReadFile(filepath.Join(genDir, metaFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDatabase, err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoDatabase, metaFile, err)
	}
	if m.Schema != schemaVersion {
		return nil, fmt.Errorf("%w: schema %d, this tollgate reads %d (run tollgate db update)", ErrNoDatabase, m.Schema, schemaVersion)
	}
	if m.Units == nil {
		m.Units = map[string]*Unit{}
	}
	for n, u := range m.Units {
		if u == nil || u.File == "" || strings.ContainsAny(u.File, `/\`) || strings.HasPrefix(u.File, ".") {
			return nil, fmt.Errorf("%w: unit %q has a bad file name", ErrNoDatabase, n)
		}
	}
	return &m, nil
}

// Close releases the open index files.
func (db *DB) Close() error {
	var errs []error
	for _, u := range db.units {
		errs = append(errs, u.f.Close())
	}
	return errors.Join(errs...)
}

// Has reports whether any unit covers the base ecosystem.
func (db *DB) Has(ecosystem string) bool {
	base, _ := splitEcosystem(ecosystem)
	for _, u := range db.units {
		if slices.Contains(u.unit.Ecosystems, base) {
			return true
		}
	}
	return false
}

// Lookup returns every advisory stored for the package, from every unit covering its ecosystem.
func (db *DB) Lookup(ecosystem, name string) ([]*Advisory, error) {
	return db.lookup(keyFor(ecosystem, name))
}

func (db *DB) lookup(k key) ([]*Advisory, error) {
	var out []*Advisory
	for _, u := range db.units {
		if !slices.Contains(u.unit.Ecosystems, k.eco) {
			continue
		}
		ix, err := u.index()
		if err != nil {
			return nil, err
		}
		advs, err := ix.lookup(k)
		if err != nil {
			return nil, err
		}
		out = append(out, advs...)
	}
	return out, nil
}

// Status reads the live generation's metadata without opening indexes.
func Status(dir string) (*Meta, error) {
	db, err := Open(dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Meta, nil
}

// RecordNeeded remembers which ecosystems a scan needed, so the next plain "db update" fetches
// those. Entries unseen for 90 days are forgotten. Best effort: a read-only cache is not an error.
func RecordNeeded(dir string, ecosystems []string, now time.Time) error {
	if len(ecosystems) == 0 {
		return nil
	}
	seen := readNeeded(dir)
	for _, e := range ecosystems {
		base, _ := splitEcosystem(e)
		if base != "" {
			seen[base] = now.UTC()
		}
	}
	for e, t := range seen {
		if now.Sub(t) > 90*24*time.Hour {
			delete(seen, e)
		}
	}
	b, _ := json.MarshalIndent(seen, "", "  ")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, neededFile), b)
}

func readNeeded(dir string) map[string]time.Time {
	seen := map[string]time.Time{}
	if b, err := os.ReadFile(filepath.Join(dir, neededFile)); err == nil {
		json.Unmarshal(b, &seen)
	}
	return seen
}

// Needed lists the ecosystems recent scans asked for.
func Needed(dir string) []string {
	var out []string
	for e := range readNeeded(dir) {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// writeFileAtomic writes through a temporary file in the same directory and renames it in place.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".write-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

func unitFileName(unit string) string {
	var b strings.Builder
	for _, r := range unit {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "unit"
	}
	return s + ".idx"
}

func genName(now time.Time) string { return genPrefix + strconv.FormatInt(now.UnixNano(), 10) }

// copyFile is the fallback when a hard link is not possible (another file system, Windows quirks).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
