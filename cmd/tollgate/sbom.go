package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/scanners"
	"github.com/tollgate-dev/tollgate/internal/target"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

func init() { extraCommands = append(extraCommands, newSBOMCmd) }

type sbomFlags struct {
	format    string
	output    string
	skipDirs  []string
	skipFiles []string
	quiet     bool
}

func newSBOMCmd() *cobra.Command {
	var f sbomFlags
	c := &cobra.Command{
		Use:   "sbom [flags] [TARGET]",
		Short: "Write the dependencies of a directory, image or SBOM as CycloneDX 1.6 or SPDX 2.3 JSON",
		Long: `List every package found in TARGET (default ".") — lockfiles, Go binaries, OS package
databases of images — as a software bill of materials. No gate is applied.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := bindEnv(c); err != nil {
				return err
			}
			path := "."
			if len(args) == 1 {
				path = args[0]
			}
			return runSBOM(c, path, f)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.format, "format", "f", "cyclonedx", "cyclonedx (1.6 JSON) or spdx (2.3 JSON)")
	fl.StringVarP(&f.output, "output", "o", "", "write the SBOM to this file instead of stdout")
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directories to skip (globs, ** allowed)")
	fl.StringSliceVar(&f.skipFiles, "skip-files", nil, "files to skip (globs, ** allowed)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the SBOM")
	return c
}

func runSBOM(c *cobra.Command, path string, f sbomFlags) error {
	if f.format != "cyclonedx" && f.format != "spdx" {
		return fmt.Errorf("--format: %q is not an SBOM format (cyclonedx or spdx)", f.format)
	}
	analyzers, err := scanners.Build([]string{"package"}, scanners.Config{})
	if err != nil {
		return err
	}
	src, err := target.Open(path, target.Options{Walk: walk.Options{SkipDirs: f.skipDirs, SkipFiles: f.skipFiles}})
	if err != nil {
		return err
	}
	if cl, ok := src.(io.Closer); ok {
		defer cl.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := scan.Run(ctx, src, scan.Options{Analyzers: analyzers})
	if err != nil {
		return fmt.Errorf("sbom %s: %w", path, err)
	}
	rep.SchemaVersion = finding.SchemaVersion
	rep.Tool = finding.Tool{Name: "tollgate", Version: version}
	rep.Scanners = []string{"package"}
	rep.FinishedAt = time.Now().UTC()
	if err := writeReport(c, f.format, f.output, rep, false); err != nil {
		return err
	}
	if !f.quiet {
		fmt.Fprintf(c.ErrOrStderr(), "tollgate: %s: %d packages, %d files skipped\n", rep.Target.Name, len(rep.Packages), rep.Stats.Skipped)
	}
	return nil
}
