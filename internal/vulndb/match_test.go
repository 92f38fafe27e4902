package vulndb

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

func importFixtures(t *testing.T) *DB {
	t.Helper()
	dir := t.TempDir()
	if _, err := Import(context.Background(), dir, mirror(t), Options{}); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMatch(t *testing.T) {
	db := importFixtures(t)
	type want struct {
		id, fix string
		sev     finding.Severity
		aliases []string
	}
	tests := []struct {
		name string
		pkg  finding.Package
		want []want // nil: no findings
	}{
		{"go two ranges, first line", finding.Package{Ecosystem: "Go", Name: "github.com/argoproj/argo-cd", Version: "v1.7.2"},
			[]want{{id: "GO-2022-0387", fix: "1.7.14", aliases: []string{"GHSA-6w87-g839-9wv7"}}}},
		{"go two ranges, second line", finding.Package{Ecosystem: "Go", Name: "github.com/argoproj/argo-cd", Version: "v1.8.3"},
			[]want{{id: "GO-2022-0387", fix: "1.8.7"}}},
		{"go between ranges", finding.Package{Ecosystem: "Go", Name: "github.com/argoproj/argo-cd", Version: "v1.7.14"}, nil},
		{"go module path is case-sensitive", finding.Package{Ecosystem: "Go", Name: "github.com/ArgoProj/argo-cd", Version: "v1.7.2"}, nil},
		{"go stdlib from the go directive", finding.Package{Ecosystem: "Go", Name: "stdlib", Version: "go1.22.3"},
			[]want{{id: "GO-2024-3107", fix: "1.22.7"}}},
		{"go toolchain 1.23.0", finding.Package{Ecosystem: "Go", Name: "toolchain", Version: "1.23.0"},
			[]want{{id: "GO-2024-3107", fix: "1.23.1"}}},
		{"go withdrawn is skipped", finding.Package{Ecosystem: "Go", Name: "k8s.io/kubernetes", Version: "v1.20.0"}, nil},
		{"pypi mixed GIT and ECOSYSTEM ranges", finding.Package{Ecosystem: "PyPI", Name: "SOSReport", Version: "3.5"},
			[]want{{id: "PYSEC-2017-72"}}},
		{"pypi mixed, below introduced", finding.Package{Ecosystem: "PyPI", Name: "sosreport", Version: "2.9"}, nil},
		{"pypi last_affected + GHSA alias merged", finding.Package{Ecosystem: "PyPI", Name: "py", Version: "1.11.0"},
			[]want{{id: "PYSEC-2022-42969", sev: finding.Medium, aliases: []string{"CVE-2022-42969", "GHSA-w596-4wvx-j9j6"}}}},
		{"pypi after last_affected", finding.Package{Ecosystem: "PyPI", Name: "py", Version: "1.11.1"}, nil},
		{"pypi versions[] only, PEP 440 equal", finding.Package{Ecosystem: "PyPI", Name: "Gratient", Version: "0.5.0"},
			[]want{{id: "PYSEC-2024-1"}}},
		{"pypi versions[] only, other version", finding.Package{Ecosystem: "PyPI", Name: "gratient", Version: "0.6"}, nil},
		{"pypi withdrawn", finding.Package{Ecosystem: "PyPI", Name: "loguru", Version: "0.5.0"}, nil},
		{"crates CVSS v3", finding.Package{Ecosystem: "crates.io", Name: "cache", Version: "0.2.0"},
			[]want{{id: "RUSTSEC-2021-0006", sev: finding.High}}},
		{"crates CVSS v4 scoring 0", finding.Package{Ecosystem: "crates.io", Name: "libcrux-psq", Version: "0.0.6"},
			[]want{{id: "RUSTSEC-2026-0024", fix: "0.0.7", sev: finding.Unknown}}},
		{"crates nearest of three fixes", finding.Package{Ecosystem: "crates.io", Name: "rustls", Version: "0.22.1"},
			[]want{{id: "RUSTSEC-2024-0336", fix: "0.22.4"}}},
		{"packagist repository suffix, last_affected", finding.Package{Ecosystem: "Packagist", Name: "drupal/oauth_server_sso", Version: "1.0.0"},
			[]want{{id: "DRUPAL-CONTRIB-2020-034"}}},
		{"npm scoped", finding.Package{Ecosystem: "npm", Name: "@babel/traverse", Version: "7.22.0"},
			[]want{{id: "TGTEST-NPM-1", fix: "7.23.2", sev: finding.Critical}}},
		{"npm prerelease line", finding.Package{Ecosystem: "npm", Name: "@babel/traverse", Version: "8.0.0-alpha.1"},
			[]want{{id: "TGTEST-NPM-1", fix: "8.0.0-alpha.4"}}},
		{"maven group:artifact, fix on same line", finding.Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"},
			[]want{{id: "GHSA-jfh8-c2jp-5v3q", fix: "2.15.0", sev: finding.Critical}}},
		{"maven older line", finding.Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.11.0"},
			[]want{{id: "GHSA-jfh8-c2jp-5v3q", fix: "2.12.2"}}},
		{"maven fixed", finding.Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1"}, nil},
		{"debian binary matched by source", finding.Package{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u2", SourceName: "openssl"},
			[]want{{id: "DSA-9999-1", fix: "3.0.14-1~deb12u1", sev: finding.Medium}}},
		{"debian other release does not count", finding.Package{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.15-1~deb12u1", SourceName: "openssl"}, nil},
		{"debian 11 line", finding.Package{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u5"},
			[]want{{id: "DSA-9999-1", fix: "1.1.1w-0+deb11u2"}}},
		{"alpine origin, release from os-release", finding.Package{Ecosystem: "Alpine:v3.20", Name: "libcrypto3", Version: "3.3.0-r2", SourceName: "openssl"},
			[]want{{id: "ALPINE-CVE-2024-5535", fix: "3.3.1-r1"}}},
		{"alpine other release", finding.Package{Ecosystem: "Alpine:v3.19", Name: "libcrypto3", Version: "3.1.0-r2", SourceName: "openssl"}, nil},
		{"almalinux rpm with epoch-less version and summary rating", finding.Package{Ecosystem: "AlmaLinux:8", Name: "libxml2-devel", Version: "2.9.7-9.el8_4.2"},
			[]want{{id: "ALSA-2022:0899", fix: "2.9.7-12.el8_5", sev: finding.Medium}}},
		{"bitnami", finding.Package{Ecosystem: "Bitnami", Name: "node", Version: "22.1.0"},
			[]want{{id: "BIT-node-2025-23122", fix: "22.15.1", aliases: []string{"CVE-2025-23122"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.pkg.Manifest = "lock"
			res, err := db.Match(context.Background(), []finding.Package{tt.pkg})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.RuleID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findings %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				f := res.Findings[i]
				if f.RuleID != w.id {
					t.Errorf("id %s, want %s", f.RuleID, w.id)
				}
				if w.fix != "" && f.Vuln.FixedVersion != w.fix {
					t.Errorf("fix %q, want %q", f.Vuln.FixedVersion, w.fix)
				}
				if w.sev != 0 && f.Severity != w.sev {
					t.Errorf("severity %s, want %s (vector %q)", f.Severity, w.sev, f.Vuln.CVSSVector)
				}
				if w.aliases != nil && !slices.Equal(f.Vuln.Aliases, w.aliases) {
					t.Errorf("aliases %v, want %v", f.Vuln.Aliases, w.aliases)
				}
				if w.fix != "" && !strings.Contains(f.Remediation, "upgrade "+tt.pkg.Name+" from "+tt.pkg.Version+" to "+w.fix) {
					t.Errorf("remediation %q", f.Remediation)
				}
				want := finding.Fingerprint(finding.KindVuln, w.id, "lock", tt.pkg.Ecosystem+"/"+tt.pkg.Name+"@"+tt.pkg.Version)
				if f.Fingerprint != want {
					t.Errorf("fingerprint %s, want %s", f.Fingerprint, want)
				}
			}
		})
	}
}

func TestMatchUnpinnedAndUncovered(t *testing.T) {
	db := importFixtures(t)
	res, err := db.Match(context.Background(), []finding.Package{
		{Ecosystem: "PyPI", Name: "py", Manifest: "requirements.txt", Line: 3},
		{Ecosystem: "RubyGems", Name: "rails", Version: "5.0.0", Manifest: "Gemfile.lock"},
		{Ecosystem: "Debian:12", Name: "openssl", Version: "a:1", Manifest: "var/lib/dpkg/status"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Kind != finding.KindUnpinned || res.Findings[0].Severity != finding.Low || res.Findings[0].Location.StartLine != 3 {
		t.Fatalf("findings %+v", res.Findings)
	}
	if !slices.Equal(res.Uncovered, []string{"RubyGems"}) {
		t.Errorf("uncovered %v", res.Uncovered)
	}
	if len(res.Unparsable) != 1 {
		t.Errorf("unparsable %v", res.Unparsable)
	}
}

func TestMatchDeduplicates(t *testing.T) {
	db := importFixtures(t)
	p := finding.Package{Ecosystem: "Go", Name: "stdlib", Version: "1.22.0", Manifest: "go.mod"}
	res, err := db.Match(context.Background(), []finding.Package{p, p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("got %d findings, want 1", len(res.Findings))
	}
}
