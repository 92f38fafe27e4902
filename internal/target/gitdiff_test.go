package target

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func parseAll(t testing.TB, in string, max int) ([]chunk, []finding.Skipped, int) {
	var chunks []chunk
	var skips []finding.Skipped
	commits := 0
	p := newDiffParser(strings.NewReader(in), max)
	p.onChunk = func(c chunk) error { chunks = append(chunks, c); return nil }
	p.onSkip = func(s finding.Skipped) { skips = append(skips, s) }
	p.onCommit = func(*finding.Commit) { commits++ }
	if err := p.Parse(); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return chunks, skips, commits
}

func hdr(hash, parents, subject string) string {
	return "\x00" + hash + "\x00" + parents + "\x002024-05-06T07:08:09+02:00\x00Name\x00n@e\x00" + subject + "\n\n"
}

const h1 = "1111111111111111111111111111111111111111"
const h2 = "2222222222222222222222222222222222222222"

func TestParserCases(t *testing.T) {
	in := hdr(h1, h2+" 3333333333333333333333333333333333333333 4444444444444444444444444444444444444444", "octopus\x00with NUL") +
		"diff --cc \"q\\\"uote\\303\\244.txt\"\n" +
		"index 1,2,3..4\n" +
		"--- a/x\n" +
		"+++ \"b/q\\\"uote\\303\\244.txt\"\n" +
		"@@@@ -1,0 -1,0 -1,0 +1,3 @@@@ ctx\n" +
		"+++new in all\n" +
		"++ from parent three\n" +
		"--- gone\n" +
		"+++second\n" +
		"\\ No newline at end of file\n" +
		hdr(h2, "", "root") +
		"diff --git a/with space.txt b/with space.txt\n" +
		"new file mode 100644\n" +
		"--- /dev/null\n" +
		"+++ b/with space.txt\t\n" +
		"@@ -0,0 +1,2 @@\n" +
		"++++ looks like a header\n" +
		"+diff --git a/evil b/evil\n" +
		"diff --git a/bin.dat b/bin.dat\n" +
		"Binary files /dev/null and b/bin.dat differ\n" +
		"diff --git a/sub b/sub\n" +
		"new file mode 160000\n" +
		"@@ -0,0 +1 @@\n" +
		"+Subproject commit 5555555555555555555555555555555555555555\n" +
		"diff --git a/ctx.txt b/ctx.txt\n" +
		"+++ b/ctx.txt\n" +
		"@@ -1,2 +10,4 @@\n" +
		" context\n" +
		"-removed\n" +
		"+added\n" +
		" more\n" +
		"+last\n" +
		"diff --git a/old name b/new name\n" +
		"similarity index 100%\n" +
		"rename from old name\n" +
		"rename to new name\n"
	chunks, skips, commits := parseAll(t, in, 1<<20)
	if commits != 2 {
		t.Errorf("commits = %d", commits)
	}
	var have []string
	for _, c := range chunks {
		have = append(have, fmt.Sprintf("%s|%d|%s|%q|%v", c.Commit.Message, c.Parents, c.Path, c.Content, c.Lines))
	}
	want := []string{
		`octopus` + "\x00" + `with NUL|3|q"uoteä.txt|"new in all\nsecond"|[1 3]`,
		`root|0|with space.txt|"+++ looks like a header\ndiff --git a/evil b/evil"|[]`, // 1..n: no map
		`root|0|ctx.txt|"added\nlast"|[11 13]`,
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("chunks:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	if len(skips) != 1 || skips[0].Path != "bin.dat" || skips[0].Reason != finding.SkipBinary {
		t.Errorf("skips = %+v", skips)
	}
	c := chunks[1].Commit
	if c.Hash != h2 || c.Author != "Name" || c.Email != "n@e" || !c.Date.Equal(time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC)) {
		t.Errorf("commit = %+v", c)
	}
}

func TestParserGiantLine(t *testing.T) {
	giant := strings.Repeat("A", 1<<20)
	in := hdr(h1, "", "big") +
		"diff --git a/big b/big\n+++ b/big\n@@ -0,0 +1,2 @@\n+ok\n+" + giant + "\n" +
		"diff --git a/small b/small\n+++ b/small\n@@ -0,0 +1 @@\n+fine\n"
	chunks, skips, _ := parseAll(t, in, 4096)
	if len(chunks) != 1 || chunks[0].Path != "small" || string(chunks[0].Content) != "fine" {
		t.Errorf("chunks = %+v", chunks)
	}
	if len(skips) != 1 || skips[0].Path != "big" || skips[0].Reason != finding.SkipTooLarge {
		t.Errorf("skips = %+v", skips)
	}
}

