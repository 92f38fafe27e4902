package target

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Skip reasons the history reader adds to the report's counted list.
const (
	// SkipShallow names a commit whose parents are missing from a shallow clone.
	SkipShallow = "shallow-history"
	// SkipGitError names a commit (or the log itself) git could not read: a corrupt or missing object.
	SkipGitError = "git-error"
)

// commitMarker opens each commit record in the log stream. git writes nothing else that starts a
// line with NUL (content lines start with + - or space, paths are quoted when they hold control
// characters), so a commit message or a file name cannot forge a record.
const commitMarker = 0

// logFormat is the --format of each record: NUL, hash, parents, ISO author date, then the fields
// an author controls (name, email, subject) last, so a stray NUL in them cannot shift the others.
const logFormat = "--format=%x00%H%x00%P%x00%aI%x00%an%x00%ae%x00%s"

// chunk is one commit's added lines of one file.
type chunk struct {
	Commit  *finding.Commit
	Parents int
	Path    string
	Content []byte
	// Lines is the new-file line number of each content line; nil when they are simply 1..n (a new
	// file, a rewritten one), which saves a slice as long as the file and means the same to the engine.
	Lines []int
}

// diffParser reads `git log -p -U0 --cc` (or `git diff -U0`) output one line at a time and hands
// out each file's added lines as soon as the file's diff ends. It keeps one file's added lines in
// memory, never more than max bytes of them.
type diffParser struct {
	r   *bufio.Reader
	max int
	// onChunk receives each file's added lines; an error stops the parse.
	onChunk func(chunk) error
	onSkip  func(finding.Skipped)
	// onCommit is told of every commit record, merges and empty commits included.
	onCommit func(*finding.Commit)

	commit  *finding.Commit
	parents int
	f       fileState
	line    []byte // scratch for lines longer than the reader's buffer
}

type fileState struct {
	active  bool
	path    string
	cols    int // 1 for "diff --git", the parent count for a combined "diff --cc"
	binary  bool
	gitlink bool
	tooBig  bool
	inHunk  bool
	next    int // new-file line number of the next line in the hunk
	buf     []byte
	runs    []lineRun // added line numbers as runs: short for any real diff, whatever the file size
}

// lineRun is n consecutive added lines starting at new-file line start.
type lineRun struct{ start, n int }

func newDiffParser(r io.Reader, max int) *diffParser {
	if max <= 0 {
		max = 20 << 20
	}
	return &diffParser{r: bufio.NewReaderSize(r, 256<<10), max: max}
}

// Parse reads to EOF. It returns the first error from onChunk or from reading; a malformed stream
// is never an error (unknown lines are ignored), because git's output is the only authority.
func (p *diffParser) Parse() error {
	for {
		line, truncated, err := p.readLine()
		if len(line) > 0 || truncated || err == nil {
			if perr := p.handle(line, truncated); perr != nil {
				return perr
			}
		}
		if err == io.EOF {
			return p.flush()
		}
		if err != nil {
			if ferr := p.flush(); ferr != nil {
				return ferr
			}
			return err
		}
	}
}

