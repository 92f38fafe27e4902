package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// ConfigFile is the policy file's name in the root of a scanned repository.
const ConfigFile = "tollgate.yaml"

// Config is tollgate.yaml. schema/tollgate.schema.json documents the same shape; keep them in step.
type Config struct {
	Version       int            `yaml:"version"`
	FailOn        FailOn         `yaml:"fail-on"`
	IgnoreUnfixed bool           `yaml:"ignore-unfixed"`
	Vulns         VulnRules      `yaml:"vulnerabilities"`
	Licenses      LicenseRules   `yaml:"licenses"`
	Secrets       SecretRules    `yaml:"secrets"`
	Misconfig     MisconfigRules `yaml:"misconfig"`
	Waivers       []Waiver       `yaml:"waivers"`
	Imports       Imports        `yaml:"imports"`
	VEX           []string       `yaml:"vex"`
	Baseline      string         `yaml:"baseline"`

	// File is where the config was read from ("" for the built-in default).
	File string `yaml:"-"`
}

// FailOn is either one threshold ("high") or one per finding kind with a default.
type FailOn struct {
	Default string            `yaml:"default"`
	Kinds   map[string]string `yaml:"-"`
	set     bool
}

// VulnRules are the vulnerability-specific gate rules.
type VulnRules struct {
	// FixGraceDays: a vulnerability fails the gate only once a fix has been published for more than
	// this many days (an SLA); younger ones warn. 0 disables the rule.
	FixGraceDays int `yaml:"fix-grace-days"`
	// IgnoreUnfixed is the same as the top-level ignore-unfixed.
	IgnoreUnfixed bool `yaml:"ignore-unfixed"`
}

// LicenseRules decide license findings by SPDX id. Expressions are evaluated: "MIT OR GPL-3.0-only"
// passes when MIT is allowed.
type LicenseRules struct {
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
	// Unknown is what an unrecognised or missing license does: fail, warn (default) or ignore.
	Unknown string `yaml:"unknown"`
}

// SecretRules: a validated secret fails regardless of severity unless this is explicitly false.
type SecretRules struct {
	FailOnValidated *bool `yaml:"fail-on-validated"`
}

// MisconfigRules turn checks off or change their severity.
type MisconfigRules struct {
	Disable  []string          `yaml:"disable"`
	Severity map[string]string `yaml:"severity"`
}

// Imports say which other tools' ignore files become waivers (default: both).
type Imports struct {
	Trivyignore    *bool `yaml:"trivyignore"`
	Gitleaksignore *bool `yaml:"gitleaksignore"`
}

// knownKinds are the keys fail-on accepts besides "default". A new scanner kind adds its name here to be
// configurable per kind; its findings flow through the default threshold without it.
var knownKinds = []string{
	string(finding.KindSecret), string(finding.KindVuln), string(finding.KindMisconfig),
	string(finding.KindLicense), string(finding.KindUnpinned),
}

// Error is a config problem at a place in a file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// lineError is returned from UnmarshalYAML so the loader can name the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// LoadConfig reads a tollgate.yaml. Unknown keys, bad values, waivers without reason, owner or expiry
// and invalid dates are errors naming the file and line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// ParseConfig parses and validates a tollgate.yaml held in memory; name is used in errors.
func ParseConfig(name string, data []byte) (*Config, error) {
	cfg := &Config{File: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(trimBOM(data), &doc); err != nil {
		return nil, yamlErr(name, err)
	}
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file is the default policy
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "the policy must be a mapping of keys (see tollgate config init)"}
	}
	if err := checkKeys(name, root, reflect.TypeOf(Config{}), ""); err != nil {
		return nil, err
	}
	if err := root.Decode(cfg); err != nil {
		return nil, yamlErr(name, err)
	}
	cfg.File = name
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// yamlErr turns yaml.v3's "line N: msg" errors into file:line errors, one per problem.
func yamlErr(name string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return &Error{File: name, Line: le.line, Msg: le.msg}
	}
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var errs []error
	for _, m := range msgs {
		if sm := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			errs = append(errs, &Error{File: name, Line: n, Msg: sm[2]})
			continue
		}
		errs = append(errs, &Error{File: name, Msg: strings.TrimPrefix(m, "yaml: ")})
	}
	return errors.Join(errs...)
}