func TestParserStopsOnCallbackError(t *testing.T) {
	in := hdr(h1, "", "x") + "diff --git a/a b/a\n+++ b/a\n@@ -0,0 +1 @@\n+a\ndiff --git a/b b/b\n+++ b/b\n@@ -0,0 +1 @@\n+b\n"
	stop := errors.New("stop")
	p := newDiffParser(strings.NewReader(in), 0)
	calls := 0
	p.onChunk = func(chunk) error { calls++; return stop }
	if err := p.Parse(); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err = %v after %d calls", err, calls)
	}
}

func TestUnquoteGitPath(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                      `plain`,
		`"a\tb"`:                     "a\tb",
		`"\303\244\\\"x"`:            `ä\"x`,
		`"new\nline"`:                "new\nline",
		`"trailing\`:                 `"trailing\`,
		`"bad\9"`:                    "bad9",
		`"\a\b\f\v\r\q"`:             "\a\b\f\v\rq",
		`"short\30"`:                 "short30",
		`"a/\"quoted\" and space"`:   `a/"quoted" and space`,
		`"` + `\342\234\223` + `ok"`: "✓ok",
	} {
		if got := unquoteGitPath(in); got != want {
			t.Errorf("unquoteGitPath(%s) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`a/x y b/x y`:                    `x y`,
		`"a/t\tb" "b/t\tb"`:              "t\tb",
		`a/p b/"q"`:                      `"q"`,
		`a/old b/new`:                    `new`,
		`a/ä b/ä`:                        `ä`,
		`weird`:                          `weird`,
		`a/x "b/y z"`:                    `y z`,
		`"a/unterminated b/unterminated`: `unterminated`,
	} {
		if got := headerPath(in); got != want {
			t.Errorf("headerPath(%s) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDiffParser feeds arbitrary bytes: the parser must not panic, must not hang, and must keep
// every chunk's content and line map consistent and within the size cap.
func FuzzDiffParser(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz/seed-*.diff")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(hdr(h1, h2, "s") + "diff --cc x\n@@@ -1 -1 +1,2 @@@\n++a\n +b\n"))
	f.Add([]byte("\x00\x00\x00\n@@ -1 +1 @@\n+x\ndiff --git \"a\\\"\n@@@@@\n+\n"))
	f.Add([]byte("diff --git a/a b/a\n@@ -0,0 +99999999999999999999 @@\n+x\n\\\n+y"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newDiffParser(bytes.NewReader(data), 512)
		p.onChunk = func(c chunk) error {
			if len(c.Content) > 512 {
				t.Fatalf("chunk of %d bytes over the 512 cap", len(c.Content))
			}
			if n := bytes.Count(c.Content, []byte("\n")) + 1; c.Lines != nil && n != len(c.Lines) {
				t.Fatalf("%d content lines, %d line numbers", n, len(c.Lines))
			}
			return nil
		}
		if err := p.Parse(); err != nil {
			t.Fatalf("Parse: %v", err)
		}
	})
}

// BenchmarkParse measures the parser alone on a synthetic log of 2,000 commits.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 2000 {
		sb.WriteString(hdr(fmt.Sprintf("%040x", i), fmt.Sprintf("%040x", i+1), "change"))
		for f := range 4 {
			fmt.Fprintf(&sb, "diff --git a/src/file%d.go b/src/file%d.go\nindex 1..2 100644\n--- a/src/file%d.go\n+++ b/src/file%d.go\n", f, f, f, f)
			fmt.Fprintf(&sb, "@@ -%d,2 +%d,3 @@ func x() {\n-\told := 1\n-\tgone := 2\n", i, i)
			for l := range 3 {
				fmt.Fprintf(&sb, "+\tvalue%d := compute(%d, \"some realistic text to scan\")\n", l, i)
			}
		}
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		p := newDiffParser(strings.NewReader(in), 1<<20)
		p.onChunk = func(chunk) error { return nil }
		if err := p.Parse(); err != nil {
			b.Fatal(err)
		}
	}
}
