package vulndb

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DefaultRepository is the public OSV bucket.
const DefaultRepository = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems is fetched when no scan has said what it needs yet.
var DefaultEcosystems = []string{"Go", "Maven", "npm", "NuGet", "Packagist", "PyPI", "RubyGems", "crates.io"}

// Options configure an update or import.
type Options struct {
	// Repository is a base URL: https://…, http://… or file:///path, holding <Ecosystem>/all.zip.
	Repository string
	// Ecosystems to fetch; empty means those recent scans needed plus those already held, else
	// DefaultEcosystems.
	Ecosystems []string
	Client     *http.Client
	Limits     Limits
	Now        func() time.Time
	// Log, when set, receives one line per ecosystem.
	Log io.Writer
}

// defaultClient gives up quickly on a network that drops packets (a CI runner behind a firewall must
// not sit in a scan for minutes), while a slow but live download of a large zip may take its time.
func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Timeout: 10 * time.Minute, Transport: t}
}

func (o *Options) defaults() {
	if o.Repository == "" {
		o.Repository = DefaultRepository
	}
	if o.Client == nil {
		o.Client = defaultClient()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Result says what an update or import changed.
type Result struct {
	Updated   []string
	Unchanged []string
	Failed    map[string]error
}

// Err joins the per-ecosystem failures.
func (r *Result) Err() error {
	var errs []error
	names := make([]string, 0, len(r.Failed))
	for n := range r.Failed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		errs = append(errs, fmt.Errorf("%s: %w", n, r.Failed[n]))
	}
	return errors.Join(errs...)
}

// EcosystemsToUpdate resolves the default list for dir.
func EcosystemsToUpdate(dir string) []string {
	set := map[string]bool{}
	for _, e := range Needed(dir) {
		set[e] = true
	}
	if m, err := Status(dir); err == nil {
		for n := range m.Units {
			set[n] = true
		}
	}
	if len(set) == 0 {
		return append([]string(nil), DefaultEcosystems...)
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Update fetches each ecosystem's all.zip from the repository, skipping those whose ETag or
// CRC32C has not changed, and swaps in a new generation holding every unit that verified. Units
// that fail keep their previous data; their errors are in Result.Failed.
func Update(ctx context.Context, dir string, o Options) (*Result, error) {
	o.defaults()
	ecos := o.Ecosystems
	if len(ecos) == 0 {
		ecos = EcosystemsToUpdate(dir)
	}
	base, err := url.Parse(strings.TrimRight(o.Repository, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https" && base.Scheme != "file") {
		return nil, fmt.Errorf("--db-repository %q: want an http(s):// or file:// URL", o.Repository)
	}
	b, err := begin(ctx, dir, o.Now, o.Limits)
	if err != nil {
		return nil, err
	}
	defer b.abort()
	res := &Result{Failed: map[string]error{}}
	for _, eco := range ecos {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		eco = strings.TrimSpace(eco)
		if eco == "" || strings.ContainsAny(eco, "/\\") || eco == "." || eco == ".." {
			res.Failed[eco] = errors.New("not an ecosystem name")
			continue
		}
		changed, err := fetchUnit(ctx, b, base, eco, &o)
		switch {
		case err != nil:
			res.Failed[eco] = err
			o.logf("%s: %v (kept the previous data)", eco, err)
		case changed:
			res.Updated = append(res.Updated, eco)
		default:
			res.Unchanged = append(res.Unchanged, eco)
			o.logf("%s: unchanged", eco)
		}
	}
	if len(res.Updated)+len(res.Unchanged) == 0 {
		return res, res.Err()
	}
	if err := b.commit(); err != nil {
		return res, err
	}
	return res, res.Err()
}

func fetchUnit(ctx context.Context, b *builder, base *url.URL, eco string, o *Options) (changed bool, err error) {
	prev := b.meta.Units[eco]
	if base.Scheme == "file" {
		p := filepath.Join(filepath.FromSlash(base.Path), eco, "all.zip")
		return importFile(b, eco, p, prev, o)
	}
	u := base.JoinPath(eco, "all.zip")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err
	}
	if prev != nil && prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && prev != nil {
		return false, keep(b, eco)
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	crc := googCRC32C(resp.Header)
	if prev != nil && crc != "" && crc == prev.CRC32C {
		return false, keep(b, eco)
	}
	if resp.ContentLength > o.Limits.orDefault().MaxDownload {
		return false, fmt.Errorf("%w: %d bytes exceeds the download limit", ErrRefused, resp.ContentLength)
	}
	tmp, err := os.CreateTemp(b.tmp, "download-*.zip")
	if err != nil {
		return false, err
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	c := crc32.New(castagnoli)
	s := sha256.New()
	limit := o.Limits.orDefault().MaxDownload
	n, err := io.Copy(io.MultiWriter(tmp, c, s), io.LimitReader(resp.Body, limit+1))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return false, fmt.Errorf("%w: truncated download of %s (%d bytes, announced %d)", ErrRefused, u.Redacted(), n, resp.ContentLength)
	}
	if err != nil {
		return false, fmt.Errorf("download %s: %w", u.Redacted(), err)
	}
	if n > limit {
		return false, fmt.Errorf("%w: download exceeds %d bytes", ErrRefused, limit)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return false, fmt.Errorf("%w: truncated download (%d of %d bytes)", ErrRefused, n, resp.ContentLength)
	}
	got := crcString(c)
	if crc != "" && got != crc {
		return false, fmt.Errorf("%w: CRC32C %s, server said %s", ErrRefused, got, crc)
	}
	unit, err := b.put(eco, tmp, n, Unit{Source: u.Redacted(), ETag: resp.Header.Get("ETag"), CRC32C: got, SHA256: hex.EncodeToString(s.Sum(nil)), Size: n})
	if err != nil {
		return false, err
	}
	o.logf("%s: %d advisories (%d packages) from %s", eco, unit.Advisories, unit.Keys, u.Redacted())
	return true, nil
}

func keep(b *builder, eco string) error {
	if !b.touch(eco) {
		return errors.New("server says unchanged but the database does not hold it")
	}
	return nil
}

// googCRC32C reads GCS's "x-goog-hash: crc32c=<base64>, md5=<base64>".
func googCRC32C(h http.Header) string {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(part), "crc32c="); ok {
				if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) == 4 {
					return hex.EncodeToString(raw)
				}
			}
		}
	}
	return ""
}

