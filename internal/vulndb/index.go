package vulndb

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"sort"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The index file of one unit (one imported all.zip):
//
//	"TGVIDX1\n"                      magic
//	record…                          one zstd frame per key: JSON array of Advisory
//	key table                        per key: uvarint-prefixed eco, name; uvarint offset, length, count
//	footer (32 bytes)                table offset u64, table length u64, keys u32, crc32c(table) u32, "TGVEND1\n"
//
// A scan reads the footer and key table (a few hundred KB at most), binary-searches the keys of the
// packages it has and reads only their records with ReadAt. Each record carries zstd's own checksum.
const (
	indexMagic  = "TGVIDX1\n"
	footerMagic = "TGVEND1\n"
	footerSize  = 32
	// maxRecord bounds one key's compressed record; the largest real ones are a few hundred KB.
	maxRecord = 64 << 20
	// maxRecordDecoded bounds what one record may inflate to.
	maxRecordDecoded = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	encOnce sync.Once
	encoder *zstd.Encoder
	decoder *zstd.Decoder
)

func codecs() (*zstd.Encoder, *zstd.Decoder) {
	encOnce.Do(func() {
		var err error
		encoder, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(true))
		if err != nil {
			panic(err) // only on invalid options
		}
		decoder, err = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxRecordDecoded), zstd.WithDecoderConcurrency(0))
		if err != nil {
			panic(err)
		}
	})
	return encoder, decoder
}

type keyEntry struct {
	key
	off, n uint64
	count  uint32
}

// writeIndex writes the advisories grouped by key to path. Records are compressed in parallel by
// the caller's grouping; here they are written in key order so the file is deterministic.
func writeIndex(path string, groups map[key][]*Advisory) (keys int, err error) {
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
	}()
	ks := make([]key, 0, len(groups))
	for k := range groups {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, compareKeys)

	enc, _ := codecs()
	recs := make([][]byte, len(ks))
	var firstErr error
	var mu sync.Mutex
	parallel(len(ks), func(i int) {
		advs := groups[ks[i]]
		slices.SortFunc(advs, func(a, b *Advisory) int { return cmp.Compare(a.ID, b.ID) })
		js, err := json.Marshal(advs)
		if err != nil {
			mu.Lock()
			firstErr = cmp.Or(firstErr, err)
			mu.Unlock()
			return
		}
		recs[i] = enc.EncodeAll(js, nil)
	})
	if firstErr != nil {
		return 0, firstErr
	}

	w := bufio.NewWriterSize(fh, 1<<20)
	w.WriteString(indexMagic)
	off := uint64(len(indexMagic))
	entries := make([]keyEntry, len(ks))
	for i, k := range ks {
		w.Write(recs[i])
		entries[i] = keyEntry{key: k, off: off, n: uint64(len(recs[i])), count: uint32(len(groups[k]))}
		off += uint64(len(recs[i]))
	}
	table := encodeTable(entries)
	w.Write(table)
	var foot [footerSize]byte
	binary.LittleEndian.PutUint64(foot[0:], off)
	binary.LittleEndian.PutUint64(foot[8:], uint64(len(table)))
	binary.LittleEndian.PutUint32(foot[16:], uint32(len(entries)))
	binary.LittleEndian.PutUint32(foot[20:], crc32.Checksum(table, castagnoli))
	copy(foot[24:], footerMagic)
	w.Write(foot[:])
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return len(entries), fh.Sync()
}

func compareKeys(a, b key) int { return cmp.Or(cmp.Compare(a.eco, b.eco), cmp.Compare(a.name, b.name)) }

func encodeTable(entries []keyEntry) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(len(e.eco)))
		b = append(b, e.eco...)
		b = binary.AppendUvarint(b, uint64(len(e.name)))
		b = append(b, e.name...)
		b = binary.AppendUvarint(b, e.off)
		b = binary.AppendUvarint(b, e.n)
		b = binary.AppendUvarint(b, uint64(e.count))
	}
	return b
}

var errCorruptIndex = errors.New("corrupt index")

// index is an open unit file.
type index struct {
	f       *os.File
	entries []keyEntry
}

