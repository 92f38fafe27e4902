package packages

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Unknown is the license of a package that declares none (or one Tollgate cannot name).
const Unknown = "UNKNOWN"

// licenseAliases maps free-text names seen in package metadata (lowercased, punctuation folded) to
// SPDX ids. The list covers what npm, PyPI, Maven, RubyGems and Debian copyright files commonly
// carry; anything else that already looks like an SPDX id is kept as written.
var licenseAliases = map[string]string{
	"mit": "MIT", "mit license": "MIT", "the mit license": "MIT", "expat": "MIT", "mit/expat": "MIT",
	"apache": "Apache-2.0", "apache 2": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache-2": "Apache-2.0",
	"apache2": "Apache-2.0", "apache license": "Apache-2.0", "apache license 2.0": "Apache-2.0",
	"apache license version 2.0": "Apache-2.0", "apache software license": "Apache-2.0",
	"the apache software license version 2.0": "Apache-2.0", "the apache license version 2.0": "Apache-2.0",
	"apache license v2.0": "Apache-2.0", "asl 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0",
	"apache 1.1": "Apache-1.1",
	"bsd":        "BSD-3-Clause", "bsd license": "BSD-3-Clause", "new bsd": "BSD-3-Clause", "new bsd license": "BSD-3-Clause",
	"bsd 3 clause": "BSD-3-Clause", "bsd-3": "BSD-3-Clause", "3-clause bsd": "BSD-3-Clause", "modified bsd": "BSD-3-Clause",
	"revised bsd": "BSD-3-Clause", "bsd 2 clause": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause",
	"freebsd": "BSD-2-Clause", "2-clause bsd": "BSD-2-Clause", "bsd-2": "BSD-2-Clause",
	"isc": "ISC", "isc license": "ISC",
	"gpl": "GPL-2.0-or-later", "gplv2": "GPL-2.0-only", "gpl v2": "GPL-2.0-only", "gpl-2": "GPL-2.0-only", "gpl2": "GPL-2.0-only",
	"gplv2+": "GPL-2.0-or-later", "gpl-2+": "GPL-2.0-or-later", "gpl-2.0+": "GPL-2.0-or-later",
	"gplv3": "GPL-3.0-only", "gpl v3": "GPL-3.0-only", "gpl-3": "GPL-3.0-only", "gpl3": "GPL-3.0-only",
	"gplv3+": "GPL-3.0-or-later", "gpl-3+": "GPL-3.0-or-later", "gpl-3.0+": "GPL-3.0-or-later",
	"gnu general public license v2": "GPL-2.0-only", "gnu general public license v3": "GPL-3.0-only",
	"gnu gpl v3": "GPL-3.0-only", "gnu gpl v2": "GPL-2.0-only",
	"gnu general public license v2 or later": "GPL-2.0-or-later", "gnu general public license v3 or later": "GPL-3.0-or-later",
	"lgpl": "LGPL-2.1-or-later", "lgplv2": "LGPL-2.0-only", "lgplv2.1": "LGPL-2.1-only", "lgpl-2.1": "LGPL-2.1-only",
	"lgpl-2.1+": "LGPL-2.1-or-later", "lgplv2+": "LGPL-2.0-or-later", "lgplv3": "LGPL-3.0-only", "lgpl-3": "LGPL-3.0-only",
	"lgpl-3+": "LGPL-3.0-or-later", "lgplv3+": "LGPL-3.0-or-later",
	"gnu lesser general public license v2.1": "LGPL-2.1-only", "gnu lesser general public license v3": "LGPL-3.0-only",
	"gnu library or lesser general public license": "LGPL-2.0-or-later",
	"agpl": "AGPL-3.0-only", "agplv3": "AGPL-3.0-only", "agpl-3": "AGPL-3.0-only", "agpl-3.0": "AGPL-3.0-only",
	"gnu affero general public license v3": "AGPL-3.0-only", "agplv3+": "AGPL-3.0-or-later",
	"mpl": "MPL-2.0", "mpl 2.0": "MPL-2.0", "mpl2": "MPL-2.0", "mozilla public license 2.0": "MPL-2.0",
	"mozilla public license 2.0 mpl 2.0": "MPL-2.0", "mpl 1.1": "MPL-1.1",
	"epl": "EPL-1.0", "epl 1.0": "EPL-1.0", "epl 2.0": "EPL-2.0", "eclipse public license 1.0": "EPL-1.0",
	"eclipse public license 2.0": "EPL-2.0", "eclipse public license v2.0": "EPL-2.0", "eclipse public license - v 2.0": "EPL-2.0",
	"cddl": "CDDL-1.0", "cddl 1.0": "CDDL-1.0", "cddl 1.1": "CDDL-1.1",
	"python software foundation license": "PSF-2.0", "psf": "PSF-2.0", "psfl": "PSF-2.0", "python-2.0": "Python-2.0",
	"zlib": "Zlib", "zlib/libpng": "Zlib", "unlicense": "Unlicense", "the unlicense": "Unlicense",
	"public domain": "LicenseRef-public-domain", "cc0": "CC0-1.0", "cc0 1.0": "CC0-1.0", "cc0-1.0": "CC0-1.0",
	"wtfpl": "WTFPL", "0bsd": "0BSD", "boost": "BSL-1.0", "boost software license 1.0": "BSL-1.0",
	"artistic": "Artistic-1.0-Perl", "artistic-2": "Artistic-2.0", "artistic 2.0": "Artistic-2.0",
	"ruby": "Ruby", "openssl": "OpenSSL", "bsd-3-clause": "BSD-3-Clause", "bsd-2-clause": "BSD-2-Clause",
	"mit-0": "MIT-0", "blueoak-1.0.0": "BlueOak-1.0.0", "cc-by-4.0": "CC-BY-4.0", "cc-by-3.0": "CC-BY-3.0",
	"cc-by-sa-4.0": "CC-BY-SA-4.0",
}

