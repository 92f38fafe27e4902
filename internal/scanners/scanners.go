// Package scanners is the one list of analyzers: --scanners names map to constructors here, and a new
// capability is one more entry.
package scanners

import (
	"fmt"
	"slices"
	"sort"

	"github.com/tollgate-dev/tollgate/internal/misconfig"
	"github.com/tollgate-dev/tollgate/internal/packages"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/secrets"
	"github.com/tollgate-dev/tollgate/internal/vulndb"
)

// Config carries what constructors need from flags and the config file.
type Config struct {
	// SecretConfig is a gitleaks-format TOML file (--config or .gitleaks.toml in the target).
	SecretConfig string
	// SecretConfigRoot confines SecretConfig (and its [extend] paths) to the scanned tree when the
	// config came from the tree rather than from --config.
	SecretConfigRoot string
	// Vuln configures the vulnerability database the vuln scanner reads (--db-* flags, --offline).
	Vuln vulndb.ScanOptions
	// PolicyDirs hold custom conftest-style Rego policies for the misconfig scanner (--policy).
	PolicyDirs []string
	// Namespaces are the Rego packages whose deny/warn/violation rules run (--namespace; default main).
	Namespaces []string
	// MisconfigDisabled lists misconfiguration check ids that produce no findings (tollgate.yaml).
	MisconfigDisabled []string
	// MisconfigSeverity overrides a check's severity by id, e.g. {"TG-K8S-012": "MEDIUM"} (tollgate.yaml).
	MisconfigSeverity map[string]string
	// HelmValues are values files every Helm chart is rendered with (--helm-values).
	HelmValues []string
}

type constructor func(Config) (scan.Analyzer, error)

var registry = map[string]constructor{
	// package lists dependencies only (what `tollgate sbom` runs); vuln and license pull it in too.
	"package": func(Config) (scan.Analyzer, error) { return packages.New(packages.Options{}), nil },
	"license": func(Config) (scan.Analyzer, error) { return packages.NewLicenseScanner(), nil },
	"vuln":    func(c Config) (scan.Analyzer, error) { return vulndb.NewScanner(c.Vuln), nil },

	// misconfig checks infrastructure and pipeline definitions (internal/misconfig).
	"misconfig": newMisconfig,

	"secret": func(c Config) (scan.Analyzer, error) {
		return secrets.New(secrets.Options{ConfigPath: c.SecretConfig, ConfigRoot: c.SecretConfigRoot})
	},
}

// Default is what runs without --scanners.
var Default = []string{"secret"}

// Names lists every known scanner.
func Names() []string {
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Build constructs the named analyzers in a fixed order.
func Build(names []string, c Config) ([]scan.Analyzer, error) {
	// Scanners that read rep.Packages in Finish share one package extractor: the engine dedups
	// nothing, so extraction would run twice if each brought its own.
	if slices.ContainsFunc(names, func(n string) bool { return n == "vuln" || n == "license" }) && !slices.Contains(names, "package") {
		names = append(slices.Clone(names), "package")
	}
	sort.Strings(names)
	var out []scan.Analyzer
	for _, n := range names {
		ctor, ok := registry[n]
		if !ok {
			return nil, fmt.Errorf("unknown scanner %q (have %v)", n, Names())
		}
		a, err := ctor(c)
		if err != nil {
			return nil, fmt.Errorf("scanner %s: %w", n, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func newMisconfig(c Config) (scan.Analyzer, error) {
	sev, err := misconfig.ParseSeverities(c.MisconfigSeverity)
	if err != nil {
		return nil, err
	}
	return misconfig.New(misconfig.Options{PolicyDirs: c.PolicyDirs, Namespaces: c.Namespaces, Disabled: c.MisconfigDisabled, Severity: sev, HelmValues: c.HelmValues})
}
