package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Inputs are what the command line knows; flags given explicitly override the policy file.
type Inputs struct {
	// Root is the scanned directory: tollgate.yaml and other tools' ignore files are read from it.
	Root string
	// ConfigPath is an explicit --config ending in .yaml or .yml.
	ConfigPath string
	// FailOn is the --fail-on value; it overrides the file's default only when FailOnSet.
	FailOn    string
	FailOnSet bool
	// IgnoreUnfixed from the flag adds to (never removes) the file's setting.
	IgnoreUnfixed bool
	VEX           []string
	// Baseline is --baseline; it replaces the file's baseline.
	Baseline string
	Now      time.Time
}

// Load builds the policy from tollgate.yaml (if any), the ignore files it imports, its VEX documents
// and baseline, and the flags. Every problem is an error: a gate that cannot read its policy must not
// open.
func Load(in Inputs) (Policy, *Config, error) {
	p := Policy{Now: in.Now}
	cfg := &Config{}
	inTree := false // the policy came from the scanned tree, which may be hostile
	root := in.Root
	if st, err := os.Stat(root); err == nil && !st.IsDir() {
		root = filepath.Dir(root)
	}
	switch {
	case in.ConfigPath != "":
		if !looksLikeYAMLConfig(in.ConfigPath) {
			return p, nil, fmt.Errorf("--config %s: a policy file ends in .yaml or .yml", in.ConfigPath)
		}
		c, err := LoadConfig(in.ConfigPath)
		if err != nil {
			return p, nil, err
		}
		cfg = c
	case root != "":
		for _, name := range []string{ConfigFile, "tollgate.yml"} {
			path := filepath.Join(root, name)
			data, err := readRepoFile(root, name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return p, nil, fmt.Errorf("read config: %w", err)
			}
			c, err := ParseConfig(path, data)
			if err != nil {
				return p, nil, err
			}
			cfg, inTree = c, true
			break
		}
	}
	if err := p.apply(cfg); err != nil {
		return p, nil, err
	}
	// The flag wins when given; the file's default next; the flag's own default last.
	if in.FailOnSet || cfg.FailOn.Default == "" {
		fo := in.FailOn
		if fo == "" {
			fo = "high"
		}
		t, err := parseThreshold(fo)
		if err != nil {
			return p, nil, fmt.Errorf("--fail-on: %w", err)
		}
		p.FailOn = t
	}
	p.IgnoreUnfixed = p.IgnoreUnfixed || in.IgnoreUnfixed

	if root != "" {
		ws, warns, err := importIgnoreFiles(root, cfg)
		if err != nil {
			return p, nil, err
		}
		p.Waivers = append(p.Waivers, ws...)
		p.Warnings = append(p.Warnings, warns...)
	}

	vexPaths := append([]string(nil), in.VEX...)
	for _, v := range cfg.VEX {
		vexPaths = append(vexPaths, relTo(cfg.File, v))
	}
	for i, path := range vexPaths {
		var d *VEX
		var err error
		if i >= len(in.VEX) && inTree {
			d, err = loadTreeFile(root, cfg.VEX[i-len(in.VEX)], path, "VEX", ParseVEX)
		} else {
			d, err = LoadVEX(path)
		}
		if err != nil {
			return p, nil, err
		}
		p.VEX = append(p.VEX, d)
	}
	switch {
	case in.Baseline != "":
		b, err := LoadBaseline(in.Baseline)
		if err != nil {
			return p, nil, err
		}
		p.Baseline = b
	case cfg.Baseline != "" && inTree:
		b, err := loadTreeFile(root, cfg.Baseline, relTo(cfg.File, cfg.Baseline), "baseline", ParseBaseline)
		if err != nil {
			return p, nil, err
		}
		p.Baseline = b
	case cfg.Baseline != "":
		b, err := LoadBaseline(relTo(cfg.File, cfg.Baseline))
		if err != nil {
			return p, nil, err
		}
		p.Baseline = b
	}
	return p, cfg, nil
}

// apply copies the file's rules into the policy.
func (p *Policy) apply(c *Config) error {
	p.ConfigFile = c.File
	if c.FailOn.Default != "" {
		t, err := parseThreshold(c.FailOn.Default)
		if err != nil {
			return &Error{File: c.File, Msg: "fail-on: " + err.Error()}
		}
		p.FailOn = t
	}
	for k, v := range c.FailOn.Kinds {
		t, err := parseThreshold(v)
		if err != nil {
			return &Error{File: c.File, Msg: fmt.Sprintf("fail-on.%s: %v", k, err)}
		}
		if p.FailOnKind == nil {
			p.FailOnKind = map[finding.Kind]Threshold{}
		}
		p.FailOnKind[finding.Kind(k)] = t
	}
	p.IgnoreUnfixed = c.IgnoreUnfixed || c.Vulns.IgnoreUnfixed
	p.FixGraceDays = c.Vulns.FixGraceDays
	p.LicenseAllow, p.LicenseDeny = c.Licenses.Allow, c.Licenses.Deny
	p.LicenseUnknown = strings.ToLower(c.Licenses.Unknown)
	p.AllowValidatedSecrets = !boolOr(c.Secrets.FailOnValidated, true)
	p.MisconfigDisable = c.Misconfig.Disable
	for id, s := range c.Misconfig.Severity {
		sev, err := finding.ParseSeverity(s)
		if err != nil {
			return &Error{File: c.File, Msg: fmt.Sprintf("misconfig.severity.%s: %v", id, err)}
		}
		if p.MisconfigSeverity == nil {
			p.MisconfigSeverity = map[string]finding.Severity{}
		}
		p.MisconfigSeverity[id] = sev
	}
	p.Waivers = append(p.Waivers, c.Waivers...)
	return nil
}

// Threshold is the lowest severity that fails the gate, or Never.
type Threshold struct {
	Severity finding.Severity
	Never    bool
}

func (t Threshold) String() string {
	if t.Never {
		return "NONE"
	}
	return t.Severity.String()
}

func (t Threshold) fails(s finding.Severity) bool { return !t.Never && s >= t.Severity }

func parseThreshold(s string) (Threshold, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return Threshold{Never: true}, nil
	}
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return Threshold{}, err
	}
	return Threshold{Severity: sev}, nil
}

// relTo resolves a path written in the config relative to the config's directory.
// loadTreeFile reads a file named by a tollgate.yaml found in the scanned tree: it must lie inside
// the tree (see readRepoFile).
func loadTreeFile[T any](root, name, shown, what string, parse func(string, []byte) (T, error)) (T, error) {
	var zero T
	data, err := readRepoFile(root, name)
	if err != nil {
		return zero, fmt.Errorf("read %s (named in %s): %w", what, ConfigFile, err)
	}
	return parse(shown, data)
}

func relTo(configFile, p string) string {
	if filepath.IsAbs(p) || configFile == "" {
		return p
	}
	return filepath.Join(filepath.Dir(configFile), p)
}
