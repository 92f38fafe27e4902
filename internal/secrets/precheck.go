package secrets

import (
	"bytes"
	"fmt"
	"strings"
)

// Prechecks are byte-level tests at a keyword hit that a rule's regex could only pass if they
// hold. Generic and URL rules have the commonest keywords ("token", "secret", "https://"), and on
// source code most hits are no assignment and no URL with credentials: a few byte compares then
// save a regex run over the window. A precheck must never reject text its rule's regex matches.
type precheck func(c []byte, ks, ke int) bool

// before bounds how far back a line check looks, as it bounds the rule's window: a hit on a
// 200 MB line must not rescan the line.
func parsePrecheck(spec string, before int) (precheck, error) {
	switch {
	case spec == "":
		return nil, nil
	case spec == "assign":
		return assignAfter, nil
	case spec == "userinfo":
		return userinfoAfter, nil
	case strings.HasPrefix(spec, "line:") && len(spec) > len("line:"):
		lit := []byte(strings.ToLower(spec[len("line:"):]))
		return func(c []byte, ks, ke int) bool { return lineBeforeHas(c, ks, before, lit) }, nil
	}
	return nil, fmt.Errorf("unknown precheck %q", spec)
}

// assignAfter: the keyword is followed by at most 30 name characters ([\w.-]), an optional
// closing quote, blanks, and an assignment operator (=, :, := , =>, ??=, ||=).
func assignAfter(c []byte, ks, ke int) bool {
	i := ke
	for n := 0; i < len(c) && n <= 30 && isNameByte(c[i]); n++ {
		i++
	}
	if i < len(c) && (c[i] == '"' || c[i] == '\'') {
		i++
	}
	for i < len(c) && (c[i] == ' ' || c[i] == '\t' || c[i] == '\r' || c[i] == '\n' || c[i] == '\f' || c[i] == '\v') {
		i++
	}
	return i < len(c) && (c[i] == '=' || c[i] == ':' || c[i] == '?' || c[i] == '|')
}

func isNameByte(b byte) bool { return isAlnum(b) || b == '_' || b == '.' || b == '-' }

// userinfoAfter: after "scheme://" comes user:password@ — a ':' and then an '@' before the first
// '/', blank, quote or angle bracket.
func userinfoAfter(c []byte, ks, ke int) bool {
	colon := false
	for i, end := ke, min(len(c), ke+256); i < end; i++ {
		switch c[i] {
		case ':':
			colon = true
		case '@':
			return colon
		case '/', ' ', '\t', '\n', '\r', '"', '\'', '<', '>':
			return false
		}
	}
	return false
}

// lineBeforeHas: the keyword's line, up to the keyword and at most before bytes back, holds lit
// (lowercase; ASCII case folded).
func lineBeforeHas(c []byte, ks, before int, lit []byte) bool {
	lo := max(0, ks-before)
	seg := c[lo:ks]
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		seg = seg[i+1:]
	}
	for i := 0; i+len(lit) <= len(seg); i++ {
		if lowerASCII(seg[i]) == lit[0] && equalFoldASCII(seg[i:i+len(lit)], string(lit)) {
			return true
		}
	}
	return false
}
