package packages

import (
	"strings"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// convert turns a scalibr package into Tollgate's: OSV ecosystem names exactly (OS ecosystems carry
// the distro version scalibr read from /etc/os-release), the manifest path and line, licenses and
// the OS source package the advisories are filed under.
func convert(p *extractor.Package, f *scan.File, extractorName string) finding.Package {
	out := finding.Package{
		Ecosystem: p.Ecosystem().String(),
		Name:      p.Name,
		Version:   p.Version,
		Manifest:  f.Path,
		Layer:     f.Layer,
	}
	if d := p.Location.Descriptor; d != nil && d.File != nil {
		out.Line = d.File.LineNumber
	}
	// Go binaries record the toolchain as "go"; OSV files standard-library advisories under "stdlib".
	if extractorName == "go/binary" && p.Name == "go" {
		out.Name = "stdlib"
		p.Name = "stdlib"
	}
	if u := p.PURL(); u != nil {
		// scalibr tags npm PURLs with a private "source" qualifier; the PURL spec has no such key.
		kept := u.Qualifiers[:0]
		for _, q := range u.Qualifiers {
			if q.Key != "source" {
				kept = append(kept, q)
			}
		}
		u.Qualifiers = kept
		out.PURL = u.String()
	}
	for _, l := range p.Licenses {
		if l != "" {
			out.Licenses = append(out.Licenses, l)
		}
	}
	switch m := p.Metadata.(type) {
	case *requirements.Metadata:
		// "Flask>=2.0" names a floor, not what is installed: report it unpinned (Version "") rather
		// than matching advisories against a version that may never be deployed.
		if m.VersionComparator != "==" && m.VersionComparator != "===" {
			out.Version = ""
			out.PURL = strings.TrimSuffix(out.PURL, "@"+p.Version)
		}
	case *dpkgmeta.Metadata:
		out.SourceName, out.SourceVersion = m.SourceName, m.SourceVersion
		if out.SourceName == "" {
			out.SourceName = m.PackageName
		}
		if out.SourceVersion == "" {
			out.SourceVersion = p.Version
		}
	case *apkmeta.Metadata:
		out.SourceName = m.OriginName
		if out.SourceName != "" {
			out.SourceVersion = p.Version
		}
	}
	return out
}