// readLine returns one line without its newline. A line longer than max is cut at max bytes and
// the rest is read and dropped, so one giant line costs max bytes of memory, not its length.
func (p *diffParser) readLine() (line []byte, truncated bool, err error) {
	b, err := p.r.ReadSlice('\n')
	if err == nil {
		return b[:len(b)-1], false, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return b, false, err
	}
	p.line = append(p.line[:0], b...)
	for {
		b, err = p.r.ReadSlice('\n')
		if err == nil {
			b = b[:len(b)-1]
		}
		if !truncated {
			if room := p.max - len(p.line); len(b) > room {
				p.line = append(p.line, b[:max(room, 0)]...)
				truncated = true
			} else {
				p.line = append(p.line, b...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(p.line) > p.max {
			p.line, truncated = p.line[:p.max], true
		}
		if cap(p.line) > 4<<20 { // do not keep a giant scratch buffer for the rest of the log
			out := p.line
			p.line = nil
			return out, truncated, err
		}
		return p.line, truncated, err
	}
}

func (p *diffParser) handle(line []byte, truncated bool) error {
	f := &p.f
	if f.inHunk && len(line) > 0 {
		switch line[0] {
		case '+', '-', ' ':
			if p.hunkLine(line, truncated) {
				return nil
			}
		case '\\': // "\ No newline at end of file"
			return nil
		}
	}
	f.inHunk = false
	switch {
	case len(line) > 0 && line[0] == commitMarker:
		if err := p.flush(); err != nil {
			return err
		}
		p.commit, p.parents = parseCommit(line[1:])
		if p.onCommit != nil {
			p.onCommit(p.commit)
		}
	case hasPrefixB(line, "diff --git "):
		if err := p.flush(); err != nil {
			return err
		}
		p.f = fileState{active: true, cols: 1, path: headerPath(string(line[len("diff --git "):])), buf: f.buf[:0], runs: f.runs[:0]}
	case hasPrefixB(line, "diff --cc "), hasPrefixB(line, "diff --combined "):
		if err := p.flush(); err != nil {
			return err
		}
		rest := line[bytes.IndexByte(line[5:], ' ')+6:]
		p.f = fileState{active: true, cols: max(p.parents, 2), path: filePath(string(rest), ""), buf: f.buf[:0], runs: f.runs[:0]}
	case !f.active:
		// commit header trailer, blank lines: nothing to do
	case hasPrefixB(line, "@@"):
		f.next, f.cols, f.inHunk = parseHunk(line, f.cols)
	case hasPrefixB(line, "+++ "):
		if s := string(line[4:]); s != "/dev/null" {
			f.path = filePath(s, "b/")
		}
	case hasPrefixB(line, "rename to "):
		f.path = filePath(string(line[len("rename to "):]), "")
	case hasPrefixB(line, "copy to "):
		f.path = filePath(string(line[len("copy to "):]), "")
	case hasPrefixB(line, "Binary files "), hasPrefixB(line, "GIT binary patch"):
		f.binary = true
	case hasPrefixB(line, "new file mode 160000"), hasPrefixB(line, "index ") && bytes.HasSuffix(line, []byte(" 160000")),
		hasPrefixB(line, "new mode 160000"):
		f.gitlink = true // a submodule pointer: "Subproject commit <hash>" is not content
	}
	return nil
}

// hunkLine records one line of a hunk. It reports false when the line does not fit the hunk's
// column layout, so the caller treats it as a header line instead.
func (p *diffParser) hunkLine(line []byte, truncated bool) bool {
	f := &p.f
	n := f.cols
	if len(line) < n {
		return false
	}
	added := true
	for _, c := range line[:n] {
		switch c {
		case '-':
			return true // in a parent, not in the result: no new-file line
		case ' ':
			added = false
		case '+':
		default:
			return false
		}
	}
	lineNo := f.next
	f.next++
	if !added || f.tooBig || f.gitlink {
		return true
	}
	body := line[n:]
	if truncated || len(f.buf)+len(body)+1 > p.max {
		f.tooBig = true
		f.buf, f.runs = f.buf[:0], f.runs[:0]
		if cap(f.buf) > 4<<20 {
			f.buf = nil
		}
		return true
	}
	if len(f.runs) > 0 {
		f.buf = append(f.buf, '\n')
	}
	f.buf = append(f.buf, body...)
	if k := len(f.runs) - 1; k >= 0 && f.runs[k].start+f.runs[k].n == lineNo {
		f.runs[k].n++
	} else {
		f.runs = append(f.runs, lineRun{lineNo, 1})
	}
	return true
}

// flush hands out the current file's added lines (or records why they were not scanned).
func (p *diffParser) flush() error {
	f := &p.f
	if !f.active {
		return nil
	}
	f.active, f.inHunk = false, false
	where := ""
	if p.commit != nil {
		where = "commit " + p.commit.Hash + ": "
	}
	switch {
	case f.gitlink:
	case f.binary:
		p.skip(finding.Skipped{Path: f.path, Reason: finding.SkipBinary, Detail: where + "git reports a binary diff"})
	case f.tooBig:
		p.skip(finding.Skipped{Path: f.path, Reason: finding.SkipTooLarge,
			Detail: fmt.Sprintf("%sadded lines exceed the %d byte limit (--max-file-size)", where, p.max)})
	case len(f.runs) > 0 && p.onChunk != nil:
		c := chunk{Commit: p.commit, Parents: p.parents, Path: f.path, Content: bytes.Clone(f.buf), Lines: lineMap(f.runs)}
		f.buf, f.runs = f.buf[:0], f.runs[:0]
		return p.onChunk(c)
	}
	f.buf, f.runs = f.buf[:0], f.runs[:0]
	return nil
}

func lineMap(runs []lineRun) []int {
	if len(runs) == 1 && runs[0].start == 1 {
		return nil
	}
	total := 0
	for _, r := range runs {
		total += r.n
	}
	m := make([]int, 0, total)
	for _, r := range runs {
		for i := range r.n {
			m = append(m, r.start+i)
		}
	}
	return m
}

func (p *diffParser) skip(s finding.Skipped) {
	if p.onSkip != nil {
		p.onSkip(s)
	}
}

// parseCommit reads one record written with logFormat (without its leading NUL).
func parseCommit(b []byte) (*finding.Commit, int) {
	parts := splitNUL(b, 6)
	get := func(i int) string {
		if i < len(parts) {
			return string(parts[i])
		}
		return ""
	}
	c := &finding.Commit{Hash: get(0), Author: get(3), Email: get(4), Message: get(5)}
	if _, err := hex.DecodeString(c.Hash); err != nil || (len(c.Hash) != 40 && len(c.Hash) != 64) {
		c.Hash = strconv.Quote(c.Hash) // never seen from git; keep it visible, not trusted
	}
	if t, err := time.Parse(time.RFC3339, get(2)); err == nil {
		c.Date = t.UTC()
	}
	parents := len(bytes.Fields([]byte(get(1))))
	return c, parents
}

// parseHunk reads "@@ -a,b +c,d @@" (or "@@@ -a,b -c,d +e,f @@@" for a merge) and returns the
// first new-file line and the number of prefix columns each hunk line carries.
func parseHunk(line []byte, cols int) (next, columns int, ok bool) {
	ats := 0
	for ats < len(line) && line[ats] == '@' {
		ats++
	}
	if ats < 2 {
		return 0, cols, false
	}
	columns = ats - 1
	end := bytes.Index(line[ats:], bytes.Repeat([]byte{'@'}, ats))
	if end < 0 {
		return 0, cols, false
	}
	ranges := bytes.Fields(line[ats : ats+end])
	if len(ranges) != columns+1 {
		return 0, cols, false
	}
	plus := ranges[columns]
	if len(plus) < 2 || plus[0] != '+' {
		return 0, cols, false
	}
	start := plus[1:]
	if i := bytes.IndexByte(start, ','); i >= 0 {
		start = start[:i]
	}
	n, err := strconv.Atoi(string(start))
	if err != nil || n < 0 {
		return 0, cols, false
	}
	if n == 0 { // an empty new side ("+0,0"): nothing is added here
		n = 1
	}
	return n, columns, true
}
