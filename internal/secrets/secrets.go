// Package secrets finds leaked credentials: a rule table, one keyword prefilter pass, offline
// validators and allowlists.
package secrets

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Options configure the secret scanner.
type Options struct {
	// ConfigPath is a gitleaks-format TOML file; empty means the built-in rules only.
	ConfigPath string
}

// Scanner is the secret analyzer. (Placeholder until the rule engine lands.)
type Scanner struct{}

// New builds the scanner.
func New(o Options) (*Scanner, error) { return &Scanner{}, nil }

// Name implements scan.Analyzer.
func (s *Scanner) Name() string { return "secret" }

// Wants implements scan.Analyzer.
func (s *Scanner) Wants(path string, size int64) bool { return true }

// AcceptsHistory implements scan.HistoryAware.
func (s *Scanner) AcceptsHistory() bool { return true }

// Analyze implements scan.Analyzer.
func (s *Scanner) Analyze(ctx context.Context, f *scan.File) (scan.Result, error) {
	return scan.Result{}, nil
}
