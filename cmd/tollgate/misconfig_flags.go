package main

import (
	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/scanners"
)

// misconfigFlags are the misconfiguration scanner's flags on `tollgate scan`.
type misconfigFlags struct {
	policy     []string
	namespaces []string
	helmValues []string
}

func addMisconfigFlags(fl *pflag.FlagSet, m *misconfigFlags) {
	fl.StringSliceVar(&m.policy, "policy", nil, "directory of custom Rego policies (conftest-style deny/warn/violation rules) for the misconfig scanner; repeatable")
	fl.StringArrayVar(&m.helmValues, "helm-values", nil, "values file every Helm chart is rendered with, over its values.yaml (path relative to the working directory; repeatable, later files win)")
	fl.StringSliceVar(&m.namespaces, "namespace", nil, "Rego packages whose rules run (default main; '*' for all); repeatable")
}

func (m misconfigFlags) apply(c *scanners.Config) {
	c.PolicyDirs = append(c.PolicyDirs, m.policy...)
	c.Namespaces = append(c.Namespaces, m.namespaces...)
	c.HelmValues = append(c.HelmValues, m.helmValues...)
}
