// Command kicsacc measures Tollgate's misconfiguration checks on KICS's own labelled samples:
// every query under assets/queries/<platform> ships test/positive* files with the expected
// (file, line) results and test/negative* files that must stay clean.
//
// There is no table from KICS queries to Tollgate checks, so one is inferred per query: the
// Tollgate rules that fire on an expected positive line are that query's counterparts. Then:
//
//   - a counterpart must hit at least half of the query's expected lines;
//
//   - recall = expected positive lines that a counterpart hits, over the queries that have one
//     (and the share of queries that have one at all — coverage);
//
//   - false hits = negative samples on which a counterpart of the same query still fires.
//
//     kicsacc -queries $(go env GOMODCACHE)/github.com/!checkmarx/kics/v2@v2.2.0/assets/queries \
//     -tollgate bench/work/bin/tollgate -work bench/work/kics-samples -md bench/out/kics-accuracy.md
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// platform says where KICS keeps a file type's queries and what name makes Tollgate see the file
// as that type.
type platform struct {
	name, dir, ext, as string
}

var platforms = []platform{
	{"Dockerfile", "dockerfile", ".dockerfile", "Dockerfile"},
	{"Kubernetes", "k8s", ".yaml", "manifest.yaml"},
	{"Terraform AWS", "terraform/aws", ".tf", "main.tf"},
	{"Terraform GCP", "terraform/gcp", ".tf", "main.tf"},
	{"Terraform Azure", "terraform/azure", ".tf", "main.tf"},
	{"docker-compose", "dockerCompose", ".yaml", "docker-compose.yml"},
	{"GitHub Actions", "cicd/github", ".yaml", ".github/workflows/ci.yml"},
}

type expected struct {
	Line     int    `json:"line"`
	FileName string `json:"fileName"`
}

type sample struct {
	platform, query, file string // file: KICS test file name
	positive              bool
	path                  string // where it was laid out, relative to the work dir
	lines                 []int  // expected lines (positives)
}

