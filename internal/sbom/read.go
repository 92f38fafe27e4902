package sbom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// MaxSize bounds the SBOM documents read (a 100k-component SBOM is ~100 MB of JSON).
const MaxSize = 512 << 20

// maxDepth bounds CycloneDX component nesting.
const maxDepth = 64

// Source is an SBOM as a scan target: it yields no files, only its packages.
type Source struct {
	name     string
	format   string
	packages []finding.Package
	warnings []string
	unmapped int
}

// maxWarnings keeps a PURL-less SBOM from flooding the report with one note per component.
const maxWarnings = 20

// Describe implements scan.Source.
func (s *Source) Describe() finding.Target { return finding.Target{Kind: "sbom", Name: s.name} }

// Walk implements scan.Source: an SBOM has no files to read.
func (s *Source) Walk(context.Context, func(scan.Entry) error, func(finding.Skipped)) error {
	return nil
}

// Packages is what the SBOM lists; the engine adds them to the report before the finishers run.
func (s *Source) Packages() []finding.Package { return s.packages }

// Warnings are notes for the report (components without a PURL).
func (s *Source) Warnings() []string { return s.warnings }

// Format is cyclonedx or spdx.
func (s *Source) Format() string { return s.format }

// Open recognises a CycloneDX or SPDX JSON document by content; nil, nil when path is something else.
func Open(path string) (*Source, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	format := Sniff(head)
	if format == "" {
		return nil, nil
	}
	if st.Size() > MaxSize {
		return nil, fmt.Errorf("%s: SBOM of %d bytes exceeds the %d byte limit", path, st.Size(), MaxSize)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	s, err := Read(f, format, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.name = path
	return s, nil
}

// Sniff says whether a JSON document's start looks like CycloneDX or SPDX ("" otherwise).
func Sniff(head []byte) string {
	t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 || t[0] != '{' {
		return ""
	}
	switch {
	case bytes.Contains(t, []byte(`"bomFormat"`)) && bytes.Contains(t, []byte(`"CycloneDX"`)):
		return "cyclonedx"
	case bytes.Contains(t, []byte(`"spdxVersion"`)):
		return "spdx"
	}
	return ""
}

// Read parses a document of the given format. manifest names it on every package.
func Read(r io.Reader, format, manifest string) (*Source, error) {
	s := &Source{format: format}
	switch format {
	case "cyclonedx":
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(io.LimitReader(r, MaxSize), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			return nil, fmt.Errorf("CycloneDX: %w", err)
		}
		if bom.Components != nil {
			s.addComponents(*bom.Components, manifest, 0)
		}
	case "spdx":
		doc, err := spdxjson.Read(io.LimitReader(r, MaxSize))
		if err != nil {
			return nil, fmt.Errorf("SPDX: %w", err)
		}
		for _, p := range doc.Packages {
			if p == nil {
				continue
			}
			pkg := finding.Package{Name: p.PackageName, Version: p.PackageVersion, Manifest: manifest}
			for _, ref := range p.PackageExternalReferences {
				if ref != nil && strings.EqualFold(ref.RefType, "purl") {
					if fp, ok := packageFromPURL(ref.Locator); ok {
						fp.Manifest = manifest
						if fp.Version == "" {
							fp.Version = p.PackageVersion
						}
						pkg = fp
					}
					break
				}
			}
			for _, l := range []string{p.PackageLicenseDeclared, p.PackageLicenseConcluded} {
				if l != "" && l != "NOASSERTION" && l != "NONE" {
					pkg.Licenses = []string{l}
					break
				}
			}
			if pkg.PURL == "" && string(p.PackageSPDXIdentifier) == "target" {
				continue // the document's own subject (as Tollgate writes it)
			}
			s.add(pkg)
		}
	default:
		return nil, errors.New("unknown SBOM format " + format)
	}
	return s, nil
}

func (s *Source) addComponents(cs []cdx.Component, manifest string, depth int) {
	if depth > maxDepth {
		s.warnings = append(s.warnings, fmt.Sprintf("%s: components nested deeper than %d levels were not read", manifest, maxDepth))
		return
	}
	for _, c := range cs {
		pkg := finding.Package{Name: c.Name, Version: c.Version, Manifest: manifest}
		if c.Group != "" {
			pkg.Name = c.Group + "/" + c.Name
		}
		if c.PackageURL != "" {
			if fp, ok := packageFromPURL(c.PackageURL); ok {
				fp.Manifest = manifest
				if fp.Version == "" {
					fp.Version = c.Version
				}
				pkg = fp
			}
		}
		if c.Licenses != nil {
			for _, l := range *c.Licenses {
				switch {
				case l.Expression != "":
					pkg.Licenses = append(pkg.Licenses, l.Expression)
				case l.License != nil && l.License.ID != "":
					pkg.Licenses = append(pkg.Licenses, l.License.ID)
				case l.License != nil && l.License.Name != "":
					pkg.Licenses = append(pkg.Licenses, l.License.Name)
				}
			}
		}
		if c.Type != cdx.ComponentTypeFile && c.Type != cdx.ComponentTypeOS {
			s.add(pkg)
		}
		if c.Components != nil {
			s.addComponents(*c.Components, manifest, depth+1)
		}
	}
}

func (s *Source) add(p finding.Package) {
	if p.Name == "" {
		return
	}
	if p.Ecosystem == "" {
		s.unmapped++
		switch {
		case s.unmapped <= maxWarnings:
			s.warnings = append(s.warnings, fmt.Sprintf("%s: %s %s has no package URL Tollgate can map to an ecosystem; listed, not matched", p.Manifest, p.Name, p.Version))
		case s.unmapped == maxWarnings+1:
			s.warnings = append(s.warnings, fmt.Sprintf("%s: more components without a usable package URL; listed, not matched", p.Manifest))
		}
	}
	s.packages = append(s.packages, p)
}

var _ scan.Source = (*Source)(nil)
