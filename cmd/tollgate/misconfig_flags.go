package main

import (
	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/scanners"
)

// misconfigFlags are the misconfiguration scanner's flags on `tollgate scan`.
type misconfigFlags struct {
	policy     []string
	namespaces []string
}

func addMisconfigFlags(fl *pflag.FlagSet, m *misconfigFlags) {
	fl.StringSliceVar(&m.policy, "policy", nil, "directory of custom Rego policies (conftest-style deny/warn/violation rules) for the misconfig scanner; repeatable")
	fl.StringSliceVar(&m.namespaces, "namespace", nil, "Rego packages whose rules run (default main; '*' for all); repeatable")
}

func (m misconfigFlags) apply(c *scanners.Config) {
	c.PolicyDirs = append(c.PolicyDirs, m.policy...)
	c.Namespaces = append(c.Namespaces, m.namespaces...)
}
