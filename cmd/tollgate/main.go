// Command tollgate is the security gate of a delivery pipeline. This package holds commands and flags
// only; every decision lives under internal/.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes: 0 the gate passed, 1 the gate failed, 2 the scan could not run. Never 1 for an error.
const (
	exitPass  = 0
	exitFail  = 1
	exitError = 2
)

// gateFailed is returned by a command whose gate failed; it is not an error to print.
var errGateFailed = errors.New("gate failed")

func main() {
	root := newRoot()
	err := root.Execute()
	switch {
	case err == nil:
		os.Exit(exitPass)
	case errors.Is(err, errGateFailed):
		os.Exit(exitFail)
	default:
		fmt.Fprintln(os.Stderr, "tollgate:", err)
		os.Exit(exitError)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "The security gate for delivery pipelines: secrets, vulnerable dependencies, misconfigurations",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("tollgate {{.Version}}\n")
	root.AddCommand(newVersionCmd(), newScanCmd())
	for _, add := range extraCommands {
		root.AddCommand(add())
	}
	// Usage errors exit 2 like any other failure to run.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())
	})
	return root
}

// extraCommands lets each command file register itself (db, sbom, config, server…).
var extraCommands []func() *cobra.Command

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "tollgate %s\n", version)
			return nil
		},
	}
}

// bindEnv gives every flag of c a TOLLGATE_<FLAG> environment fallback (dashes become underscores);
// an explicit flag wins.
func bindEnv(c *cobra.Command) error {
	var errs []error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		key := "TOLLGATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(key)
		if !ok {
			return
		}
		if sv, isSlice := f.Value.(pflag.SliceValue); isSlice {
			if err := sv.Replace(splitList(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
			f.Changed = true
			return
		}
		if err := c.Flags().Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	})
	return errors.Join(errs...)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