var (
	trailingParen = regexp.MustCompile(`\s*\([^()]*\)\s*$`)
	spaces        = regexp.MustCompile(`[\s_,]+`)
	spdxLike      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+-]*$`)
	// Compound expressions are normalised part by part.
	exprSplit = regexp.MustCompile(`(?i)\s+(AND|OR|WITH)\s+|\s*/\s*|\s*;\s*`)
)

// NormalizeLicense returns the SPDX id (or expression) for a declared license, or Unknown.
func NormalizeLicense(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" || strings.EqualFold(s, "unknown") || strings.EqualFold(s, "none") || strings.EqualFold(s, "noassertion") ||
		strings.EqualFold(s, "UNLICENSED") || strings.EqualFold(s, "see license") || strings.EqualFold(s, "see license file") {
		return Unknown
	}
	if id, ok := lookupLicense(s); ok {
		return id
	}
	// "MIT OR Apache-2.0", "GPL-2+ / BSD": normalise each operand and keep the operators.
	if locs := exprSplit.FindAllStringIndex(s, -1); len(locs) > 0 {
		var b strings.Builder
		prev := 0
		for _, l := range locs {
			part := NormalizeLicense(s[prev:l[0]])
			b.WriteString(part)
			op := strings.ToUpper(strings.TrimSpace(s[l[0]:l[1]]))
			switch op {
			case "/", ";":
				op = "OR"
			}
			b.WriteString(" " + op + " ")
			prev = l[1]
		}
		b.WriteString(NormalizeLicense(s[prev:]))
		return b.String()
	}
	if spdxLike.MatchString(s) && strings.ContainsAny(s, "-.0123456789") {
		return s // already an SPDX-looking id (e.g. "BSD-4-Clause", "OFL-1.1")
	}
	return Unknown
}

func lookupLicense(s string) (string, bool) {
	k := strings.ToLower(spaces.ReplaceAllString(s, " "))
	if id, ok := licenseAliases[k]; ok {
		return id, true
	}
	// Drop trailing noise: "MIT License (MIT)", "Apache License, Version 2.0".
	k = strings.TrimPrefix(trailingParen.ReplaceAllString(k, ""), "the ")
	k = strings.NewReplacer("version ", "", "(", "", ")", "", "licence", "license", " v.", " ").Replace(k)
	k = strings.TrimSpace(k)
	if id, ok := licenseAliases[k]; ok {
		return id, true
	}
	if id, ok := licenseAliases[strings.TrimSuffix(k, " license")]; ok {
		return id, true
	}
	return "", false
}

// LicenseScanner turns the packages the extractor found into one license finding per package.
// It reads no files itself (Wants is always false): scanners.Build adds the package extractor once,
// whichever of vuln, license or sbom asked for it, and this Finisher reads rep.Packages.
type LicenseScanner struct{}

// NewLicenseScanner returns the license scanner.
func NewLicenseScanner() *LicenseScanner { return &LicenseScanner{} }

// Name implements scan.Analyzer.
func (*LicenseScanner) Name() string { return "license" }

// Wants implements scan.Analyzer: the scanner works on packages, never on files.
func (*LicenseScanner) Wants(string, int64) bool { return false }

// Analyze is never called.
func (*LicenseScanner) Analyze(context.Context, *scan.File) (scan.Result, error) {
	return scan.Result{}, nil
}

// Finish emits the license findings.
func (*LicenseScanner) Finish(_ context.Context, rep *finding.Report) error {
	for _, p := range rep.Packages {
		rep.Findings = append(rep.Findings, LicenseFinding(p))
	}
	return nil
}

// LicenseFinding is the finding for one package's declared license(s).
func LicenseFinding(p finding.Package) finding.Finding {
	var ids []string
	for _, l := range p.Licenses {
		if id := NormalizeLicense(l); id != Unknown || len(p.Licenses) == 1 {
			ids = append(ids, id)
		}
	}
	lic := Unknown
	if len(ids) == 1 {
		lic = ids[0]
	} else if len(ids) > 1 {
		lic = "(" + strings.Join(ids, ") AND (") + ")"
	}
	sev, title := finding.Low, fmt.Sprintf("%s %s is licensed %s", p.Name, p.Version, lic)
	if lic == Unknown {
		sev, title = finding.Unknown, fmt.Sprintf("%s %s declares no license", p.Name, p.Version)
	}
	path := p.Manifest
	return finding.Finding{
		Kind:        finding.KindLicense,
		RuleID:      "license:" + lic,
		Severity:    sev,
		Title:       title,
		Message:     fmt.Sprintf("%s package %s@%s: declared %s, license %s", p.Ecosystem, p.Name, p.Version, declared(p.Licenses), lic),
		Location:    finding.Location{Path: path, StartLine: p.Line, Layer: p.Layer, Resource: p.Ecosystem + "/" + p.Name},
		Fingerprint: finding.Fingerprint(finding.KindLicense, "license", path, p.Ecosystem, p.Name, p.Version, lic),
		License:     lic,
	}
}

var (
	_ scan.Analyzer = (*LicenseScanner)(nil)
	_ scan.Finisher = (*LicenseScanner)(nil)
)

func declared(ls []string) string {
	if len(ls) == 0 {
		return "nothing"
	}
	return strconv.Quote(strings.Join(ls, ", "))
}

// KnownSPDX reports whether id is one of the SPDX license ids this package normalises to, so
// writers can put it in an SPDX id field (anything else goes in a free-text name).
func KnownSPDX(id string) bool {
	if strings.HasPrefix(id, "LicenseRef-") {
		return false
	}
	_, ok := knownIDs[id]
	return ok
}

var knownIDs = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, id := range licenseAliases {
		m[id] = struct{}{}
	}
	for _, id := range []string{"BSD-4-Clause", "OFL-1.1", "MPL-1.0", "EUPL-1.2", "Apache-1.0", "GPL-1.0-only",
		"LGPL-2.0-only", "AGPL-1.0", "CC-BY-SA-3.0", "NCSA", "PostgreSQL", "X11", "curl", "Unicode-DFS-2016", "LLVM-exception"} {
		m[id] = struct{}{}
	}
	return m
}()
