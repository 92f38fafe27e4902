package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/vulndb"
)

func init() { extraCommands = append(extraCommands, newDBCmd) }

// dbFlags are the vulnerability database flags of scan.
type dbFlags struct {
	dir          string
	repository   string
	maxAge       time.Duration
	skipDBUpdate bool
	offline      bool
}

func addDBFlags(fl *pflag.FlagSet, f *dbFlags) {
	fl.StringVar(&f.dir, "db-dir", "", "vulnerability database directory (default $TOLLGATE_CACHE_DIR/db or the user cache dir's tollgate/db)")
	fl.StringVar(&f.repository, "db-repository", "", "OSV mirror holding <Ecosystem>/all.zip (https://, http:// or file://; default the OSV bucket)")
	fl.DurationVar(&f.maxAge, "db-max-age", vulndb.DefaultMaxAge, "warn (and refresh, unless --skip-db-update) when the database is older than this")
	fl.BoolVar(&f.skipDBUpdate, "skip-db-update", false, "never download the vulnerability database during a scan")
	fl.BoolVar(&f.offline, "offline", false, "no network access: use the local database as it is")
}

func (f dbFlags) scanOptions(log io.Writer, quiet bool) (vulndb.ScanOptions, error) {
	if f.maxAge < 0 {
		return vulndb.ScanOptions{}, fmt.Errorf("--db-max-age must not be negative")
	}
	o := vulndb.ScanOptions{Dir: f.dir, Repository: f.repository, MaxAge: f.maxAge, SkipUpdate: f.skipDBUpdate, Offline: f.offline}
	if !quiet {
		o.Log = prefixed{w: log, prefix: "tollgate: db: "}
	}
	return o, nil
}

type prefixed struct {
	w      io.Writer
	prefix string
}

func (p prefixed) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			io.WriteString(p.w, p.prefix+line)
		}
	}
	return len(b), nil
}

func newDBCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "db",
		Short: "Manage the local OSV vulnerability database",
	}
	c.PersistentFlags().StringVar(&dir, "db-dir", "", "database directory (default $TOLLGATE_CACHE_DIR/db or the user cache dir's tollgate/db)")
	dbDir := func() string {
		if dir != "" {
			return dir
		}
		return vulndb.DefaultDir()
	}

	var ecos []string
	var repo string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download the OSV all.zip of each ecosystem and rebuild the index (unchanged ones are skipped)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := bindEnv(c); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			start := time.Now()
			res, err := vulndb.Update(ctx, dbDir(), vulndb.Options{Repository: repo, Ecosystems: ecos, Log: c.ErrOrStderr()})
			return summarise(c, res, err, start)
		},
	}
	update.Flags().StringSliceVar(&ecos, "ecosystems", nil, "ecosystems to fetch, e.g. Go,PyPI,npm (default: those recent scans needed, else "+strings.Join(vulndb.DefaultEcosystems, ",")+")")
	update.Flags().StringVar(&repo, "db-repository", "", "mirror base URL (https://, http:// or file://) holding <Ecosystem>/all.zip")

	imp := &cobra.Command{
		Use:   "import PATH",
		Short: "Import a folder of <Ecosystem>/all.zip (the OSV bucket layout) or one zip file, offline",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			start := time.Now()
			res, err := vulndb.Import(ctx, dbDir(), args[0], vulndb.Options{Log: c.ErrOrStderr()})
			return summarise(c, res, err, start)
		},
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Print the database's source, age and advisory counts per ecosystem",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			m, err := vulndb.Status(dbDir())
			if err != nil {
				return fmt.Errorf("%s: %w (run tollgate db update or tollgate db import)", dbDir(), err)
			}
			printStatus(c.OutOrStdout(), dbDir(), m)
			return nil
		},
	}
	c.AddCommand(update, imp, status)
	return c
}

func summarise(c *cobra.Command, res *vulndb.Result, err error, start time.Time) error {
	if res != nil {
		fmt.Fprintf(c.ErrOrStderr(), "tollgate: db: %d updated, %d unchanged, %d failed in %s\n",
			len(res.Updated), len(res.Unchanged), len(res.Failed), time.Since(start).Round(time.Millisecond))
	}
	return err
}

func printStatus(w io.Writer, dir string, m *vulndb.Meta) {
	now := time.Now()
	fmt.Fprintf(w, "database  %s\nbuilt     %s\nage       %s\n\n", dir, m.BuiltAt.Local().Format(time.RFC3339), m.Age(now).Round(time.Minute))
	names := make([]string, 0, len(m.Units))
	for n := range m.Units {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UNIT\tADVISORIES\tPACKAGES\tWITHDRAWN\tINDEX\tCHECKED\tNEWEST ADVISORY\tSOURCE")
	total := 0
	for _, n := range names {
		u := m.Units[n]
		total += u.Advisories
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s ago\t%s\t%s\n", n, u.Advisories, u.Keys, u.Withdrawn,
			sizeString(u.IndexBytes), now.Sub(u.CheckedAt).Round(time.Minute), u.Newest, u.Source)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d advisories in %d units\n", total, len(names))
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
