// Command tgprof runs Tollgate's scan pipeline (target → engine → analyzers, without the report
// writers) under the CPU and heap profilers, so the benchmarks can say where the time goes
// without a profiling flag in the product's CLI.
//
//	tgprof -scanners secret -cpuprofile bench/out/secret.cpu.pprof $(go env GOROOT)/src
//	go tool pprof -top -nodecount=30 bench/work/bin/tgprof bench/out/secret.cpu.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/scanners"
	"github.com/tollgate-dev/tollgate/internal/target"
	"github.com/tollgate-dev/tollgate/internal/vulndb"
)

func main() {
	names := flag.String("scanners", "secret", "comma-separated scanners")
	history := flag.Bool("history", false, "scan git history")
	dbDir := flag.String("db-dir", "", "vulnerability database directory")
	cpu := flag.String("cpuprofile", "", "write a CPU profile here")
	mem := flag.String("memprofile", "", "write a heap profile (after the scan) here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tgprof [-scanners s] [-history] [-cpuprofile f] [-memprofile f] TARGET")
		os.Exit(2)
	}
	path := flag.Arg(0)
	an, err := scanners.Build(strings.Split(*names, ","), scanners.Config{Vuln: vulndb.ScanOptions{Dir: *dbDir, Offline: true, SkipUpdate: true}})
	check(err)
	var src scan.Source
	if *history {
		src, err = target.OpenGit(path, target.GitOptions{})
	} else {
		src, err = target.Open(path, target.Options{})
	}
	check(err)
	if *cpu != "" {
		f, err := os.Create(*cpu)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	rep, err := scan.Run(context.Background(), src, scan.Options{Analyzers: an})
	check(err)
	fmt.Fprintf(os.Stderr, "tgprof: %d files, %d findings, %d packages in %s\n", rep.Stats.Files, len(rep.Findings), len(rep.Packages), time.Since(start).Round(time.Millisecond))
	for _, t := range rep.Timings {
		fmt.Fprintf(os.Stderr, "  %-22s %8.1f ms\n", t.Phase, t.Milliseconds)
	}
	if *mem != "" {
		f, err := os.Create(*mem)
		check(err)
		runtime.GC()
		check(pprof.WriteHeapProfile(f))
		f.Close()
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tgprof:", err)
		os.Exit(2)
	}
}
