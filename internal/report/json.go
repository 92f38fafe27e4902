package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func init() { Register("json", writeJSON) }

// writeJSON writes the Report as documented by schema/report.schema.json: indented, keys in struct
// order, maps sorted by encoding/json, lists in the report's canonical order.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(canonical(r)); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	_, err := w.Write(escapeJSONInvisibles(buf.Bytes()))
	return err
}

// canonical returns a shallow copy of r whose lists are sorted and never null, without touching r
// (formatters may run concurrently on one report). Sorting is presentation: the engine already
// sorts, this only guarantees the order whoever built the report.
func canonical(r *Report) *Report {
	c := *r
	if c.SchemaVersion == "" {
		c.SchemaVersion = finding.SchemaVersion
	}
	c.Findings = slices.Clone(r.Findings)
	c.Packages = slices.Clone(r.Packages)
	c.Skipped = slices.Clone(r.Skipped)
	(&c).Sort()
	if c.Findings == nil {
		c.Findings = []finding.Finding{}
	}
	if c.Scanners == nil {
		c.Scanners = []string{}
	}
	if c.Verdict.Reasons == nil {
		c.Verdict.Reasons = []finding.Reason{}
	}
	return &c
}

// escapeJSONInvisibles rewrites, inside encoded JSON, the characters encoding/json leaves raw but
// that a terminal or editor acts on: DEL, the C1 controls (U+0080–U+009F, which include the 8-bit
// CSI) and the bidirectional overrides of "Trojan Source". They only occur inside strings, where
// \uXXXX means the same character, so the document is unchanged for any JSON reader but is safe to
// cat. encoding/json has already replaced invalid UTF-8 with U+FFFD.
func escapeJSONInvisibles(b []byte) []byte {
	if bytes.IndexFunc(b, invisible) < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if invisible(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// invisible reports runes that change how surrounding text is displayed rather than being shown.
func invisible(r rune) bool {
	switch {
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
