package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigParses(t *testing.T) {
	cfg, err := ParseConfig("tollgate.yaml", DefaultConfig)
	if err != nil {
		t.Fatalf("the default written by config init must be valid: %v", err)
	}
	if cfg.FailOn.Default != "high" || cfg.FailOn.Kinds["secret"] != "low" {
		t.Errorf("fail-on = %+v", cfg.FailOn)
	}
}

func TestGoodConfig(t *testing.T) {
	cfg, err := LoadConfig("testdata/config/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Waivers) != 2 {
		t.Fatalf("waivers = %d", len(cfg.Waivers))
	}
	w := cfg.Waivers[0]
	if w.Source != "testdata/config/good.yaml:20" || w.Owner != "team-web@example.com" {
		t.Errorf("waiver 0 = %+v", w)
	}
	if got := w.Expires.Time.Format(time.RFC3339); got != "2026-06-30T23:59:59Z" {
		t.Errorf("a day expiry lasts the whole day, got %s", got)
	}
	if cfg.FailOn.Kinds["license"] != "none" || cfg.Vulns.FixGraceDays != 30 || !cfg.IgnoreUnfixed {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of the error, the first being file:line
	}{
		{"unknown-top.yaml", []string{"unknown-top.yaml:2:", `unknown key "fail_on"`, "allowed:"}},
		{"unknown-nested.yaml", []string{"unknown-nested.yaml:3:", `"denny" in licenses`}},
		{"unknown-waiver-key.yaml", []string{"unknown-waiver-key.yaml:6:", `"expiry" in waivers[0]`}},
		{"unknown-kind.yaml", []string{"unknown-kind.yaml:2:", `"secrte" in fail-on`}},
		{"waiver-no-owner.yaml", []string{"waiver-no-owner.yaml:3:", "waiver 1: owner is required"}},
		{"waiver-no-expiry.yaml", []string{"waiver-no-expiry.yaml:2:", "expires is required"}},
		{"waiver-no-scope.yaml", []string{"waiver-no-scope.yaml:2:", "no scope"}},
		{"bad-date.yaml", []string{"bad-date.yaml:5:", `invalid date "2026-13-45"`}},
		{"bad-severity.yaml", []string{"bad-severity.yaml:1:", `"severe" is not a severity`}},
		{"malformed.yaml", []string{"malformed.yaml:2:", "indicator"}},
		{"wrong-type.yaml", []string{"wrong-type.yaml:2:", "thirty"}},
		{"not-mapping.yaml", []string{"not-mapping.yaml:1:", "mapping"}},
		{"bad-range.yaml", []string{"bad-range.yaml:2:", "versions"}},
		{"bad-license.yaml", []string{"bad-license.yaml", "MIT OR"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadConfig(filepath.Join("testdata/config", tt.file))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEmptyConfigIsDefault(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "\xef\xbb\xbf"} {
		if _, err := ParseConfig("t.yaml", []byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestFailOnScalar(t *testing.T) {
	cfg, err := ParseConfig("t.yaml", []byte("fail-on: critical\n"))
	if err != nil || cfg.FailOn.Default != "critical" {
		t.Fatalf("%+v %v", cfg, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(DefaultConfig)
	entries, _ := os.ReadDir("testdata/config")
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join("testdata/config", e.Name()))
		f.Add(b)
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("waivers: [{rule: x, reason: r, owner: o, expires: 2026-01-01, versions: '=1'}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yaml", data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
		if err == nil {
			for _, w := range cfg.Waivers {
				if w.Expires == nil || w.Owner == "" || w.Reason == "" {
					t.Fatalf("accepted a waiver without owner, reason or expiry: %+v", w)
				}
			}
		}
	})
}
