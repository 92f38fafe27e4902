package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/openvex/go-vex/pkg/vex"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// VEX is the statements of one OpenVEX or CycloneDX VEX document, reduced to what the gate matches on.
type VEX struct {
	Source     string
	statements []vexStatement
}

type vexStatement struct {
	vulns []string // id and aliases
	// products are purls or ids the statement is about; empty means every product.
	products      []string
	status        string
	justification string
	note          string
	at            time.Time
	order         int
}

// VEX statuses that suppress a finding.
const (
	vexNotAffected = "not_affected"
	vexFixed       = "fixed"
)

// LoadVEX reads an OpenVEX (JSON) or CycloneDX VEX (JSON) document. A file that is neither, or a
// statement that breaks the spec, is an error naming the file (and line for a syntax error).
func LoadVEX(path string) (*VEX, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read VEX: %w", err)
	}
	return ParseVEX(path, data)
}

// ParseVEX is LoadVEX on bytes in memory.
func ParseVEX(name string, data []byte) (*VEX, error) {
	data = trimBOM(data)
	var probe struct {
		Context    any    `json:"@context"`
		BOMFormat  string `json:"bomFormat"`
		Statements any    `json:"statements"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonErr(name, data, "a VEX document", err)
	}
	ctx, _ := probe.Context.(string)
	switch {
	case strings.Contains(ctx, "openvex"):
		return parseOpenVEX(name, data)
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDXVEX(name, data)
	}
	return nil, &Error{File: name, Msg: "not a VEX document: want OpenVEX (an @context naming openvex) or CycloneDX (bomFormat CycloneDX)"}
}

func parseOpenVEX(name string, data []byte) (*VEX, error) {
	doc, err := vex.Parse(data)
	if err != nil {
		return nil, jsonErr(name, data, "an OpenVEX document", errors.Unwrap(err))
	}
	out := &VEX{Source: name}
	var docTime time.Time
	if doc.Timestamp != nil {
		docTime = *doc.Timestamp
	}
	for i := range doc.Statements {
		st := &doc.Statements[i]
		if err := st.Validate(); err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("statement %d: %v", i+1, err)}
		}
		v := vexStatement{status: string(st.Status), justification: string(st.Justification), order: i, at: docTime}
		v.note = firstNonEmpty(st.ImpactStatement, st.StatusNotes)
		if st.Timestamp != nil {
			v.at = *st.Timestamp
		}
		if st.LastUpdated != nil {
			v.at = *st.LastUpdated
		}
		for _, id := range append([]vex.VulnerabilityID{st.Vulnerability.Name, vex.VulnerabilityID(st.Vulnerability.ID)}, st.Vulnerability.Aliases...) {
			if id != "" {
				v.vulns = append(v.vulns, string(id))
			}
		}
		if len(v.vulns) == 0 {
			return nil, &Error{File: name, Msg: fmt.Sprintf("statement %d names no vulnerability", i+1)}
		}
		for _, p := range st.Products {
			// The product is often the app or image; its subcomponents are the packages we see.
			if len(p.Subcomponents) > 0 {
				for _, s := range p.Subcomponents {
					v.products = append(v.products, componentIDs(s.Component)...)
				}
				continue
			}
			v.products = append(v.products, componentIDs(p.Component)...)
		}
		out.statements = append(out.statements, v)
	}
	return out, nil
}

func componentIDs(c vex.Component) []string {
	var ids []string
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	for _, id := range c.Identifiers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func parseCycloneDXVEX(name string, data []byte) (*VEX, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, jsonErr(name, data, "a CycloneDX document", err)
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) == 0 {
		return nil, &Error{File: name, Msg: "CycloneDX document has no vulnerabilities: it is an SBOM, not a VEX"}
	}
	refs := map[string]string{} // bom-ref → purl
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for _, c := range *cs {
			if c.BOMRef != "" && c.PackageURL != "" {
				refs[c.BOMRef] = c.PackageURL
			}
			walk(c.Components)
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(&[]cdx.Component{*bom.Metadata.Component})
	}
	walk(bom.Components)
	out := &VEX{Source: name}
	for i, cv := range *bom.Vulnerabilities {
		if cv.ID == "" {
			return nil, &Error{File: name, Msg: fmt.Sprintf("vulnerability %d has no id", i+1)}
		}
		if cv.Analysis == nil {
			continue // no statement, just a listing
		}
		v := vexStatement{vulns: []string{cv.ID}, order: i, justification: string(cv.Analysis.Justification), note: cv.Analysis.Detail}
		switch cv.Analysis.State {
		case cdx.IASNotAffected, cdx.IASFalsePositive:
			v.status = vexNotAffected
			if v.justification == "" {
				v.justification = string(cv.Analysis.State)
			}
		case cdx.IASResolved, cdx.IASResolvedWithPedigree:
			v.status = vexFixed
		default:
			v.status = string(cv.Analysis.State)
		}
		if t, err := time.Parse(time.RFC3339, firstNonEmpty(cv.Analysis.LastUpdated, cv.Analysis.FirstIssued)); err == nil {
			v.at = t
		}
		if cv.Affects != nil {
			for _, a := range *cv.Affects {
				if p, ok := refs[a.Ref]; ok {
					v.products = append(v.products, p)
				} else if a.Ref != "" {
					v.products = append(v.products, a.Ref)
				}
			}
		}
		out.statements = append(out.statements, v)
	}
	return out, nil
}

// match returns the statement that decides f: the latest of those naming its vulnerability and
// package. A later "affected" overrides an earlier "not_affected".
func (d *VEX) match(f *finding.Finding) *vexStatement {
	if f.Vuln == nil {
		return nil
	}
	var best *vexStatement
	for i := range d.statements {
		s := &d.statements[i]
		if !slices.ContainsFunc(s.vulns, func(id string) bool { return vulnIDMatches(f, id) }) {
			continue
		}
		if len(s.products) > 0 && !slices.ContainsFunc(s.products, func(p string) bool { return productMatches(p, f.Vuln) }) {
			continue
		}
		if best == nil || !s.at.Before(best.at) {
			best = s
		}
	}
	return best
}

// productMatches compares a VEX product id to the vulnerable package: by purl (a versionless purl
// covers every version) or, for a bare name, by package name.
func productMatches(p string, v *finding.Vuln) bool {
	if strings.HasPrefix(p, "pkg:") {
		return v.PURL != "" && vex.PurlMatches(p, v.PURL)
	}
	return strings.EqualFold(p, v.Package)
}

// jsonErr names the file and the line of a JSON problem.
func jsonErr(name string, data []byte, what string, err error) error {
	if err == nil {
		err = errors.New("unreadable")
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &Error{File: name, Line: lineAt(data, se.Offset), Msg: fmt.Sprintf("not %s: %v", what, se)}
	case errors.As(err, &te):
		return &Error{File: name, Line: lineAt(data, te.Offset), Msg: fmt.Sprintf("not %s: %v", what, te)}
	}
	return &Error{File: name, Msg: fmt.Sprintf("not %s: %v", what, err)}
}

func lineAt(data []byte, off int64) int {
	if off < 0 {
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
