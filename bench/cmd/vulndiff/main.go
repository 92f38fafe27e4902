// Command vulndiff compares the (package, vulnerability) pairs of a Tollgate JSON report with
// those of an osv-scanner JSON report on the same tree, and prints every difference.
//
//	vulndiff -root bench/work/monorepo -tollgate tg.json -osv osv.json [-md diff.md]
//
// Pairs are keyed by manifest (relative to -root), ecosystem-normalised package name and version.
// Aliases count as the same vulnerability: an osv-scanner id is matched when Tollgate's finding
// for that package names it as its id or one of its aliases, and the other way round.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type pkgKey struct{ manifest, eco, name, version string }

func (k pkgKey) String() string {
	return fmt.Sprintf("%s %s %s@%s", k.manifest, k.eco, k.name, k.version)
}

// side is one tool's view: per package, the vulnerabilities as sets of equivalent ids.
type side map[pkgKey][][]string

var pep503 = regexp.MustCompile(`[-_.]+`)

func norm(root, manifest, eco, name, version string) pkgKey {
	manifest = filepath.ToSlash(manifest)
	for _, r := range []string{root, abs(root)} {
		r = strings.TrimSuffix(filepath.ToSlash(r), "/") + "/"
		manifest = strings.TrimPrefix(manifest, r)
	}
	base := eco
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		base = eco[:i]
	}
	switch strings.ToLower(base) {
	case "pypi":
		name = pep503.ReplaceAllString(strings.ToLower(name), "-")
		base = "PyPI"
	case "go", "golang":
		version = strings.TrimPrefix(version, "v")
		base = "Go"
	case "crates.io", "cargo":
		base = "crates.io"
	case "packagist", "composer":
		name = strings.ToLower(name)
		base = "Packagist"
	case "npm":
		base = "npm"
	}
	return pkgKey{manifest, base, name, version}
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func readTollgate(path, root string) (side, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep struct {
		Findings []struct {
			Kind     string `json:"kind"`
			Location struct {
				Path string `json:"path"`
			} `json:"location"`
			Vuln *struct {
				ID        string   `json:"id"`
				Aliases   []string `json:"aliases"`
				Ecosystem string   `json:"ecosystem"`
				Package   string   `json:"package"`
				Version   string   `json:"version"`
				Manifest  string   `json:"manifest"`
			} `json:"vuln"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := side{}
	for _, f := range rep.Findings {
		if f.Kind != "vuln" || f.Vuln == nil {
			continue
		}
		m := f.Vuln.Manifest
		if m == "" {
			m = f.Location.Path
		}
		k := norm(root, m, f.Vuln.Ecosystem, f.Vuln.Package, f.Vuln.Version)
		s[k] = append(s[k], append([]string{f.Vuln.ID}, f.Vuln.Aliases...))
	}
	return s, nil
}

func readOSV(path, root string) (side, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep struct {
		Results []struct {
			Source struct {
				Path string `json:"path"`
			} `json:"source"`
			Packages []struct {
				Package struct {
					Name      string `json:"name"`
					Version   string `json:"version"`
					Ecosystem string `json:"ecosystem"`
				} `json:"package"`
				Vulnerabilities []struct {
					ID      string   `json:"id"`
					Aliases []string `json:"aliases"`
				} `json:"vulnerabilities"`
			} `json:"packages"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := side{}
	for _, r := range rep.Results {
		for _, p := range r.Packages {
			k := norm(root, r.Source.Path, p.Package.Ecosystem, p.Package.Name, p.Package.Version)
			for _, v := range p.Vulnerabilities {
				s[k] = append(s[k], append([]string{v.ID}, v.Aliases...))
			}
		}
	}
	return s, nil
}

// missing lists, per package, the vulnerabilities of a that no entry of b shares an id with.
func missing(a, b side) map[pkgKey][]string {
	out := map[pkgKey][]string{}
	for k, vulns := range a {
		have := map[string]bool{}
		for _, ids := range b[k] {
			for _, id := range ids {
				have[id] = true
			}
		}
		for _, ids := range vulns {
			found := false
			for _, id := range ids {
				if have[id] {
					found = true
					break
				}
			}
			if !found {
				out[k] = append(out[k], ids[0])
			}
		}
	}
	return out
}

func count(s side) (pkgs, pairs int) {
	for _, v := range s {
		pkgs++
		seen := map[string]bool{}
		for _, ids := range v {
			if !seen[ids[0]] {
				seen[ids[0]] = true
				pairs++
			}
		}
	}
	return
}

func main() {
	root := flag.String("root", "bench/work/monorepo", "scanned tree")
	tg := flag.String("tollgate", "", "tollgate JSON report")
	osv := flag.String("osv", "", "osv-scanner JSON report")
	md := flag.String("md", "", "write the markdown summary and every difference here")
	osvDir := flag.String("osvdb", "/work/shared/osv", "OSV snapshot, to put each difference in a category (skipped if missing)")
	flag.Parse()
	t, err := readTollgate(*tg, *root)
	if err != nil {
		fail(err)
	}
	o, err := readOSV(*osv, *root)
	if err != nil {
		fail(err)
	}
	onlyOSV := missing(o, t)
	onlyTG := missing(t, o)

	var b strings.Builder
	tp, tv := count(t)
	op, ov := count(o)
	fmt.Fprintf(&b, "| | tollgate | osv-scanner |\n| --- | ---: | ---: |\n| vulnerable packages | %d | %d |\n| (package, vulnerability) pairs | %d | %d |\n", tp, op, tv, ov)
	nO, nT := 0, 0
	for _, v := range onlyOSV {
		nO += len(v)
	}
	for _, v := range onlyTG {
		nT += len(v)
	}
	fmt.Fprintf(&b, "| pairs only this tool reports | %d | %d |\n\n", nT, nO)
	byEco := func(m map[pkgKey][]string) map[string]int {
		e := map[string]int{}
		for k, v := range m {
			e[k.eco] += len(v)
		}
		return e
	}
	fmt.Fprintf(&b, "Only osv-scanner, by ecosystem: %v. Only tollgate, by ecosystem: %v.\n\n", byEco(onlyOSV), byEco(onlyTG))
	if exists(*osvDir) {
		adv, err := openAdvisories(*osvDir)
		if err != nil {
			fail(err)
		}
		b.WriteString("| reported by | why (category) | pairs | example |\n| --- | --- | ---: | --- |\n")
		for _, side := range []struct {
			who string
			m   map[pkgKey][]string
		}{{"tollgate only", onlyTG}, {"osv-scanner only", onlyOSV}} {
			cats, ex := map[string]int{}, map[string]string{}
			var order []string
			var keys []pkgKey
			for k := range side.m {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				for _, id := range side.m[k] {
					c := adv.category(k, id)
					if cats[c] == 0 {
						order = append(order, c)
						ex[c] = fmt.Sprintf("%s@%s %s", k.name, k.version, id)
					}
					cats[c]++
				}
			}
			for _, c := range order {
				fmt.Fprintf(&b, "| %s | %s | %d | `%s` |\n", side.who, c, cats[c], ex[c])
			}
		}
		b.WriteString("\n")
	}
	list := func(title string, m map[pkgKey][]string) {
		var keys []pkgKey
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		fmt.Fprintf(&b, "#### %s\n\n", title)
		if len(keys) == 0 {
			b.WriteString("none\n\n")
			return
		}
		for _, k := range keys {
			ids := m[k]
			sort.Strings(ids)
			fmt.Fprintf(&b, "- `%s`: %s\n", k, strings.Join(ids, ", "))
		}
		b.WriteString("\n")
	}
	list("Reported by osv-scanner only", onlyOSV)
	list("Reported by tollgate only", onlyTG)
	if *md != "" {
		if err := os.WriteFile(*md, []byte(b.String()), 0o644); err != nil {
			fail(err)
		}
	}
	s := b.String()
	if len(s) > 6000 {
		s = s[:6000] + "\n… (truncated; see -md file)\n"
	}
	fmt.Print(s)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vulndiff:", err)
	os.Exit(2)
}
