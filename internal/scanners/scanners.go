// Package scanners is the one list of analyzers: --scanners names map to constructors here, and a new
// capability is one more entry.
package scanners

import (
	"fmt"
	"sort"

	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/secrets"
)

// Config carries what constructors need from flags and the config file.
type Config struct {
	// SecretConfig is a gitleaks-format TOML file (--config or .gitleaks.toml in the target).
	SecretConfig string
}

type constructor func(Config) (scan.Analyzer, error)

var registry = map[string]constructor{
	"secret": func(c Config) (scan.Analyzer, error) {
		return secrets.New(secrets.Options{ConfigPath: c.SecretConfig})
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
