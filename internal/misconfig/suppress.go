package misconfig

import (
	"bytes"
	"regexp"
	"strings"
)

// ignoreRe matches `tollgate:ignore`, optionally `:CHECK-ID[,CHECK-ID]`, then a free-text reason,
// after any comment leader (#, //, /*). One syntax for every file type.
var ignoreRe = regexp.MustCompile(`tollgate:ignore(?::([A-Za-z0-9_,\-]+))?(?:[ \t]+([^\r\n]*))?`)

type ignore struct {
	ids    []string // empty: every check
	reason string
	// own is true when the directive is alone on its line (a comment line), so it also covers the
	// line below; a trailing comment covers only its own line.
	own bool
}

// ignores maps 1-based line numbers to the ignore directives written on them.
type ignores map[int][]ignore

func parseIgnores(content []byte) ignores {
	if !bytes.Contains(content, []byte("tollgate:ignore")) {
		return nil
	}
	out := ignores{}
	for i, line := range bytes.Split(content, []byte("\n")) {
		if !bytes.Contains(line, []byte("tollgate:ignore")) {
			continue
		}
		for _, m := range ignoreRe.FindAllSubmatch(line, -1) {
			ig := ignore{reason: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(m[2])), "*/")), own: commentLine(line)}
			if len(m[1]) > 0 {
				ig.ids = strings.Split(string(m[1]), ",")
			}
			out[i+1] = append(out[i+1], ig)
		}
	}
	return out
}

// match finds an ignore for id on the hit's line, the line just above it, the resource's first line
// or the line just above the resource.
func (ig ignores) match(id string, lines ...int) (ignore, bool) {
	if ig == nil {
		return ignore{}, false
	}
	for _, l := range lines {
		if l <= 0 {
			continue
		}
		for _, cand := range [...]int{l, l - 1} {
			for _, d := range ig[cand] {
				if cand != l && !d.own {
					continue
				}
				if len(d.ids) == 0 {
					return d, true
				}
				for _, x := range d.ids {
					if strings.EqualFold(x, id) {
						return d, true
					}
				}
			}
		}
	}
	return ignore{}, false
}

func commentLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	return bytes.HasPrefix(t, []byte("#")) || bytes.HasPrefix(t, []byte("//")) || bytes.HasPrefix(t, []byte("/*"))
}