func openIndex(path string) (*index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	ix, err := readIndex(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ix, nil
}

func readIndex(f *os.File) (*index, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := uint64(st.Size())
	if size < uint64(len(indexMagic)+footerSize) {
		return nil, fmt.Errorf("%w: %d bytes is too short", errCorruptIndex, size)
	}
	var head [len(indexMagic)]byte
	var foot [footerSize]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	if _, err := f.ReadAt(foot[:], int64(size-footerSize)); err != nil {
		return nil, err
	}
	if string(head[:]) != indexMagic || string(foot[24:]) != footerMagic {
		return nil, fmt.Errorf("%w: bad magic", errCorruptIndex)
	}
	toff := binary.LittleEndian.Uint64(foot[0:])
	tlen := binary.LittleEndian.Uint64(foot[8:])
	nkeys := binary.LittleEndian.Uint32(foot[16:])
	sum := binary.LittleEndian.Uint32(foot[20:])
	if toff < uint64(len(indexMagic)) || tlen > size || toff+tlen != size-footerSize {
		return nil, fmt.Errorf("%w: key table out of bounds", errCorruptIndex)
	}
	table := make([]byte, tlen)
	if _, err := f.ReadAt(table, int64(toff)); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if crc32.Checksum(table, castagnoli) != sum {
		return nil, fmt.Errorf("%w: key table checksum mismatch", errCorruptIndex)
	}
	if uint64(nkeys) > tlen { // every entry takes at least one byte
		return nil, fmt.Errorf("%w: key count", errCorruptIndex)
	}
	entries := make([]keyEntry, 0, nkeys)
	rest := table
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	str := func() (string, bool) {
		n, ok := next()
		if !ok || n > uint64(len(rest)) {
			return "", false
		}
		s := string(rest[:n])
		rest = rest[n:]
		return s, true
	}
	for range nkeys {
		var e keyEntry
		var ok1, ok2, ok3, ok4, ok5 bool
		var cnt uint64
		e.eco, ok1 = str()
		e.name, ok2 = str()
		e.off, ok3 = next()
		e.n, ok4 = next()
		cnt, ok5 = next()
		if !(ok1 && ok2 && ok3 && ok4 && ok5) || e.off < uint64(len(indexMagic)) || e.n > maxRecord || e.off+e.n > toff {
			return nil, fmt.Errorf("%w: bad key entry", errCorruptIndex)
		}
		e.count = uint32(cnt)
		entries = append(entries, e)
	}
	if len(rest) != 0 || !sort.SliceIsSorted(entries, func(i, j int) bool { return compareKeys(entries[i].key, entries[j].key) < 0 }) {
		return nil, fmt.Errorf("%w: key table not sorted or has trailing bytes", errCorruptIndex)
	}
	return &index{f: f, entries: entries}, nil
}

func (ix *index) Close() error { return ix.f.Close() }

// lookup returns the advisories stored under k, or nil.
func (ix *index) lookup(k key) ([]*Advisory, error) {
	i, found := slices.BinarySearchFunc(ix.entries, k, func(e keyEntry, k key) int { return compareKeys(e.key, k) })
	if !found {
		return nil, nil
	}
	return ix.record(ix.entries[i])
}

func (ix *index) record(e keyEntry) ([]*Advisory, error) {
	buf := make([]byte, e.n)
	if _, err := ix.f.ReadAt(buf, int64(e.off)); err != nil {
		return nil, fmt.Errorf("read record %s/%s: %w", e.eco, e.name, err)
	}
	// The frame header says how large the record inflates to and the decoder allocates that up
	// front; a damaged header must not cost hundreds of MB. JSON never compresses 1000:1.
	var h zstd.Header
	if err := h.Decode(buf); err != nil || (h.HasFCS && h.FrameContentSize > e.n*1000+1<<16) {
		return nil, fmt.Errorf("%w: record %s/%s: bad frame header", errCorruptIndex, e.eco, e.name)
	}
	_, dec := codecs()
	js, err := dec.DecodeAll(buf, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: record %s/%s: %v", errCorruptIndex, e.eco, e.name, err)
	}
	var advs []*Advisory
	if err := json.Unmarshal(js, &advs); err != nil {
		return nil, fmt.Errorf("%w: record %s/%s: %v", errCorruptIndex, e.eco, e.name, err)
	}
	return advs, nil
}

// verify reads back every record: a unit is only swapped in when all of it decodes.
func (ix *index) verify() (advisories int, err error) {
	for _, e := range ix.entries {
		advs, err := ix.record(e)
		if err != nil {
			return 0, err
		}
		if len(advs) != int(e.count) {
			return 0, fmt.Errorf("%w: record %s/%s holds %d advisories, table says %d", errCorruptIndex, e.eco, e.name, len(advs), e.count)
		}
		advisories += len(advs)
	}
	return advisories, nil
}

// parallel runs fn(0..n-1) on all cores.
func parallel(n int, fn func(i int)) {
	workers := min(maxWorkers(), n)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
