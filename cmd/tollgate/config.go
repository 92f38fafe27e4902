package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/policy"
)

func init() { extraCommands = append(extraCommands, newConfigCmd) }

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write or check the policy file (tollgate.yaml)",
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init [PATH]",
		Short: "Write a commented default tollgate.yaml",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path := policy.ConfigFile
			if len(args) == 1 {
				path = args[0]
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			fh, err := os.OpenFile(path, flags, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s exists; use --force to overwrite it", path)
			}
			if err != nil {
				return err
			}
			if _, err := fh.Write(policy.DefaultConfig); err != nil {
				fh.Close()
				return err
			}
			if err := fh.Close(); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s; check it with `tollgate config validate %s`\n", path, path)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")

	validateCmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check tollgate.yaml: unknown keys, bad values, waivers without reason, owner or expiry",
		Long:  "Check a policy file. Errors name the file and line; the exit code is 2 when the file is invalid.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path := policy.ConfigFile
			if len(args) == 1 {
				path = args[0]
			}
			cfg, err := policy.LoadConfig(path)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			now := time.Now()
			for _, w := range cfg.Waivers {
				switch {
				case now.After(w.Expires.Time):
					fmt.Fprintf(out, "warning: %s: waiver (%s) expired on %s and no longer applies\n", w.Source, w.Scope(), w.Expires.Time.Format("2006-01-02"))
				case w.Expires.Time.Sub(now) <= policy.ExpiringWithin:
					fmt.Fprintf(out, "warning: %s: waiver (%s) expires on %s\n", w.Source, w.Scope(), w.Expires.Time.Format("2006-01-02"))
				}
			}
			fmt.Fprintf(out, "%s: valid (%d waivers)\n", path, len(cfg.Waivers))
			return nil
		},
	}
	c.AddCommand(initCmd, validateCmd)
	return c
}
