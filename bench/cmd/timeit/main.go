// Command timeit measures whole processes the way the benchmarks need: wall time and peak RSS
// (from /usr/bin/time, which reads them from wait4), N runs of every command interleaved so
// that a noisy neighbour on a shared 2-core machine hurts each tool alike, medians reported,
// and ratios against a baseline row. It writes a markdown table and a JSON record.
//
//	timeit -n 5 -title "secrets on GOROOT/src" -md out.md -json out.json \
//	  -c 'tollgate|0,1|tollgate scan …' -c 'gitleaks|0,1|gitleaks dir …' -base gitleaks
//
// Each -c is "label|accepted exit codes|shell command". A run whose exit code is not accepted
// marks the row as failed (its stderr tail is kept) instead of silently timing an error.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type cmdSpec struct {
	Label   string `json:"label"`
	OK      []int  `json:"ok"`
	Command string `json:"command"`
}

type run struct {
	Wall   float64 `json:"wall_s"`
	RSSKiB int64   `json:"peak_rss_kib"`
	// CPU is user+system seconds: on a shared machine it moves less than wall time does.
	CPU  float64 `json:"cpu_s"`
	Exit int     `json:"exit"`
}

type result struct {
	cmdSpec
	Runs       []run   `json:"runs"`
	MedianWall float64 `json:"median_wall_s"`
	MinWall    float64 `json:"min_wall_s"`
	MaxWall    float64 `json:"max_wall_s"`
	MedianRSS  int64   `json:"median_peak_rss_kib"`
	MedianCPU  float64 `json:"median_cpu_s"`
	Failed     string  `json:"failed,omitempty"`
}

type specs []cmdSpec

func (s *specs) String() string { return fmt.Sprint(*s) }
func (s *specs) Set(v string) error {
	parts := strings.SplitN(v, "|", 3)
	if len(parts) != 3 {
		return fmt.Errorf("want label|codes|command, got %q", v)
	}
	var ok []int
	for _, c := range strings.Split(parts[1], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			return fmt.Errorf("exit codes %q: %w", parts[1], err)
		}
		ok = append(ok, n)
	}
	*s = append(*s, cmdSpec{Label: parts[0], OK: ok, Command: parts[2]})
	return nil
}

func main() {
	var cmds specs
	n := flag.Int("n", 5, "measured runs per command")
	warm := flag.Int("warmup", 1, "unmeasured warm-up runs per command (fills the page cache)")
	title := flag.String("title", "", "table title")
	base := flag.String("base", "", "label of the baseline row for ratios (default: the last row)")
	mdOut := flag.String("md", "", "write the markdown table here (default stdout)")
	jsonOut := flag.String("json", "", "write raw runs as JSON here")
	flag.Var(&cmds, "c", `"label|exit codes|command", repeatable`)
	flag.Parse()
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "timeit: no -c commands")
		os.Exit(2)
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		fmt.Fprintln(os.Stderr, "timeit: /usr/bin/time is missing (apt-get install time)")
		os.Exit(2)
	}

	res := make([]result, len(cmds))
	for i, c := range cmds {
		res[i].cmdSpec = c
	}
	for w := 0; w < *warm; w++ {
		for i := range res {
			if res[i].Failed != "" {
				continue
			}
			r, tail := once(res[i].Command)
			fmt.Fprintf(os.Stderr, "warm-up %-14s %6.2fs %7.1f MiB exit %d\n", res[i].Label, r.Wall, float64(r.RSSKiB)/1024, r.Exit)
			if !slices.Contains(res[i].OK, r.Exit) {
				res[i].Failed = fmt.Sprintf("exit %d: %s", r.Exit, tail)
			}
		}
	}
	// Interleave: run 1 of every command, then run 2 of every command, …
	for k := 0; k < *n; k++ {
		for i := range res {
			if res[i].Failed != "" {
				continue
			}
			r, tail := once(res[i].Command)
			fmt.Fprintf(os.Stderr, "run %d/%d %-14s %6.2fs wall %6.2fs cpu %7.1f MiB exit %d\n", k+1, *n, res[i].Label, r.Wall, r.CPU, float64(r.RSSKiB)/1024, r.Exit)
			if !slices.Contains(res[i].OK, r.Exit) {
				res[i].Failed = fmt.Sprintf("exit %d: %s", r.Exit, tail)
				continue
			}
			res[i].Runs = append(res[i].Runs, r)
		}
	}
	for i := range res {
		summarise(&res[i])
	}

	md := table(*title, *base, res)
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "timeit:", err)
			os.Exit(2)
		}
	}
	fmt.Print(md)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(map[string]any{"title": *title, "date": time.Now().UTC().Format(time.RFC3339), "results": res}, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "timeit:", err)
			os.Exit(2)
		}
	}
}

