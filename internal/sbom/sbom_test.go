package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func sampleReport() *finding.Report {
	yes := true
	pub := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	return &finding.Report{
		Tool:       finding.Tool{Name: "tollgate", Version: "1.2.3"},
		Target:     finding.Target{Kind: "image", Name: "app.tar", Digest: "sha256:" + strings.Repeat("ab", 32), OS: "Debian GNU/Linux 12 (bookworm)"},
		StartedAt:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		FinishedAt: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC),
		Packages: []finding.Package{
			{Ecosystem: "Go", Name: "golang.org/x/net", Version: "0.17.0", PURL: "pkg:golang/golang.org/x/net@0.17.0", Manifest: "app/go.mod", Line: 9, Direct: &yes},
			{Ecosystem: "Go", Name: "stdlib", Version: "1.21.0", PURL: "pkg:golang/stdlib@1.21.0", Manifest: "app/go.mod"},
			{Ecosystem: "npm", Name: "@types/node", Version: "20.8.10", PURL: "pkg:npm/%40types/node@20.8.10", Manifest: "web/package-lock.json", Licenses: []string{"MIT"}},
			{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Manifest: "pom.xml", Licenses: []string{"Apache License, Version 2.0"}},
			{Ecosystem: "PyPI", Name: "dual", Version: "1.0", PURL: "pkg:pypi/dual@1.0", Manifest: "requirements.txt", Licenses: []string{"MIT OR Apache-2.0", "Some custom terms"}},
			{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u2", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl%403.0.11-1~deb12u2",
				Manifest: "var/lib/dpkg/status", Layer: "sha256:" + strings.Repeat("cd", 32), LayerCmd: "RUN apt-get install -y openssl", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2"},
			{Ecosystem: "Alpine:v3.20", Name: "musl", Version: "1.2.5-r0", PURL: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=3.20.3&origin=musl", Manifest: "lib/apk/db/installed", SourceName: "musl", SourceVersion: "1.2.5-r0"},
			{Ecosystem: "PyPI", Name: "flask", Version: "", PURL: "pkg:pypi/flask", Manifest: "requirements.txt"},
		},
		Findings: []finding.Finding{
			{Kind: finding.KindVuln, RuleID: "GO-2023-2102", Severity: finding.High, Vuln: &finding.Vuln{
				ID: "GO-2023-2102", Aliases: []string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"}, Summary: "HTTP/2 rapid reset",
				Ecosystem: "Go", Package: "golang.org/x/net", Version: "0.17.0", FixedVersion: "0.17.1",
				CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", CVSSScore: 7.5, Published: &pub}},
			{Kind: finding.KindSecret, RuleID: "aws-access-key", Severity: finding.Critical},
		},
	}
}

func TestCycloneDX(t *testing.T) {
	var buf bytes.Buffer
	r := sampleReport()
	if err := WriteCycloneDX(&buf, r); err != nil {
		t.Fatal(err)
	}
	validateCycloneDXSchema(t, buf.Bytes())

	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != cdx.SpecVersion1_6 || bom.Version != 1 {
		t.Errorf("header: %s %v %d", bom.BOMFormat, bom.SpecVersion, bom.Version)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(bom.SerialNumber) {
		t.Errorf("serialNumber %q", bom.SerialNumber)
	}
	if bom.Metadata == nil || bom.Metadata.Component == nil || bom.Metadata.Component.Type != cdx.ComponentTypeContainer {
		t.Errorf("metadata %+v", bom.Metadata)
	}
	if bom.Components == nil || len(*bom.Components) != len(r.Packages) {
		t.Fatalf("components: %v", bom.Components)
	}
	refs := map[string]bool{}
	for _, c := range *bom.Components {
		if c.BOMRef == "" || c.Name == "" || c.Type != cdx.ComponentTypeLibrary || refs[c.BOMRef] {
			t.Errorf("component %+v", c)
		}
		refs[c.BOMRef] = true
		if c.Name == "log4j-core" && (c.Group != "org.apache.logging.log4j" || c.Licenses == nil || (*c.Licenses)[0].License.ID != "Apache-2.0") {
			t.Errorf("maven component %+v", c)
		}
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) != 1 {
		t.Fatalf("vulnerabilities: %v", bom.Vulnerabilities)
	}
	v := (*bom.Vulnerabilities)[0]
	if v.ID != "GO-2023-2102" || v.Affects == nil || len(*v.Affects) != 1 || !refs[(*v.Affects)[0].Ref] ||
		(*v.Ratings)[0].Severity != cdx.SeverityHigh || (*v.Ratings)[0].Method != cdx.ScoringMethodCVSSv31 || len(*v.References) != 2 {
		t.Errorf("vulnerability %+v", v)
	}

	// The same report gives the same document.
	var again bytes.Buffer
	WriteCycloneDX(&again, sampleReport())
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("CycloneDX output is not deterministic")
	}

	// Round trip: the document read back as a target lists the same packages.
	s, err := Read(bytes.NewReader(buf.Bytes()), Sniff(buf.Bytes()), "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	assertSamePackages(t, r.Packages, s.Packages())
}

func TestSPDX(t *testing.T) {
	var buf bytes.Buffer
	r := sampleReport()
	if err := WriteSPDX(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXIdentifier != "DOCUMENT" ||
		!strings.HasPrefix(doc.DocumentNamespace, "https://") || doc.CreationInfo == nil || len(doc.CreationInfo.Creators) == 0 ||
		doc.CreationInfo.Created != "2026-01-02T03:04:06Z" {
		t.Errorf("document header %+v %+v", doc, doc.CreationInfo)
	}
	if len(doc.Packages) != len(r.Packages)+1 || len(doc.Relationships) != len(r.Packages)+1 {
		t.Errorf("%d packages, %d relationships", len(doc.Packages), len(doc.Relationships))
	}
	idRe := regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	licRe := regexp.MustCompile(`^(NOASSERTION|[A-Za-z0-9.+() -]+)$`)
	for _, p := range doc.Packages {
		if !idRe.MatchString(string(p.PackageSPDXIdentifier)) || p.PackageDownloadLocation == "" || !licRe.MatchString(p.PackageLicenseDeclared) {
			t.Errorf("package %+v", p)
		}
		if p.PackageName == "dual" && p.PackageLicenseDeclared != "MIT OR Apache-2.0" {
			t.Errorf("dual license %q", p.PackageLicenseDeclared)
		}
	}
	s, err := Read(bytes.NewReader(buf.Bytes()), Sniff(buf.Bytes()), "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	assertSamePackages(t, r.Packages, s.Packages())
}

func assertSamePackages(t *testing.T, want, got []finding.Package) {
	t.Helper()
	key := func(p finding.Package) string {
		return p.Ecosystem + " " + p.Name + " " + p.Version + " " + p.SourceName
	}
	var w, g []string
	for _, p := range want {
		w = append(w, key(p))
	}
	for _, p := range got {
		g = append(g, key(p))
		if p.Manifest != "bom.json" {
			t.Errorf("manifest %q", p.Manifest)
		}
	}
	slices.Sort(w)
	slices.Sort(g)
	if !slices.Equal(w, g) {
		t.Errorf("packages read back differ:\n got %q\nwant %q", g, w)
	}
}

func validateCycloneDXSchema(t *testing.T, doc []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "schema", f))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, v); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("CycloneDX document does not validate against the 1.6 schema: %v", err)
	}
}

func TestSniffAndOpen(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if s, err := Open(write("package.json", `{"name":"x","version":"1.0.0"}`)); s != nil || err != nil {
		t.Errorf("package.json opened as SBOM: %v %v", s, err)
	}
	if s, err := Open(write("broken.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{`)); s != nil || err == nil {
		t.Errorf("broken SBOM: %v %v", s, err)
	}
	// A third-party CycloneDX (nested components, no PURL on one).
	s, err := Open(write("trivy.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
	 "components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20",
	   "licenses":[{"license":{"id":"MIT"}}],
	   "components":[{"type":"library","name":"inner","version":"1.0.0","purl":"pkg:cargo/inner@1.0.0"}]},
	  {"type":"library","name":"mystery","version":"0.1"},
	  {"type":"operating-system","name":"debian","version":"12"}]}`))
	if err != nil || s == nil {
		t.Fatalf("Open: %v", err)
	}
	got := s.Packages()
	if len(got) != 3 || got[0].Ecosystem != "npm" || got[0].Licenses[0] != "MIT" || got[1].Ecosystem != "crates.io" || got[2].Ecosystem != "" || len(s.Warnings()) != 1 {
		t.Errorf("packages %+v warnings %v", got, s.Warnings())
	}
}

func TestPackageFromPURL(t *testing.T) {
	for in, want := range map[string]string{
		"pkg:golang/github.com/gin-gonic/gin@v1.9.0":               "Go github.com/gin-gonic/gin 1.9.0",
		"pkg:npm/%40babel/core@7.22.0":                             "npm @babel/core 7.22.0",
		"pkg:maven/org.yaml/snakeyaml@1.33":                        "Maven org.yaml:snakeyaml 1.33",
		"pkg:pypi/django@4.2.7":                                    "PyPI django 4.2.7",
		"pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12": "Debian:12 openssl 3.0.11-1~deb12u2",
		"pkg:apk/alpine/busybox@1.36.1-r29?distro=3.20.3":          "Alpine:v3.20 busybox 1.36.1-r29",
		"pkg:composer/guzzlehttp/guzzle@7.4.4":                     "Packagist guzzlehttp/guzzle 7.4.4",
		"pkg:nuget/Newtonsoft.Json@12.0.1":                         "NuGet Newtonsoft.Json 12.0.1",
	} {
		p, ok := packageFromPURL(in)
		if got := p.Ecosystem + " " + p.Name + " " + p.Version; !ok || got != want {
			t.Errorf("%s -> %q, want %q", in, got, want)
		}
	}
	if _, ok := packageFromPURL("not a purl"); ok {
		t.Error("accepted junk")
	}
}

func FuzzRead(f *testing.F) {
	var cd, sp bytes.Buffer
	WriteCycloneDX(&cd, sampleReport())
	WriteSPDX(&sp, sampleReport())
	f.Add(cd.Bytes())
	f.Add(sp.Bytes())
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{"purl":"pkg:deb/x@1?distro=-"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if format := Sniff(b); format != "" {
			_, _ = Read(bytes.NewReader(b), format, "bom.json")
		}
	})
}
