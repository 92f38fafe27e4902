package target

import (
	"bytes"
	"strings"
)

// unquoteGitPath undoes git's C-style quoting of a path ("a\tb", "\303\244"). git quotes a name
// that holds a control character, a double quote or a backslash (and, unless core.quotePath=false,
// any byte above 0x7f). A string that is not quoted is returned as is; a malformed one is returned
// with the quotes kept so it is still recognisable in a report.
func unquoteGitPath(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	in := s[1 : len(s)-1]
	if !strings.Contains(in, `\`) {
		return in
	}
	var b strings.Builder
	b.Grow(len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' || i+1 >= len(in) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := in[i]; e {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'v':
			b.WriteByte('\v')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '0', '1', '2', '3':
			if i+2 < len(in) && isOctal(in[i+1]) && isOctal(in[i+2]) {
				b.WriteByte((e-'0')<<6 | (in[i+1]-'0')<<3 | (in[i+2] - '0'))
				i += 2
			} else {
				b.WriteByte(e)
			}
		default: // \" and \\ and anything git never writes
			b.WriteByte(e)
		}
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// splitQuoted takes one possibly-quoted path off the front of s and returns it (still quoted) and
// the rest after one separating space.
func splitQuoted(s string) (first, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			first, rest = s[:i+1], s[i+1:]
			return first, strings.TrimPrefix(rest, " "), true
		}
	}
	return "", "", false
}

// headerPath finds the new path in a "diff --git a/X b/Y" line (rest is what follows "diff --git ").
// Unquoted names with spaces are ambiguous in general; for an unrenamed file both names are equal,
// which makes the split unique. For renames and copies, "rename to"/"copy to" and "+++" lines
// later override what this returns.
func headerPath(rest string) string {
	if a, b, ok := splitQuoted(rest); ok {
		_ = a
		return stripPrefix(unquoteGitPath(b), "b/")
	}
	if i := strings.LastIndex(rest, ` "`); i >= 0 && strings.HasSuffix(rest, `"`) {
		return stripPrefix(unquoteGitPath(rest[i+1:]), "b/")
	}
	if len(rest)%2 == 1 {
		half := len(rest) / 2
		a, b := rest[:half], rest[half+1:]
		if rest[half] == ' ' && strings.HasPrefix(a, "a/") && strings.HasPrefix(b, "b/") && a[2:] == b[2:] {
			return b[2:]
		}
	}
	if i := strings.LastIndex(rest, " b/"); i >= 0 {
		return rest[i+3:]
	}
	return rest
}

// filePath reads the name on a "+++ " line (or "rename to ", "copy to "): quoted or plain, with the
// trailing TAB git adds after a name that contains a space.
func filePath(s string, prefix string) string {
	if strings.HasPrefix(s, `"`) {
		return stripPrefix(unquoteGitPath(s), prefix)
	}
	return stripPrefix(strings.TrimSuffix(s, "\t"), prefix)
}

func stripPrefix(s, prefix string) string {
	if prefix != "" && strings.HasPrefix(s, prefix) {
		return s[len(prefix):]
	}
	return s
}

func hasPrefixB(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

var nulByte = []byte{0}

func splitNUL(b []byte, n int) [][]byte { return bytes.SplitN(b, nulByte, n) }
