package policy

import "testing"

func TestLicenseExpressions(t *testing.T) {
	allow := newLicenseList([]string{"MIT", "Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "GPL-3.0-or-later"})
	deny := newLicenseList([]string{"AGPL-3.0-only", "GPL-2.0"})
	tests := []struct {
		expr string
		want licenseVerdict
	}{
		{"MIT", licenseOK},
		{"mit", licenseOK},
		{"MIT OR GPL-3.0", licenseOK},
		{"GPL-3.0-only OR MIT", licenseOK},
		{"MIT AND Apache-2.0", licenseOK},
		{"MIT AND BSD-3-Clause", licenseNotAllowed},
		{"(MIT OR BSD-3-Clause) AND Apache-2.0", licenseOK},
		{"(MIT AND BSD-3-Clause) OR AGPL-3.0-only", licenseNotAllowed},
		{"AGPL-3.0", licenseDenied},
		{"AGPL-3.0-only OR AGPL-3.0-or-later", licenseNotAllowed},
		{"AGPL-3.0-only OR GPL-2.0", licenseDenied},
		{"GPL-2.0-only WITH Classpath-exception-2.0", licenseOK},
		{"GPL-2.0-only", licenseDenied},
		{"GPL-3.0+", licenseOK},
		{"MIT AND AGPL-3.0-only", licenseDenied},
		{"LicenseRef-Proprietary", licenseNotAllowed},
	}
	for _, tt := range tests {
		e, err := parseLicense(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := evalLicense(e, allow, deny); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"", "MIT OR", "(MIT", "MIT)", "AND MIT", "MIT WITH", "MI<T", "MIT MIT"} {
		if _, err := parseLicense(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestVersionRanges(t *testing.T) {
	tests := []struct {
		rng, v string
		want   bool
	}{
		{"<4.17.12", "4.17.11", true},
		{"<4.17.12", "4.17.12", false},
		{">=1.0.0, <1.2.3", "1.2.0", true},
		{">=1.0.0, <1.2.3", "1.10.0", false},
		{"=2.0.0 || >=3", "3.1", true},
		{"1.0.0", "v1.0.0", true},
		{"<1.0.0", "1.0.0-rc1", true},
		{"!=1.0", "1.0.0", false},
		{">0.9", "1.0", true},
	}
	for _, tt := range tests {
		r, err := parseRange(tt.rng)
		if err != nil {
			t.Fatalf("%q: %v", tt.rng, err)
		}
		if got := r.contains(tt.v); got != tt.want {
			t.Errorf("%q contains %q = %v, want %v", tt.rng, tt.v, got, tt.want)
		}
	}
	for _, bad := range []string{"", ">=", ">=1 <2", "1,,2"} {
		if _, err := parseRange(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseLicense(f *testing.F) {
	for _, s := range []string{"MIT OR (Apache-2.0 AND BSD-3-Clause)", "GPL-2.0-only WITH Classpath-exception-2.0", "((((MIT))))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := parseLicense(s); err == nil {
			evalLicense(e, newLicenseList([]string{"MIT"}), newLicenseList([]string{"GPL-3.0"}))
		}
	})
}
