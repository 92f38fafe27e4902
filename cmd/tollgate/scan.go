package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/report"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/scanners"
	"github.com/tollgate-dev/tollgate/internal/target"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

type scanFlags struct {
	scanners    []string
	format      string
	output      string
	severity    []string
	failOn      string
	skipDirs    []string
	skipFiles   []string
	config      string
	quiet       bool
	noProgress  bool
	debug       bool
	maxFileSize int64
	workers     int
	history     bool
	since       string
	staged      bool
	gate        gateFlags
	db          dbFlags
	misconfig   misconfigFlags
}

func newScanCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "scan [flags] [TARGET]",
		Short: "Scan a directory, git history, container image or SBOM and apply the gate",
		Long: `Scan TARGET (default ".") and decide by policy whether it may ship.

Exit codes: 0 the gate passed, 1 the gate failed, 2 the scan could not run.
Every flag can also be set as TOLLGATE_<FLAG> in the environment (e.g. TOLLGATE_FAIL_ON=critical).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := bindEnv(c); err != nil {
				return err
			}
			path := "."
			if len(args) == 1 {
				path = args[0]
			}
			return runScan(c, path, f)
		},
	}
	fl := c.Flags()
	fl.StringSliceVar(&f.scanners, "scanners", scanners.Default, "comma-separated scanners to run ("+strings.Join(scanners.Names(), ",")+")")
	fl.StringVarP(&f.format, "format", "f", "", "output format ("+strings.Join(report.Names(), ", ")+"); default table on a terminal, json otherwise")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout")
	fl.StringSliceVar(&f.severity, "severity", nil, "severities to show (comma list, e.g. CRITICAL,HIGH); the gate still sees all")
	fl.StringVar(&f.failOn, "fail-on", "high", "lowest severity that fails the gate (critical, high, medium, low, unknown)")
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directories to skip (globs, ** allowed)")
	fl.StringSliceVar(&f.skipFiles, "skip-files", nil, "files to skip (globs, ** allowed)")
	fl.StringVar(&f.config, "config", "", "config file (tollgate.yaml, or a gitleaks-format .toml for secret rules)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the report")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar")
	fl.BoolVarP(&f.debug, "debug", "d", false, "print timings and skipped files to stderr")
	fl.Int64Var(&f.maxFileSize, "max-file-size", scan.DefaultMaxFileSize, "skip files larger than this many bytes (counted in the report)")
	fl.IntVar(&f.workers, "workers", 0, "analyzer goroutines (0: one per core)")
	fl.BoolVar(&f.history, "history", false, "scan the lines added by every commit of the git repository at TARGET")
	fl.StringVar(&f.since, "since", "", "with --history: only the commits HEAD adds on top of this ref, git log REF..HEAD (the pull-request case)")
	fl.BoolVar(&f.staged, "staged", false, "scan the staged diff of the git repository at TARGET (the pre-commit case)")
	addGateFlags(fl, &f.gate)
	addDBFlags(fl, &f.db)
	addMisconfigFlags(fl, &f.misconfig)
	return c
}

func runScan(c *cobra.Command, path string, f scanFlags) error {
	pol, err := loadGate(c, path, f)
	if err != nil {
		return err
	}
	show := map[finding.Severity]bool{}
	for _, s := range f.severity {
		sev, err := finding.ParseSeverity(s)
		if err != nil {
			return fmt.Errorf("--severity: %w", err)
		}
		show[sev] = true
	}
	stderr := c.ErrOrStderr()
	tty := isTerminal(os.Stderr)
	format := f.format
	if format == "" {
		format = "json"
		if f.output == "" && isTerminal(os.Stdout) {
			format = "table"
		}
	}
	if !report.Has(format) {
		return fmt.Errorf("--format: unknown format %q (have %s)", format, strings.Join(report.Names(), ", "))
	}

	cfg := scanners.Config{}
	gateScannerConfig(&cfg, pol)
	if strings.HasSuffix(f.config, ".toml") {
		cfg.SecretConfig = f.config
	} else if f.config == "" && !f.history && !f.staged {
		// The tree is attacker-controlled: take its .gitleaks.toml only as a regular file, never a
		// symlink that could make the loader (and its error messages) read outside the target.
		if p := filepath.Join(path, ".gitleaks.toml"); regularNoFollow(p) {
			cfg.SecretConfig, cfg.SecretConfigRoot = p, path
		}
	}
	if cfg.Vuln, err = f.db.scanOptions(stderr, f.quiet); err != nil {
		return err
	}
	f.misconfig.apply(&cfg)
	analyzers, err := scanners.Build(f.scanners, cfg)
	if err != nil {
		return err
	}

	topts := target.Options{Walk: walk.Options{SkipDirs: f.skipDirs, SkipFiles: f.skipFiles}}
	var src scan.Source
	switch {
	case f.history || f.staged:
		src, err = target.OpenGit(path, target.GitOptions{Since: f.since, Staged: f.staged, SkipFiles: f.skipFiles, SkipDirs: f.skipDirs, MaxFileSize: f.maxFileSize})
	case f.since != "":
		return fmt.Errorf("--since needs --history")
	default:
		src, err = target.Open(path, topts)
	}
	if err != nil {
		return err
	}
	if cl, ok := src.(io.Closer); ok {
		defer cl.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := newProgress(stderr, tty && !f.noProgress && !f.quiet)
	rep, err := scan.Run(ctx, src, scan.Options{Analyzers: analyzers, Workers: f.workers, MaxFileSize: f.maxFileSize, Progress: prog.update})
	prog.done()
	if err != nil {
		return fmt.Errorf("scan %s: %w", path, err)
	}
	rep.SchemaVersion = finding.SchemaVersion
	rep.Tool = finding.Tool{Name: "tollgate", Version: version}
	rep.Scanners = append([]string(nil), f.scanners...)
	rep.FinishedAt = time.Now().UTC()
	if err := applyGate(ctx, rep, pol, path, f, cfg); err != nil {
		return err
	}

	shown := rep
	if len(show) > 0 {
		cp := *rep
		cp.Findings = nil
		for _, fd := range rep.Findings {
			if show[fd.Severity] {
				cp.Findings = append(cp.Findings, fd)
			}
		}
		shown = &cp
	}
	if err := writeReport(c, format, f.output, shown, tty); err != nil {
		return err
	}
	if err := writeExtraReports(f.gate.reports, rep); err != nil {
		return err
	}
	if f.debug {
		printDebug(stderr, rep)
	}
	if !f.quiet && (f.output != "" || format != "table") {
		fmt.Fprintln(stderr, summaryLine(rep))
	}
	if rep.Verdict.Result == finding.Fail {
		return errGateFailed
	}
	return nil
}

func writeReport(c *cobra.Command, format, output string, r *finding.Report, tty bool) error {
	var w io.Writer = c.OutOrStdout()
	color := output == "" && isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""
	if output != "" {
		fh, err := os.Create(output)
		if err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		defer fh.Close()
		w = fh
	}
	return report.Write(format, w, r, report.Options{Color: color})
}

func summaryLine(r *finding.Report) string {
	counts := finding.Counts(r.Findings)
	var parts []string
	for _, s := range finding.Severities() {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	found := "no findings"
	if len(parts) > 0 {
		found = strings.Join(parts, ", ")
	}
	d := r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond)
	return fmt.Sprintf("tollgate: %s: %d files, %d skipped, %s in %s — gate %s",
		r.Target.Name, r.Stats.Files, r.Stats.Skipped, found, d, strings.ToUpper(r.Verdict.Result))
}

func printDebug(w io.Writer, r *finding.Report) {
	for _, t := range r.Timings {
		fmt.Fprintf(w, "timing %-20s %8.1f ms\n", t.Phase, t.Milliseconds)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s (%s) %s\n", s.Path, s.Reason, s.Detail)
	}
}

func regularNoFollow(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.Mode().IsRegular()
}