func crcString(h hash.Hash32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], h.Sum32())
	return hex.EncodeToString(b[:])
}

// Import reads a folder of <Ecosystem>/all.zip (the bucket's layout) or one zip file. Each zip
// replaces the unit of the same name; other units are kept.
func Import(ctx context.Context, dir, path string, o Options) (*Result, error) {
	o.defaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	type src struct{ unit, file string }
	var srcs []src
	if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			p := filepath.Join(path, e.Name(), "all.zip")
			if e.IsDir() && fileExists(p) {
				srcs = append(srcs, src{e.Name(), p})
			}
		}
		if fileExists(filepath.Join(path, "all.zip")) {
			srcs = append(srcs, src{unitNameFor(filepath.Join(path, "all.zip")), filepath.Join(path, "all.zip")})
		}
		if len(srcs) == 0 {
			return nil, fmt.Errorf("%s holds no <Ecosystem>/all.zip", path)
		}
	} else {
		srcs = append(srcs, src{unitNameFor(path), path})
	}
	b, err := begin(ctx, dir, o.Now, o.Limits)
	if err != nil {
		return nil, err
	}
	defer b.abort()
	res := &Result{Failed: map[string]error{}}
	for _, s := range srcs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		changed, err := importFile(b, s.unit, s.file, b.meta.Units[s.unit], &o)
		switch {
		case err != nil:
			res.Failed[s.unit] = err
			o.logf("%s: %v (kept the previous data)", s.unit, err)
		case changed:
			res.Updated = append(res.Updated, s.unit)
		default:
			res.Unchanged = append(res.Unchanged, s.unit)
			o.logf("%s: unchanged", s.unit)
		}
	}
	if len(res.Updated)+len(res.Unchanged) > 0 {
		if err := b.commit(); err != nil {
			return res, err
		}
	}
	return res, res.Err()
}

// unitNameFor names a single zip: ".../PyPI/all.zip" is PyPI, "pypi-mirror.zip" is pypi-mirror.
func unitNameFor(p string) string {
	if strings.EqualFold(filepath.Base(p), "all.zip") {
		if d := filepath.Base(filepath.Dir(p)); d != "." && d != string(filepath.Separator) {
			return d
		}
	}
	return strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
}

// importFile imports a local zip, skipping it when its SHA-256 matches what the unit was built from.
func importFile(b *builder, unit, p string, prev *Unit, o *Options) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("%s is not a regular file", p)
	}
	if st.Size() > o.Limits.orDefault().MaxDownload {
		return false, fmt.Errorf("%w: %s is %d bytes", ErrRefused, p, st.Size())
	}
	s := sha256.New()
	c := crc32.New(castagnoli)
	if _, err := io.Copy(io.MultiWriter(s, c), f); err != nil {
		return false, err
	}
	sum := hex.EncodeToString(s.Sum(nil))
	if prev != nil && prev.SHA256 == sum {
		return false, keep(b, unit)
	}
	abs, _ := filepath.Abs(p)
	u, err := b.put(unit, f, st.Size(), Unit{Source: "file://" + filepath.ToSlash(abs), SHA256: sum, CRC32C: crcString(c), Size: st.Size()})
	if err != nil {
		return false, err
	}
	o.logf("%s: %d advisories (%d packages) from %s", unit, u.Advisories, u.Keys, p)
	return true, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}
