package vulndb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// builder assembles a new generation aside, in a temporary folder next to the live ones, and
// swaps it in only when every unit it holds has been read back and verified.
type builder struct {
	dir    string
	tmp    string
	meta   *Meta
	now    func() time.Time
	limits Limits
	unlock func()
	done   bool
}

// begin serialises writers and starts a generation that carries over every unit of the live one
// (hard links: the files are immutable).
func begin(ctx context.Context, dir string, now func() time.Time, lim Limits) (*builder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockContext(ctx, filepath.Join(dir, updateLock))
	if err != nil {
		return nil, err
	}
	b := &builder{dir: dir, now: now, limits: lim, unlock: unlock, meta: &Meta{Schema: schemaVersion, Units: map[string]*Unit{}}}
	// Under the update lock any temporary folder is a leftover of a writer that died.
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tmpPrefix) {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}
	b.tmp, err = os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		unlock()
		return nil, err
	}
	if gen, err := readCurrent(dir); err == nil {
		if old, err := readMeta(filepath.Join(dir, gen)); err == nil {
			for n, u := range old.Units {
				src := filepath.Join(dir, gen, u.File)
				dst := filepath.Join(b.tmp, u.File)
				if os.Link(src, dst) != nil && copyFile(src, dst) != nil {
					continue // the unit is dropped; status shows it missing, update refetches it
				}
				b.meta.Units[n] = u
			}
		}
	}
	return b, nil
}

// lockContext waits for an exclusive lock, giving up when ctx ends.
func lockContext(ctx context.Context, path string) (func(), error) {
	type res struct {
		unlock func()
		err    error
	}
	ch := make(chan res, 1)
	go func() {
		u, err := flock(path, true)
		ch <- res{u, err}
	}()
	select {
	case r := <-ch:
		return r.unlock, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.unlock != nil {
				r.unlock()
			}
		}()
		return nil, fmt.Errorf("waiting for another update of the database: %w", ctx.Err())
	}
}

// put imports one zip as unit name, replacing any earlier import of that unit.
func (b *builder) put(name string, r io.ReaderAt, size int64, u Unit) (*Unit, error) {
	data, err := readZip(r, size, b.limits)
	if err != nil {
		return nil, err
	}
	file := unitFileName(name)
	final := filepath.Join(b.tmp, file)
	staging := final + ".new"
	os.Remove(staging)
	keys, err := writeIndex(staging, data.groups)
	if err != nil {
		os.Remove(staging)
		return nil, fmt.Errorf("write index: %w", err)
	}
	n, size2, err := verifyFile(staging)
	if err != nil {
		os.Remove(staging)
		return nil, fmt.Errorf("verify index: %w", err)
	}
	if n != countAdvisories(data.groups) {
		os.Remove(staging)
		return nil, fmt.Errorf("verify index: %d advisories read back, %d written", n, countAdvisories(data.groups))
	}
	os.Remove(final) // a hard link to the old generation's file: unlinking leaves that one intact
	if err := os.Rename(staging, final); err != nil {
		return nil, err
	}
	now := b.now().UTC()
	u.Name, u.File = name, file
	u.ImportedAt, u.CheckedAt = now, now
	u.Ecosystems = data.ecosystems
	u.Advisories, u.Keys, u.Withdrawn = data.advisories, keys, data.withdrawn
	u.Invalid, u.Ignored, u.Newest = data.nInvalid, data.ignored, data.newest
	u.IndexBytes = size2
	b.meta.Units[name] = &u
	return &u, nil
}

func countAdvisories(g map[key][]*Advisory) int {
	n := 0
	for _, v := range g {
		n += len(v)
	}
	return n
}

func verifyFile(path string) (advisories int, size int64, err error) {
	ix, err := openIndex(path)
	if err != nil {
		return 0, 0, err
	}
	defer ix.Close()
	st, err := ix.f.Stat()
	if err != nil {
		return 0, 0, err
	}
	n, err := ix.verify()
	return n, st.Size(), err
}

// touch records that a unit's source was checked and found unchanged.
func (b *builder) touch(name string) bool {
	u, ok := b.meta.Units[name]
	if ok {
		u.CheckedAt = b.now().UTC()
	}
	return ok
}

// commit names the generation, swaps CURRENT to it and removes older generations.
func (b *builder) commit() error {
	if b.done {
		return errors.New("builder already finished")
	}
	defer b.finish()
	b.meta.BuiltAt = b.now().UTC()
	if err := writeJSON(filepath.Join(b.tmp, metaFile), b.meta); err != nil {
		return err
	}
	if d, err := os.Open(b.tmp); err == nil {
		d.Sync()
		d.Close()
	}
	gen := genName(b.now())
	if err := os.Rename(b.tmp, filepath.Join(b.dir, gen)); err != nil {
		return err
	}
	unlock, err := flock(filepath.Join(b.dir, lockFile), true)
	if err != nil {
		return err
	}
	err = writeFileAtomic(filepath.Join(b.dir, currentFile), []byte(gen+"\n"))
	unlock()
	if err != nil {
		os.RemoveAll(filepath.Join(b.dir, gen))
		return err
	}
	// Readers that opened the old generation hold its files open; removing the names is safe.
	if ents, err := os.ReadDir(b.dir); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), genPrefix) && e.Name() != gen {
				os.RemoveAll(filepath.Join(b.dir, e.Name()))
			}
		}
	}
	return nil
}

// abort drops the generation being built; the live one is untouched.
func (b *builder) abort() {
	if !b.done {
		b.finish()
	}
}

func (b *builder) finish() {
	b.done = true
	os.RemoveAll(b.tmp)
	b.unlock()
}
