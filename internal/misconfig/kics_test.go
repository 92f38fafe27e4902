package misconfig

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// TestKICSSamples measures recall and false hits on KICS's labelled samples for every check with a
// counterpart (testdata/kics-map.txt). It needs the KICS query assets:
//
//	TOLLGATE_KICS_QUERIES="$(go env GOMODCACHE)/github.com/!checkmarx/kics/v2@v2.2.0/assets/queries" \
//	  go test ./internal/misconfig -run TestKICSSamples -v
//
// A positive sample counts as recalled when the mapped check fires on it; a negative sample is a
// false hit when it fires. "A+B" maps a query to two checks that split its intent between them
// (e.g. may run as root / runs as UID 0): either one firing counts. Samples are judged one file at a time, as KICS's tests do.
func TestKICSSamples(t *testing.T) {
	root := os.Getenv("TOLLGATE_KICS_QUERIES")
	if root == "" {
		t.Skip("TOLLGATE_KICS_QUERIES not set")
	}
	fh, err := os.Open("testdata/kics-map.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	type tally struct{ pos, hit, neg, falseHit, unparsed int }
	per := map[string]*tally{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, dirs, _ := strings.Cut(line, " ")
		parts := strings.Split(dirs, "/")
		platform := parts[0]
		if platform == "terraform" || platform == "cicd" {
			platform += "/" + parts[1]
		}
		tl := per[platform]
		if tl == nil {
			tl = &tally{}
			per[platform] = tl
		}
		var idPos, idHit int
		for _, dir := range strings.Split(dirs, ",") {
			samples, _ := filepath.Glob(filepath.Join(root, dir, "test", "*"))
			for _, s := range samples {
				base := filepath.Base(s)
				positive := strings.HasPrefix(base, "positive")
				if !positive && !strings.HasPrefix(base, "negative") {
					continue
				}
				name := sampleName(dir, base)
				if name == "" {
					continue
				}
				b, err := os.ReadFile(s)
				if err != nil {
					t.Fatal(err)
				}
				r := runTree(t, newScanner(t), fstest.MapFS{name: &fstest.MapFile{Data: b}})
				if len(r.Skipped) > 0 {
					tl.unparsed++
					t.Logf("unparsed %s/%s: %s", dir, base, r.Skipped[0].Detail)
				}
				fired := false
				for _, one := range strings.Split(id, "+") {
					fired = fired || len(find(r, one)) > 0
				}
				if positive {
					idPos++
					if fired {
						idHit++
					} else {
						t.Logf("missed %s on %s/%s", id, dir, base)
					}
				} else {
					tl.neg++
					if fired {
						tl.falseHit++
						t.Logf("false hit %s on %s/%s", id, dir, base)
					}
				}
			}
		}
		if idHit < idPos {
			t.Logf("%s: recalled %d/%d positives of %s", id, idHit, idPos, dirs)
		}
		tl.pos += idPos
		tl.hit += idHit
	}
	var names []string
	for k := range per {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("\n| platform | positive samples | recalled | recall | negative samples | false hits | unparsed |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, k := range names {
		tl := per[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f%% | %d | %d | %d |\n", k, tl.pos, tl.hit, 100*float64(tl.hit)/float64(max(tl.pos, 1)), tl.neg, tl.falseHit, tl.unparsed)
	}
	t.Log(b.String())
}

// sampleName gives a KICS sample the file name our detection expects ("" to skip it).
func sampleName(dir, base string) string {
	ext := filepath.Ext(base)
	switch {
	case strings.HasPrefix(dir, "dockerfile/"):
		if ext != ".json" {
			return "Dockerfile"
		}
	case strings.HasPrefix(dir, "k8s/"):
		if ext == ".yaml" || ext == ".yml" {
			return "manifest.yaml"
		}
	case strings.HasPrefix(dir, "dockerCompose/"):
		if ext == ".yaml" || ext == ".yml" {
			return "docker-compose.yml"
		}
	case strings.HasPrefix(dir, "cicd/github/"):
		if ext == ".yaml" || ext == ".yml" {
			return ".github/workflows/sample.yml"
		}
	case strings.HasPrefix(dir, "terraform/"):
		if ext == ".tf" {
			return "main.tf"
		}
	}
	return ""
}
