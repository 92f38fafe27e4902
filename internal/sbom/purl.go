// Package sbom owns SBOMs both ways: reading a CycloneDX or SPDX JSON document as a ready package
// list (a scan target), and writing a report's packages as CycloneDX 1.6 or SPDX 2.3 JSON.
package sbom

import (
	"strings"

	"github.com/google/osv-scalibr/purl"
	purlecosystem "github.com/google/osv-scalibr/purl/ecosystem"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// purlEcosystems maps PURL types to OSV ecosystem names.
var purlEcosystems = map[string]string{
	packageurl.TypeGolang: "Go", packageurl.TypeNPM: "npm", packageurl.TypePyPi: "PyPI",
	packageurl.TypeMaven: "Maven", packageurl.TypeCargo: "crates.io", packageurl.TypeGem: "RubyGems",
	packageurl.TypeComposer: "Packagist", packageurl.TypeNuget: "NuGet", packageurl.TypePub: "Pub",
	packageurl.TypeHex: "Hex", packageurl.TypeSwift: "SwiftURL", packageurl.TypeConan: "ConanCenter",
	packageurl.TypeHackage: "Hackage", packageurl.TypeCran: "CRAN",
}

// packageFromPURL fills ecosystem, name and version the way the extractor names them, so an SBOM
// package matches the same advisories as the lockfile it came from.
func packageFromPURL(s string) (finding.Package, bool) {
	u, err := packageurl.FromString(s)
	if err != nil {
		return finding.Package{}, false
	}
	p := finding.Package{PURL: u.ToString(), Version: u.Version}
	switch u.Type {
	case packageurl.TypeDebian, packageurl.TypeApk:
		sp, err := purl.FromString(s)
		if err != nil {
			return finding.Package{}, false
		}
		p.Ecosystem = purlecosystem.FromPURL(&sp).String()
		p.Name = u.Name
		q := u.Qualifiers.Map()
		if src := q["upstream"]; src != "" { // Syft and Trivy: upstream=openssl@3.0.11
			p.SourceName, _, _ = strings.Cut(src, "@")
		}
		if o := q["origin"]; o != "" { // scalibr: origin=openssl (Alpine)
			p.SourceName = o
		}
		if p.SourceName != "" {
			p.SourceVersion = u.Version
		}
		if sv := q["sourceversion"]; sv != "" {
			p.SourceVersion = sv
		}
		return p, p.Ecosystem != ""
	case packageurl.TypeRPM:
		p.Ecosystem = "" // RPM distros need more than a PURL says; kept, not matched
		p.Name = u.Name
		return p, true
	}
	eco, ok := purlEcosystems[u.Type]
	if !ok {
		p.Name = joinNS(u.Namespace, u.Name, "/")
		return p, true
	}
	p.Ecosystem = eco
	switch u.Type {
	case packageurl.TypeMaven:
		p.Name = joinNS(u.Namespace, u.Name, ":")
	case packageurl.TypeGolang:
		p.Name = joinNS(u.Namespace, u.Name, "/")
		p.Version = strings.TrimPrefix(p.Version, "v") // OSV's Go versions carry no "v"
	case packageurl.TypeNPM, packageurl.TypeComposer, packageurl.TypeSwift:
		p.Name = joinNS(u.Namespace, u.Name, "/")
	default:
		p.Name = u.Name
	}
	return p, true
}

func joinNS(ns, name, sep string) string {
	if ns == "" {
		return name
	}
	return ns + sep + name
}
