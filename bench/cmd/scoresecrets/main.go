// Command scoresecrets scores secret scanners against the labelled corpus from gensecrets, at line
// granularity: a finding whose start line falls in a span labelled "secret" is a true positive for
// that span (several findings on one span count once); any other flagged line is a false positive;
// a secret span no finding touches is a miss.
//
//	scoresecrets -labels bench/work/secrets-labels.tsv -root bench/work/secrets-corpus \
//	  -r tollgate=tollgate:out/tollgate.json -r gitleaks=gitleaks:out/gitleaks.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type span struct {
	path       string
	start, end int
	secret     bool
	kind       string
}

type hit struct {
	path string
	line int
	rule string
}

type reports []string

func (r *reports) String() string     { return strings.Join(*r, ",") }
func (r *reports) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	labels := flag.String("labels", "bench/work/secrets-labels.tsv", "labels file")
	root := flag.String("root", "bench/work/secrets-corpus", "corpus root the reports' paths are relative to")
	md := flag.String("md", "", "also write the markdown table here")
	var rs reports
	flag.Var(&rs, "r", "name=format:path of a report (format tollgate or gitleaks), repeatable")
	flag.Parse()

	spans, err := readLabels(*labels)
	if err != nil {
		fail(err)
	}
	byPath := map[string][]int{}
	nSecret := 0
	for i, s := range spans {
		byPath[s.path] = append(byPath[s.path], i)
		if s.secret {
			nSecret++
		}
	}

	var out strings.Builder
	out.WriteString("| tool | recall | precision | true pos. | missed | false pos. | missed kinds | false-positive kinds |\n")
	out.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, r := range rs {
		name, rest, ok := strings.Cut(r, "=")
		format, path, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 {
			fail(fmt.Errorf("-r %q: want name=format:path", r))
		}
		hits, err := readReport(format, path, *root)
		if err != nil {
			fail(err)
		}
		caught := map[int]bool{}
		fpLines := map[string]string{} // path:line -> kind label (or "unlabelled")
		for _, h := range hits {
			idx := -1
			for _, i := range byPath[h.path] {
				if h.line >= spans[i].start && h.line <= spans[i].end {
					idx = i
					break
				}
			}
			switch {
			case idx >= 0 && spans[idx].secret:
				caught[idx] = true
			case idx >= 0:
				fpLines[fmt.Sprintf("%s:%d", h.path, h.line)] = spans[idx].kind
			default:
				fpLines[fmt.Sprintf("%s:%d", h.path, h.line)] = "unlabelled"
			}
		}
		missed := map[string]int{}
		for i, s := range spans {
			if s.secret && !caught[i] {
				missed[s.kind]++
			}
		}
		fpKinds := map[string]int{}
		for _, k := range fpLines {
			fpKinds[k]++
		}
		tp, fp := len(caught), len(fpLines)
		recall := float64(tp) / float64(max(nSecret, 1))
		precision := float64(tp) / float64(max(tp+fp, 1))
		fmt.Fprintf(&out, "| %s | %.3f | %.3f | %d | %d | %d | %s | %s |\n", name, recall, precision, tp, nSecret-tp, fp, counts(missed), counts(fpKinds))
		if os.Getenv("SCORE_VERBOSE") != "" {
			for l, k := range fpLines {
				fmt.Fprintf(os.Stderr, "%s FP %s (%s)\n", name, l, k)
			}
			for i, s := range spans {
				if s.secret && !caught[i] {
					fmt.Fprintf(os.Stderr, "%s MISS %s:%d (%s)\n", name, s.path, s.start, s.kind)
				}
			}
		}
	}
	fmt.Fprintf(&out, "\nCorpus: %d secret spans, %d decoy spans (labels: `%s`).\n", nSecret, len(spans)-nSecret, *labels)
	fmt.Print(out.String())
	if *md != "" {
		if err := os.WriteFile(*md, []byte(out.String()), 0o644); err != nil {
			fail(err)
		}
	}
}

func counts(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var xs []kv
	for k, v := range m {
		xs = append(xs, kv{k, v})
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].v > xs[j].v || xs[i].v == xs[j].v && xs[i].k < xs[j].k })
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%s %d", x.k, x.v))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

func readLabels(p string) ([]span, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []span
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			return nil, fmt.Errorf("%s: bad row %q", p, line)
		}
		s, _ := strconv.Atoi(c[1])
		e, _ := strconv.Atoi(c[2])
		out = append(out, span{c[0], s, e, c[3] == "secret", c[4]})
	}
	return out, sc.Err()
}

// readReport extracts (path, line) pairs from a tool's JSON report, with paths made relative
// to the corpus root whatever form the tool wrote them in.
func readReport(format, p, root string) ([]hit, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var hits []hit
	switch format {
	case "tollgate":
		var rep struct {
			Findings []struct {
				Kind     string `json:"kind"`
				RuleID   string `json:"ruleId"`
				Location struct {
					Path      string `json:"path"`
					StartLine int    `json:"startLine"`
				} `json:"location"`
			} `json:"findings"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, f := range rep.Findings {
			if f.Kind == "secret" {
				hits = append(hits, hit{rel(root, f.Location.Path), f.Location.StartLine, f.RuleID})
			}
		}
	case "gitleaks":
		var rep []struct {
			File      string
			StartLine int
			RuleID    string
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, f := range rep {
			hits = append(hits, hit{rel(root, f.File), f.StartLine, f.RuleID})
		}
	default:
		return nil, fmt.Errorf("unknown report format %q", format)
	}
	return hits, nil
}

func rel(root, p string) string {
	p = filepath.ToSlash(p)
	for _, r := range []string{root, absPath(root)} {
		r = strings.TrimSuffix(filepath.ToSlash(r), "/") + "/"
		if strings.HasPrefix(p, r) {
			return strings.TrimPrefix(p, r)
		}
	}
	return strings.TrimPrefix(p, "./")
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scoresecrets:", err)
	os.Exit(2)
}