func main() {
	queries := flag.String("queries", "", "KICS assets/queries directory")
	tg := flag.String("tollgate", "bench/work/bin/tollgate", "tollgate binary")
	work := flag.String("work", "bench/work/kics-samples", "scratch tree (replaced)")
	md := flag.String("md", "", "write the markdown table here")
	flag.Parse()
	if *queries == "" {
		fail(fmt.Errorf("-queries is required"))
	}
	if err := os.RemoveAll(*work); err != nil {
		fail(err)
	}
	var samples []sample
	for _, pl := range platforms {
		qdirs, _ := filepath.Glob(filepath.Join(*queries, pl.dir, "*", "test"))
		for _, td := range qdirs {
			q := filepath.Base(filepath.Dir(td))
			var exp []expected
			if b, err := os.ReadFile(filepath.Join(td, "positive_expected_result.json")); err == nil {
				_ = json.Unmarshal(b, &exp)
			}
			ents, _ := os.ReadDir(td)
			for _, e := range ents {
				n := e.Name()
				pos, neg := strings.HasPrefix(n, "positive"), strings.HasPrefix(n, "negative")
				// Only single-file samples of the platform's own extension; multi-file folders
				// (Terraform modules) and other formats (JSON plans) are left out.
				if e.IsDir() || !(pos || neg) || !strings.HasSuffix(n, pl.ext) && !(pl.ext == ".yaml" && strings.HasSuffix(n, ".yml")) {
					continue
				}
				s := sample{platform: pl.name, query: q, file: n, positive: pos}
				s.path = filepath.ToSlash(filepath.Join(pl.dir, q, strings.TrimSuffix(n, filepath.Ext(n)), pl.as))
				if pos {
					for _, x := range exp {
						if x.FileName == n || x.FileName == "" && n == "positive.yaml" {
							s.lines = append(s.lines, x.Line)
						}
					}
					if len(s.lines) == 0 {
						continue
					}
				}
				b, err := os.ReadFile(filepath.Join(td, n))
				if err != nil {
					continue
				}
				dst := filepath.Join(*work, filepath.FromSlash(s.path))
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					fail(err)
				}
				if err := os.WriteFile(dst, b, 0o644); err != nil {
					fail(err)
				}
				samples = append(samples, s)
			}
		}
	}

	report := filepath.Join(*work, "..", "kics-samples-tollgate.json")
	cmd := exec.Command(*tg, "scan", "--scanners", "misconfig", "-f", "json", "-o", report, "--no-progress", "-q", *work)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			fail(fmt.Errorf("tollgate: %w", err))
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		fail(err)
	}
	var rep struct {
		Findings []struct {
			Kind     string `json:"kind"`
			RuleID   string `json:"ruleId"`
			Location struct {
				Path      string `json:"path"`
				StartLine int    `json:"startLine"`
				EndLine   int    `json:"endLine"`
			} `json:"location"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		fail(err)
	}
	type hit struct {
		rule       string
		start, end int
	}
	byPath := map[string][]hit{}
	for _, f := range rep.Findings {
		if f.Kind == "misconfig" {
			byPath[f.Location.Path] = append(byPath[f.Location.Path], hit{f.RuleID, f.Location.StartLine, max(f.Location.EndLine, f.Location.StartLine)})
		}
	}

	// Counterparts per query: rules that fire on at least half of its expected positive lines
	// (a rule that merely happens to fire on one FROM or resource line is not a counterpart).
	ruleHits := map[string]map[string]int{}
	expN := map[string]int{}
	for _, s := range samples {
		if !s.positive {
			continue
		}
		expN[s.query] += len(s.lines)
		for _, l := range s.lines {
			seen := map[string]bool{}
			for _, h := range byPath[s.path] {
				if l >= h.start && l <= h.end && !seen[h.rule] {
					seen[h.rule] = true
					if ruleHits[s.query] == nil {
						ruleHits[s.query] = map[string]int{}
					}
					ruleHits[s.query][h.rule]++
				}
			}
		}
	}
	counter := map[string]map[string]bool{}
	for q, rs := range ruleHits {
		for r, n := range rs {
			if 2*n >= expN[q] {
				if counter[q] == nil {
					counter[q] = map[string]bool{}
				}
				counter[q][r] = true
			}
		}
	}
	type agg struct {
		queries, covered                 map[string]bool
		expLines, expCovered, hitLines   int
		negs, negsCovered, negsFalseHits int
		falseRules                       map[string]int
	}
	stats := map[string]*agg{}
	for _, pl := range platforms {
		stats[pl.name] = &agg{queries: map[string]bool{}, covered: map[string]bool{}, falseRules: map[string]int{}}
	}
	for _, s := range samples {
		a := stats[s.platform]
		a.queries[s.query] = true
		cp := counter[s.query]
		if len(cp) > 0 {
			a.covered[s.query] = true
		}
		if s.positive {
			a.expLines += len(s.lines)
			if len(cp) == 0 {
				continue
			}
			a.expCovered += len(s.lines)
			for _, l := range s.lines {
				for _, h := range byPath[s.path] {
					if cp[h.rule] && l >= h.start && l <= h.end {
						a.hitLines++
						break
					}
				}
			}
			continue
		}
		a.negs++
		if len(cp) == 0 {
			continue
		}
		a.negsCovered++
		for _, h := range byPath[s.path] {
			if cp[h.rule] {
				a.negsFalseHits++
				a.falseRules[h.rule]++
				break
			}
		}
	}
	var out strings.Builder
	out.WriteString("| platform | KICS queries (with single-file samples) | with a Tollgate counterpart | expected positive lines | recall on those queries | negative samples (covered queries) | false hits on them | rules with false hits |\n")
	out.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, pl := range platforms {
		a := stats[pl.name]
		recall := "—"
		if a.expCovered > 0 {
			recall = fmt.Sprintf("%.3f (%d/%d)", float64(a.hitLines)/float64(a.expCovered), a.hitLines, a.expCovered)
		}
		var fr []string
		for r, n := range a.falseRules {
			fr = append(fr, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(fr)
		fmt.Fprintf(&out, "| %s | %d | %d | %d | %s | %d | %d | %s |\n", pl.name, len(a.queries), len(a.covered), a.expLines, recall, a.negsCovered, a.negsFalseHits, strings.Join(fr, ", "))
	}
	fmt.Print(out.String())
	if *md != "" {
		if err := os.WriteFile(*md, []byte(out.String()), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kicsacc:", err)
	os.Exit(2)
}