// checkKeys rejects keys the Go type does not declare, with the line and the keys that are allowed,
// so a typo never silently loosens the gate.
func checkKeys(file string, n *yaml.Node, t reflect.Type, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case t == reflect.TypeOf(FailOn{}):
		if n.Kind != yaml.MappingNode {
			return nil
		}
		allowed := append([]string{"default"}, knownKinds...)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !slices.Contains(allowed, k) {
				return &Error{File: file, Line: n.Content[i].Line,
					Msg: fmt.Sprintf("unknown key %q in %s (allowed: %s)", k, at, strings.Join(allowed, ", "))}
			}
		}
		return nil
	case t.Kind() == reflect.Struct && t != reflect.TypeOf(Date{}):
		if n.Kind != yaml.MappingNode {
			return nil // Decode reports the type mismatch with its line
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" || !sf.IsExported() {
				continue
			}
			fields[tag] = sf.Type
			names = append(names, tag)
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				where := "at the top level"
				if at != "" {
					where = "in " + at
				}
				return &Error{File: file, Line: k.Line,
					Msg: fmt.Sprintf("unknown key %q %s (allowed: %s)", k.Value, where, strings.Join(names, ", "))}
			}
			if seen[k.Value] {
				return &Error{File: file, Line: k.Line, Msg: fmt.Sprintf("key %q appears twice", k.Value)}
			}
			seen[k.Value] = true
			child := k.Value
			if at != "" {
				child = at + "." + k.Value
			}
			if err := checkKeys(file, n.Content[i+1], ft, child); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkKeys(file, c, t.Elem(), fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnmarshalYAML accepts "fail-on: high" or a mapping of kind to severity.
func (f *FailOn) UnmarshalYAML(n *yaml.Node) error {
	f.set = true
	switch n.Kind {
	case yaml.ScalarNode:
		if err := checkSeverity(n); err != nil {
			return err
		}
		f.Default = n.Value
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return &lineError{v.Line, fmt.Sprintf("fail-on.%s: want a severity", k.Value)}
			}
			if err := checkSeverity(v); err != nil {
				return err
			}
			if k.Value == "default" {
				f.Default = v.Value
				continue
			}
			if f.Kinds == nil {
				f.Kinds = map[string]string{}
			}
			f.Kinds[k.Value] = v.Value
		}
		return nil
	}
	return &lineError{n.Line, "fail-on: want a severity or a mapping of scanner kind to severity"}
}

// IsSet reports whether the file said anything about fail-on.
func (f FailOn) IsSet() bool { return f.set }

// checkSeverity accepts a severity name or "none" (this kind never fails the gate).
func checkSeverity(n *yaml.Node) error {
	if strings.EqualFold(n.Value, "none") {
		return nil
	}
	if _, err := finding.ParseSeverity(n.Value); err != nil {
		return &lineError{n.Line, fmt.Sprintf("%q is not a severity (critical, high, medium, low, unknown, none)", n.Value)}
	}
	return nil
}

// Date is a calendar day (2026-01-31) or an RFC 3339 time, kept with its line for errors.
type Date struct {
	Time time.Time
	Line int
}

// UnmarshalYAML parses the date strictly: a typo in an expiry must never make a waiver eternal.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	d.Line = n.Line
	if n.Kind != yaml.ScalarNode {
		return &lineError{n.Line, "want a date like 2026-01-31"}
	}
	t, err := parseDate(n.Value)
	if err != nil {
		return &lineError{n.Line, err.Error()}
	}
	d.Time = t
	return nil
}

// parseDate reads a day as the end of that day in UTC, so "expires: 2026-01-31" still works on the 31st.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD, e.g. 2026-01-31)", s)
}

