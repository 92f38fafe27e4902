package sbom

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/packages"
)

// uniquePackages drops exact repeats (the same package from the same manifest and layer) and
// orders the rest, so documents are stable across runs.
func uniquePackages(ps []finding.Package) []finding.Package {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b finding.Package) int {
		return cmp.Or(cmp.Compare(a.Ecosystem, b.Ecosystem), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version),
			cmp.Compare(a.Manifest, b.Manifest), cmp.Compare(a.Layer, b.Layer))
	})
	return slices.CompactFunc(out, func(a, b finding.Package) bool {
		return a.Ecosystem == b.Ecosystem && a.Name == b.Name && a.Version == b.Version && a.Manifest == b.Manifest && a.Layer == b.Layer
	})
}

// ref is a package's stable identifier inside one document.
func ref(p finding.Package) string {
	h := sha256.Sum256([]byte(strings.Join([]string{p.Ecosystem, p.Name, p.Version, p.Manifest, p.Layer}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// docID derives the document's serial number from its content, so the same scan gives the same
// document (golden files, reproducible builds) and different scans never collide.
func docID(r *finding.Report) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", r.Target.Kind, r.Target.Name, r.Target.Digest)
	for _, p := range r.Packages {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", p.Ecosystem, p.Name, p.Version, p.Manifest)
	}
	s := hex.EncodeToString(h.Sum(nil))
	return fmt.Sprintf("%s-%s-5%s-8%s-%s", s[0:8], s[8:12], s[13:16], s[17:20], s[20:32])
}

func created(r *finding.Report) string {
	t := r.FinishedAt
	if t.IsZero() {
		t = r.StartedAt
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

func toolVersion(r *finding.Report) string { return cmp.Or(r.Tool.Version, "dev") }

// WriteCycloneDX writes the report's packages (and its vulnerability findings, when the scan ran
// the vuln scanner) as a CycloneDX 1.6 JSON document.
func WriteCycloneDX(w io.Writer, r *finding.Report) error {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.SerialNumber = "urn:uuid:" + docID(r)
	subject := cdx.Component{BOMRef: "target", Type: cdx.ComponentTypeApplication, Name: cmp.Or(r.Target.Name, "unknown")}
	if r.Target.Kind == "image" {
		subject.Type = cdx.ComponentTypeContainer
		if r.Target.Digest != "" {
			subject.Version = r.Target.Digest
		}
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: created(r),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "tollgate", Version: toolVersion(r),
		}}},
		Component: &subject,
	}
	pkgs := uniquePackages(r.Packages)
	comps := make([]cdx.Component, 0, len(pkgs))
	refs := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		c := cdx.Component{BOMRef: ref(p), Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
		if p.Ecosystem == "Maven" {
			if g, a, ok := strings.Cut(p.Name, ":"); ok {
				c.Group, c.Name = g, a
			}
		}
		if lc := cdxLicenses(p.Licenses); lc != nil {
			c.Licenses = lc
		}
		props := []cdx.Property{{Name: "tollgate:ecosystem", Value: p.Ecosystem}}
		if p.Manifest != "" {
			props = append(props, cdx.Property{Name: "tollgate:manifest", Value: p.Manifest})
		}
		if p.Layer != "" {
			props = append(props, cdx.Property{Name: "tollgate:layer", Value: p.Layer})
		}
		if p.LayerCmd != "" {
			props = append(props, cdx.Property{Name: "tollgate:layerCommand", Value: p.LayerCmd})
		}
		if p.SourceName != "" {
			props = append(props, cdx.Property{Name: "tollgate:sourcePackage", Value: p.SourceName + "@" + p.SourceVersion})
		}
		c.Properties = &props
		comps = append(comps, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: "target", Dependencies: &refs}}
	if vs := cdxVulns(r, pkgs); len(vs) > 0 {
		bom.Vulnerabilities = &vs
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

func cdxLicenses(ls []string) *cdx.Licenses {
	var out cdx.Licenses
	for _, l := range ls {
		id := packages.NormalizeLicense(l)
		switch {
		case id == packages.Unknown:
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		case strings.Contains(id, " "):
			out = append(out, cdx.LicenseChoice{Expression: id})
		case packages.KnownSPDX(id):
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
		default:
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	// CycloneDX allows either licenses or one expression, not both.
	for _, c := range out {
		if c.Expression != "" && len(out) > 1 {
			return &cdx.Licenses{{Expression: "(" + strings.Join(exprs(out), ") AND (") + ")"}}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

func exprs(cs cdx.Licenses) []string {
	var out []string
	for _, c := range cs {
		switch {
		case c.Expression != "":
			out = append(out, c.Expression)
		case c.License.ID != "":
			out = append(out, c.License.ID)
		default:
			out = append(out, "LicenseRef-"+strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
					return r
				}
				return '-'
			}, c.License.Name))
		}
	}
	return out
}

// cdxVulns lists vulnerability findings against the components they affect.
func cdxVulns(r *finding.Report, pkgs []finding.Package) []cdx.Vulnerability {
	byKey := map[string][]string{}
	for _, p := range pkgs {
		k := p.Ecosystem + "\x00" + p.Name + "\x00" + p.Version
		byKey[k] = append(byKey[k], ref(p))
	}
	idx := map[string]int{}
	var out []cdx.Vulnerability
	for _, f := range r.Findings {
		if f.Kind != finding.KindVuln || f.Vuln == nil {
			continue
		}
		v := f.Vuln
		i, seen := idx[v.ID]
		if !seen {
			vuln := cdx.Vulnerability{BOMRef: v.ID, ID: v.ID, Description: v.Summary, Affects: &[]cdx.Affects{}}
			vuln.Source = &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + v.ID}
			if len(v.Aliases) > 0 {
				rs := make([]cdx.VulnerabilityReference, 0, len(v.Aliases))
				for _, a := range v.Aliases {
					rs = append(rs, cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{Name: aliasSource(a)}})
				}
				vuln.References = &rs
			}
			rating := cdx.VulnerabilityRating{Severity: cdxSeverity(f.Severity), Vector: v.CVSSVector}
			if v.CVSSScore > 0 {
				s := v.CVSSScore
				rating.Score = &s
			}
			switch {
			case strings.HasPrefix(v.CVSSVector, "CVSS:4"):
				rating.Method = cdx.ScoringMethodCVSSv4
			case strings.HasPrefix(v.CVSSVector, "CVSS:3.1"):
				rating.Method = cdx.ScoringMethodCVSSv31
			case strings.HasPrefix(v.CVSSVector, "CVSS:3"):
				rating.Method = cdx.ScoringMethodCVSSv3
			}
			vuln.Ratings = &[]cdx.VulnerabilityRating{rating}
			if v.FixedVersion != "" {
				vuln.Recommendation = fmt.Sprintf("Upgrade %s to %s or later", v.Package, v.FixedVersion)
			}
			if v.Published != nil {
				vuln.Published = v.Published.UTC().Format(time.RFC3339)
			}
			out = append(out, vuln)
			i = len(out) - 1
			idx[v.ID] = i
		}
		refs := byKey[v.Ecosystem+"\x00"+v.Package+"\x00"+v.Version]
		aff := *out[i].Affects
		for _, rf := range refs {
			if !slices.ContainsFunc(aff, func(a cdx.Affects) bool { return a.Ref == rf }) {
				aff = append(aff, cdx.Affects{Ref: rf})
			}
		}
		out[i].Affects = &aff
	}
	for i := range out {
		if len(*out[i].Affects) == 0 {
			out[i].Affects = nil
		}
	}
	return out
}

func aliasSource(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	}
	return "OSV"
}

func cdxSeverity(s finding.Severity) cdx.Severity {
	switch s {
	case finding.Critical:
		return cdx.SeverityCritical
	case finding.High:
		return cdx.SeverityHigh
	case finding.Medium:
		return cdx.SeverityMedium
	case finding.Low:
		return cdx.SeverityLow
	}
	return cdx.SeverityUnknown
}

// WriteSPDX writes the report's packages as an SPDX 2.3 JSON document: the target is the described
// package and CONTAINS every dependency.
func WriteSPDX(w io.Writer, r *finding.Report) error {
	name := cmp.Or(r.Target.Name, "unknown")
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: "https://tollgate.dev/spdxdocs/" + spdxSafe(name) + "-" + docID(r),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "tollgate-" + toolVersion(r)}},
			Created:  created(r),
		},
	}
	root := &spdx.Package{
		PackageName: name, PackageSPDXIdentifier: "target", PackageDownloadLocation: "NOASSERTION",
		PackageLicenseConcluded: "NOASSERTION", PackageLicenseDeclared: "NOASSERTION", PackageCopyrightText: "NOASSERTION",
		PrimaryPackagePurpose: "APPLICATION",
	}
	if r.Target.Kind == "image" {
		root.PrimaryPackagePurpose = "CONTAINER"
		root.PackageVersion = r.Target.Digest
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, &spdx.Relationship{
		RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", "target"), Relationship: common.TypeRelationshipDescribe,
	})
	for _, p := range uniquePackages(r.Packages) {
		id := common.ElementID("Package-" + ref(p))
		sp := &spdx.Package{
			PackageName: p.Name, PackageSPDXIdentifier: id, PackageVersion: p.Version,
			PackageDownloadLocation: "NOASSERTION", PackageLicenseConcluded: "NOASSERTION",
			PackageLicenseDeclared: spdxLicense(p.Licenses), PackageCopyrightText: "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY",
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL}}
		}
		if p.Manifest != "" {
			sp.PackageSourceInfo = "found in " + p.Manifest
			if p.Layer != "" {
				sp.PackageSourceInfo += " (layer " + p.Layer + ")"
			}
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", "target"), RefB: common.MakeDocElementID("", string(id)), Relationship: common.TypeRelationshipContains,
		})
	}
	return spdxjson.Write(doc, w, spdxjson.Indent("  "))
}

// spdxLicense gives a valid SPDX license expression or NOASSERTION: free text that does not
// normalise to a known id would make the document invalid.
func spdxLicense(ls []string) string {
	var ids []string
	for _, l := range ls {
		id := packages.NormalizeLicense(l)
		if id == packages.Unknown {
			continue
		}
		for _, part := range strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(id)) {
			if part != "AND" && part != "OR" && part != "WITH" && !packages.KnownSPDX(part) {
				id = ""
				break
			}
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	switch len(ids) {
	case 0:
		return "NOASSERTION"
	case 1:
		return ids[0]
	}
	return "(" + strings.Join(ids, ") AND (") + ")"
}

func spdxSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
