package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTableGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *Report
		o    Options
	}{
		{"sample.txt", sampleReport(), Options{}},
		{"sample-color.txt", sampleReport(), Options{Color: true, Width: 120}},
		{"sample-narrow.txt", sampleReport(), Options{Width: 50}},
		{"empty.txt", emptyReport(), Options{}},
		{"hostile.txt", hostileReport(), Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name, render(t, "table", tc.r, tc.o))
		})
	}
}

// sgr matches the colour sequences the table itself writes; nothing else may start with ESC.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkTerminalSafe fails when out holds anything a terminal would act on rather than print.
func checkTerminalSafe(t testing.TB, out []byte, color bool) {
	t.Helper()
	if color {
		out = sgr.ReplaceAll(out, nil)
	}
	if !utf8.Valid(out) {
		t.Error("table output is not valid UTF-8")
	}
	for i, r := range string(out) {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || invisible(r)) {
			t.Fatalf("control or bidi character %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

func TestTableHostileIsTerminalSafe(t *testing.T) {
	for _, color := range []bool{false, true} {
		out := render(t, "table", hostileReport(), Options{Color: color, Width: 80})
		checkTerminalSafe(t, out, color)
		for _, l := range strings.Split(string(sgr.ReplaceAll(out, nil)), "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("line of %d runes exceeds the width 80: %.60q…", n, l)
			}
		}
	}
}

func TestTableContent(t *testing.T) {
	r := sampleReport()
	out := string(render(t, "table", r, Options{}))
	if !strings.Contains(out, "\nVERDICT  FAIL") {
		t.Error("no verdict line")
	}
	// The verdict and its reasons come last: nothing but reasons follows the verdict line.
	tail := out[strings.LastIndex(out, "\nVERDICT"):]
	if got, want := strings.Count(tail, "\n  ["), len(r.Verdict.Reasons); got != want {
		t.Errorf("verdict lists %d reasons, the report has %d", got, want)
	}
	for _, want := range []string{"SECRETS (4)", "VULNERABILITIES (4)", "MISCONFIGURATIONS (3)", "LICENSES (1)",
		"golang.org/x/net v0.15.0  (Go, go.mod:12)", "fixed in v0.17.0", "commit 9fceb02d0ae5 by Dana Developer",
		"suppressed: waiver, owner team-web@example.com", "existing: in the baseline", "2 binary",
		"WARNINGS", "NOT CHECKED", "[WARN] not-checked"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	for _, f := range r.Findings {
		if f.Secret != nil && strings.Contains(out, f.Secret.Hash) {
			t.Error("the full secret hash is printed; the table shows a prefix")
		}
	}
	if strings.Contains(out, "AKIAIOSFODNN7Q2W3E4R") || strings.Contains(out, "\x1b") {
		t.Error("a secret in clear or an escape sequence without colour")
	}
	for i, r := range out {
		if r > 0x7e && r != '…' {
			t.Fatalf("non-ASCII %q at %d in plain output", r, i)
		}
	}
}

func TestTermText(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path.go":         "plain/path.go",
		"\x1b[31mred\x1b[0m":    `\x1b[31mred\x1b[0m`,
		"a\tb\nc":               "a b c",
		"cr\rbs\bdel\x7f":       `cr\x0dbs\x08del\x7f`,
		"c1\u009b2J":            `c1\x9b2J`,
		"bad\xffutf8":           `bad\xffutf8`,
		"evil\u202eexe.txt":     `evil\u202eexe.txt`,
		"ünïcödé/文件.txt":        "ünïcödé/文件.txt",
		"<script>&\"'</script>": "<script>&\"'</script>",
	} {
		if got := termText(in); got != want {
			t.Errorf("termText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := termText(strings.Repeat("x", 5000)); !strings.HasSuffix(got, "... (4000 more bytes)") {
		t.Errorf("long field not cut: %q", got[len(got)-30:])
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 30, []string{""}},
		{"short text", 30, []string{"short text"}},
		{"the quick brown fox jumps over the lazy dog", 20, []string{"the quick brown fox", "jumps over the lazy", "dog"}},
		{strings.Repeat("a", 45), 20, []string{strings.Repeat("a", 20), strings.Repeat("a", 20), strings.Repeat("a", 5)}},
	} {
		got := wrap(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func BenchmarkTable(b *testing.B) {
	r := sampleReport()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		_ = Write("table", &buf, r, Options{Color: true})
	}
}