func (c *Config) validate() error {
	var errs []error
	bad := func(line int, format string, a ...any) {
		errs = append(errs, &Error{File: c.File, Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	if c.Version != 0 && c.Version != 1 {
		bad(0, "version %d is not supported (this tollgate reads version 1)", c.Version)
	}
	if c.Vulns.FixGraceDays < 0 {
		bad(0, "vulnerabilities.fix-grace-days must not be negative")
	}
	switch strings.ToLower(c.Licenses.Unknown) {
	case "", "fail", "warn", "ignore":
	default:
		bad(0, "licenses.unknown: %q is not one of fail, warn, ignore", c.Licenses.Unknown)
	}
	for _, list := range [][]string{c.Licenses.Allow, c.Licenses.Deny} {
		for _, id := range list {
			if _, err := parseLicense(id); err != nil {
				bad(0, "licenses: %q: %v", id, err)
			}
		}
	}
	for id, s := range c.Misconfig.Severity {
		if _, err := finding.ParseSeverity(s); err != nil {
			bad(0, "misconfig.severity.%s: %v", id, err)
		}
	}
	for i := range c.Waivers {
		w := &c.Waivers[i]
		w.Source = fmt.Sprintf("%s:%d", c.File, w.Line)
		for _, msg := range w.problems() {
			bad(w.Line, "waiver %d: %s", i+1, msg)
		}
	}
	return errors.Join(errs...)
}

// DefaultConfig is what `tollgate config init` writes: every key, commented, at its default.
var DefaultConfig = []byte(`# tollgate.yaml — the gate's policy for this repository.
# Editors complete and check it with the JSON Schema:
# yaml-language-server: $schema=https://raw.githubusercontent.com/tollgate-dev/tollgate/main/schema/tollgate.schema.json
version: 1

# Lowest severity that fails the gate: critical, high, medium, low, unknown, or none.
# One value for every scanner, or one per scanner kind with a default.
# The --fail-on flag overrides the default.
fail-on:
  default: high
  secret: low        # any secret at LOW or above fails
  # vuln: high
  # misconfig: high
  # license: high

# Vulnerabilities without a fixed version do not count (same as --ignore-unfixed).
ignore-unfixed: false

vulnerabilities:
  # Fail only once a fix has been published for more than N days (an SLA); younger ones warn.
  # 0 turns the rule off: every vulnerability at or above the threshold fails.
  fix-grace-days: 0

licenses:
  # SPDX ids. Expressions are evaluated: "MIT OR GPL-3.0-only" passes when MIT is allowed.
  # With an allow list, anything not on it fails; the deny list always fails.
  allow: []
  deny: []
  unknown: warn      # a missing or unrecognised license: fail, warn or ignore

secrets:
  fail-on-validated: true   # a secret that passed offline validation fails whatever its severity

misconfig:
  disable: []        # check ids to turn off, e.g. [TG-DOCKER-008]
  severity: {}       # check id: new severity, e.g. {TG-K8S-001: medium}

# Waivers hide findings. Each needs a scope (one or more of fingerprint, rule, vuln, package with
# versions, path, license — all given must match), a reason, an owner and an expiry date.
# An expired waiver stops working and the report warns; one that matched nothing is listed as unused.
waivers: []
#  - vuln: CVE-2023-39325          # a vulnerability id or any alias
#    package: golang.org/x/net
#    versions: "<0.17.0"
#    reason: the service never enables HTTP/2; upgrade tracked in SEC-123
#    owner: team-platform@example.com
#    expires: 2026-06-30
#  - rule: generic-api-key
#    path: "test/fixtures/**"
#    reason: test data, not credentials
#    owner: alice@example.com
#    expires: 2026-12-31

# Other tools' ignore files read as waivers (entries without an expiry are applied with a warning).
imports:
  trivyignore: true      # .trivyignore and .trivyignore.yaml
  gitleaksignore: true   # .gitleaksignore

# OpenVEX or CycloneDX VEX documents (paths relative to this file), like --vex.
vex: []

# An earlier Tollgate JSON report: only findings not in it fail the gate (like --baseline).
baseline: ""
`)

// boolOr reads an optional boolean.
func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// looksLikeYAMLConfig is true for a --config path that is a policy file (not a gitleaks .toml).
func looksLikeYAMLConfig(p string) bool {
	l := strings.ToLower(p)
	return strings.HasSuffix(l, ".yaml") || strings.HasSuffix(l, ".yml")
}

// trimBOM drops a UTF-8 byte order mark some editors write.
func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }
