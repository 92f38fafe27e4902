package packages

import (
	"context"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func TestNormalizeLicense(t *testing.T) {
	for in, want := range map[string]string{
		"MIT":                         "MIT",
		"MIT License":                 "MIT",
		"The MIT License (MIT)":       "MIT",
		"Apache 2.0":                  "Apache-2.0",
		"Apache License, Version 2.0": "Apache-2.0",
		"The Apache Software License, Version 2.0": "Apache-2.0",
		"BSD":                                "BSD-3-Clause",
		"new BSD license":                    "BSD-3-Clause",
		"GPLv2+":                             "GPL-2.0-or-later",
		"LGPL-2.1+":                          "LGPL-2.1-or-later",
		"MIT OR Apache-2.0":                  "MIT OR Apache-2.0",
		"GPL-2+ / BSD":                       "GPL-2.0-or-later OR BSD-3-Clause",
		"Apache-2.0 WITH LLVM-exception":     "Apache-2.0 WITH LLVM-exception",
		"BSD-4-Clause":                       "BSD-4-Clause",
		"":                                   Unknown,
		"UNLICENSED":                         Unknown,
		"see LICENSE file":                   Unknown,
		"Some proprietary terms apply":       Unknown,
		"Python Software Foundation License": "PSF-2.0",
		"Eclipse Public License - v 2.0":     "EPL-2.0",
	} {
		if got := NormalizeLicense(in); got != want {
			t.Errorf("NormalizeLicense(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLicenseScannerFinish(t *testing.T) {
	rep := &finding.Report{Packages: []finding.Package{
		{Ecosystem: "Alpine:v3.20", Name: "musl", Version: "1.2.5-r0", Manifest: "lib/apk/db/installed", Licenses: []string{"MIT"}},
		{Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Manifest: "package-lock.json", Line: 12},
		{Ecosystem: "PyPI", Name: "dual", Version: "1.0", Manifest: "requirements.txt", Licenses: []string{"MIT License", "Apache 2.0"}},
	}}
	if err := NewLicenseScanner().Finish(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		lic string
		sev finding.Severity
	}{{"MIT", finding.Low}, {Unknown, finding.Unknown}, {"(MIT) AND (Apache-2.0)", finding.Low}}
	if len(rep.Findings) != len(want) {
		t.Fatalf("got %d findings", len(rep.Findings))
	}
	seen := map[string]bool{}
	for i, w := range want {
		f := rep.Findings[i]
		if f.Kind != finding.KindLicense || f.License != w.lic || f.Severity != w.sev || f.Fingerprint == "" {
			t.Errorf("finding %d = %+v, want license %s severity %s", i, f, w.lic, w.sev)
		}
		if seen[f.Fingerprint] {
			t.Errorf("duplicate fingerprint %s", f.Fingerprint)
		}
		seen[f.Fingerprint] = true
	}
	if rep.Findings[1].Location.StartLine != 12 {
		t.Errorf("line not kept: %+v", rep.Findings[1].Location)
	}
}

func FuzzNormalizeLicense(f *testing.F) {
	for _, s := range []string{"MIT", "GPL-2+ / BSD", "(MIT OR Apache-2.0) AND BSD", " / ; OR AND", "Apache License, Version 2.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if NormalizeLicense(s) == "" {
			t.Fatalf("empty result for %q", s)
		}
	})
}