// once runs the command under /usr/bin/time, which prints "wall maxrss" on a file of its own so
// the tool's own stderr cannot be confused with the measurement.
func once(command string) (run, string) {
	tf, err := os.CreateTemp("", "timeit-*")
	if err != nil {
		return run{Exit: -1}, err.Error()
	}
	tf.Close()
	defer os.Remove(tf.Name())
	var stderr bytes.Buffer
	c := exec.Command("/usr/bin/time", "-o", tf.Name(), "-f", "%e %M %x %U %S", "sh", "-c", command)
	c.Stderr = &stderr
	c.Stdout = nil // discarded: tools write reports to files or /dev/null
	start := time.Now()
	_ = c.Run()
	wall := time.Since(start).Seconds()
	b, _ := os.ReadFile(tf.Name())
	// /usr/bin/time prefixes "Command exited with non-zero status N" on its own line.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	r := run{Exit: -1}
	if len(f) == 5 {
		u, _ := strconv.ParseFloat(f[3], 64)
		sy, _ := strconv.ParseFloat(f[4], 64)
		r.CPU = u + sy
		// Our own clock: /usr/bin/time's %e has only centisecond resolution.
		r.Wall = wall
		r.RSSKiB, _ = strconv.ParseInt(f[1], 10, 64)
		r.Exit, _ = strconv.Atoi(f[2])
	}
	tail := stderr.String()
	if len(tail) > 400 {
		tail = tail[len(tail)-400:]
	}
	return r, strings.TrimSpace(tail)
}

func summarise(r *result) {
	if len(r.Runs) == 0 {
		if r.Failed == "" {
			r.Failed = "no runs"
		}
		return
	}
	var walls []float64
	var rss []int64
	var cpus []float64
	for _, x := range r.Runs {
		walls = append(walls, x.Wall)
		rss = append(rss, x.RSSKiB)
		cpus = append(cpus, x.CPU)
	}
	slices.Sort(cpus)
	r.MedianCPU = cpus[len(cpus)/2]
	slices.Sort(walls)
	slices.Sort(rss)
	r.MedianWall = walls[len(walls)/2]
	if len(walls)%2 == 0 {
		r.MedianWall = (walls[len(walls)/2-1] + walls[len(walls)/2]) / 2
	}
	r.MedianRSS = rss[len(rss)/2]
	r.MinWall, r.MaxWall = walls[0], walls[len(walls)-1]
}

func table(title, base string, res []result) string {
	var b strings.Builder
	bi := len(res) - 1
	for i, r := range res {
		if r.Label == base {
			bi = i
		}
	}
	bl := res[bi]
	if title != "" {
		fmt.Fprintf(&b, "### %s\n\n", title)
	}
	fmt.Fprintf(&b, "| tool | median wall (s) | min–max (s) | median CPU (s) | median peak RSS (MiB) | wall ÷ %s | CPU ÷ %s | RSS ÷ %s | runs |\n", bl.Label, bl.Label, bl.Label)
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range res {
		if r.Failed != "" && len(r.Runs) == 0 {
			fmt.Fprintf(&b, "| %s | failed | | | | | | | 0 |\n", r.Label)
			continue
		}
		ratioW, ratioR, ratioC := "", "", ""
		if bl.MedianWall > 0 && len(bl.Runs) > 0 {
			ratioW = fmt.Sprintf("%.2f", r.MedianWall/bl.MedianWall)
		}
		if bl.MedianCPU > 0 && len(bl.Runs) > 0 {
			ratioC = fmt.Sprintf("%.2f", r.MedianCPU/bl.MedianCPU)
		}
		if bl.MedianRSS > 0 && len(bl.Runs) > 0 {
			ratioR = fmt.Sprintf("%.2f", float64(r.MedianRSS)/float64(bl.MedianRSS))
		}
		fmt.Fprintf(&b, "| %s | %.3f | %.3f–%.3f | %.2f | %.1f | %s | %s | %s | %d |\n", r.Label, r.MedianWall, r.MinWall, r.MaxWall,
			r.MedianCPU, float64(r.MedianRSS)/1024, ratioW, ratioC, ratioR, len(r.Runs))
	}
	b.WriteString("\nCommands:\n\n")
	for _, r := range res {
		fmt.Fprintf(&b, "- **%s**: `%s`\n", r.Label, shorten(r.Command))
		if r.Failed != "" {
			fmt.Fprintf(&b, "  - FAILED: %s\n", strings.ReplaceAll(r.Failed, "\n", " ⏎ "))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// shorten makes commands readable in the table: the bench-local paths become relative.
func shorten(s string) string {
	if wd, err := os.Getwd(); err == nil {
		s = strings.ReplaceAll(s, wd+string(filepath.Separator), "")
	}
	return s
}
