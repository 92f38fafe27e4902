package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/policy"
	"github.com/tollgate-dev/tollgate/internal/report"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/scanners"
	"github.com/tollgate-dev/tollgate/internal/target"
)

// gateFlags are the scan flags that feed the policy (the gate) and the extra outputs.
type gateFlags struct {
	vex           []string
	baseline      string
	newSince      string
	ignoreUnfixed bool
	reports       []string
}

func addGateFlags(fl *pflag.FlagSet, g *gateFlags) {
	fl.StringArrayVar(&g.vex, "vex", nil, "OpenVEX or CycloneDX VEX file; not_affected and fixed statements suppress vulnerabilities (repeatable)")
	fl.StringVar(&g.baseline, "baseline", "", "earlier Tollgate JSON report: only findings not in it fail the gate")
	fl.StringVar(&g.newSince, "new-since", "", "git ref: only findings not present in that ref's tree fail the gate")
	fl.BoolVar(&g.ignoreUnfixed, "ignore-unfixed", false, "vulnerabilities without a fixed version do not count")
	fl.StringArrayVar(&g.reports, "report", nil, "also write FORMAT=PATH (repeatable), e.g. --report html=report.html --report sarif=out.sarif")
}

// loadGate reads tollgate.yaml, ignore files, VEX and baseline before the scan, so a broken policy
// stops the run (exit 2) before any work.
func loadGate(c *cobra.Command, root string, f scanFlags) (policy.Policy, error) {
	cfgPath := ""
	if f.config != "" && !strings.HasSuffix(strings.ToLower(f.config), ".toml") {
		cfgPath = f.config
	}
	if f.gate.baseline != "" && f.gate.newSince != "" {
		return policy.Policy{}, fmt.Errorf("--baseline and --new-since: give one")
	}
	if _, err := parseReportFlags(f.gate.reports); err != nil {
		return policy.Policy{}, err
	}
	p, _, err := policy.Load(policy.Inputs{
		Root: root, ConfigPath: cfgPath,
		FailOn: f.failOn, FailOnSet: c.Flags().Changed("fail-on"),
		IgnoreUnfixed: f.gate.ignoreUnfixed, VEX: f.gate.vex, Baseline: f.gate.baseline,
	})
	return p, err
}

// gateScannerConfig hands the policy's misconfig check switches to the scanner, so disabled checks
// are not even run; the gate applies them again to findings from any source.
func gateScannerConfig(cfg *scanners.Config, p policy.Policy) {
	cfg.MisconfigDisabled = append(cfg.MisconfigDisabled, p.MisconfigDisable...)
	for id, sev := range p.MisconfigSeverity {
		if cfg.MisconfigSeverity == nil {
			cfg.MisconfigSeverity = map[string]string{}
		}
		cfg.MisconfigSeverity[id] = sev.String()
	}
}

// applyGate computes the --new-since baseline if asked and evaluates the policy on rep.
func applyGate(ctx context.Context, rep *finding.Report, p policy.Policy, root string, f scanFlags, cfg scanners.Config) error {
	if f.gate.newSince != "" {
		b, err := baselineFromRef(ctx, root, f, cfg)
		if err != nil {
			return err
		}
		p.Baseline = b
	}
	policy.Evaluate(rep, p)
	return nil
}

// baselineFromRef scans ref's tree from the object store with freshly built analyzers (they may keep
// state between files) and returns its fingerprints.
func baselineFromRef(ctx context.Context, root string, f scanFlags, cfg scanners.Config) (*policy.Baseline, error) {
	tree, err := target.OpenGitTree(root, f.gate.newSince, target.GitOptions{SkipDirs: f.skipDirs, SkipFiles: f.skipFiles})
	if err != nil {
		return nil, fmt.Errorf("--new-since: %w", err)
	}
	defer tree.Close()
	analyzers, err := scanners.Build(append([]string(nil), f.scanners...), cfg)
	if err != nil {
		return nil, err
	}
	old, err := scan.Run(ctx, tree, scan.Options{Analyzers: analyzers, Workers: f.workers, MaxFileSize: f.maxFileSize})
	if err != nil {
		return nil, fmt.Errorf("--new-since %s: scan: %w", f.gate.newSince, err)
	}
	return policy.NewBaseline("git ref "+f.gate.newSince, old.Findings), nil
}

type reportOut struct{ format, path string }

func parseReportFlags(specs []string) ([]reportOut, error) {
	var out []reportOut
	for _, s := range specs {
		format, path, ok := strings.Cut(s, "=")
		if !ok || format == "" || path == "" {
			return nil, fmt.Errorf("--report %q: want FORMAT=PATH", s)
		}
		if !report.Has(format) {
			return nil, fmt.Errorf("--report %q: unknown format %q (have %s)", s, format, strings.Join(report.Names(), ", "))
		}
		out = append(out, reportOut{format, path})
	}
	return out, nil
}

// writeExtraReports writes each --report FORMAT=PATH from the full report.
func writeExtraReports(specs []string, r *finding.Report) error {
	outs, err := parseReportFlags(specs)
	if err != nil {
		return err
	}
	for _, o := range outs {
		fh, err := os.Create(o.path)
		if err != nil {
			return fmt.Errorf("--report %s: %w", o.format, err)
		}
		werr := report.Write(o.format, fh, r, report.Options{})
		cerr := fh.Close()
		if werr != nil {
			return fmt.Errorf("--report %s=%s: %w", o.format, o.path, werr)
		}
		if cerr != nil {
			return fmt.Errorf("--report %s=%s: %w", o.format, o.path, cerr)
		}
	}
	return nil
}
