package misconfig

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

var update = flag.Bool("update", false, "rewrite golden files (CHECKS.md)")

// runTree runs the analyzer over every file of fsys the way the engine would.
func runTree(t testing.TB, s *Scanner, fsys fs.FS) *finding.Report {
	t.Helper()
	rep := &finding.Report{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if !s.Wants(p, int64(len(b))) {
			return nil
		}
		res, err := s.Analyze(context.Background(), &scan.File{Path: p, Size: int64(len(b)), Content: b, FS: fsys})
		if err != nil {
			return err
		}
		rep.Findings = append(rep.Findings, res.Findings...)
		for _, sk := range res.Skipped {
			rep.AddSkipped(sk)
		}
		rep.Warnings = append(rep.Warnings, res.Warnings...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	rep.Sort()
	return rep
}

// fixture splits a check's txtar into the positive and negative trees.
func fixture(t *testing.T, id string) (pos, neg fstest.MapFS) {
	t.Helper()
	a, err := txtar.ParseFile(filepath.Join("testdata", "checks", id+".txtar"))
	if err != nil {
		t.Fatalf("%s: no fixture: %v", id, err)
	}
	pos, neg = fstest.MapFS{}, fstest.MapFS{}
	for _, f := range a.Files {
		switch {
		case strings.HasPrefix(f.Name, "positive/"):
			pos[strings.TrimPrefix(f.Name, "positive/")] = &fstest.MapFile{Data: f.Data}
		case strings.HasPrefix(f.Name, "negative/"):
			neg[strings.TrimPrefix(f.Name, "negative/")] = &fstest.MapFile{Data: f.Data}
		default:
			t.Fatalf("%s: fixture file %s is neither positive/ nor negative/", id, f.Name)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		t.Fatalf("%s: fixture needs both positive/ and negative/ files", id)
	}
	return pos, neg
}

// TestEveryCheckHasFixtures is the contract: every registered check fires on its positive fixture
// (at a real line) and stays quiet on its negative one, and neither fixture fails to parse.
func TestEveryCheckHasFixtures(t *testing.T) {
	for _, c := range check.All() {
		t.Run(c.ID, func(t *testing.T) {
			pos, neg := fixture(t, c.ID)
			rp := runTree(t, newScanner(t), pos)
			if len(rp.Skipped) > 0 {
				t.Errorf("positive fixture skipped: %+v", rp.Skipped)
			}
			fired := false
			for _, f := range rp.Findings {
				if f.RuleID == c.ID {
					fired = true
					if f.Location.StartLine <= 0 {
						t.Errorf("finding without a line: %+v", f.Location)
					}
					if f.Severity != c.Severity || f.Title == "" || f.Remediation == "" || f.Fingerprint == "" {
						t.Errorf("incomplete finding: %+v", f)
					}
				}
			}
			if !fired {
				t.Errorf("did not fire on positive fixture; got %v", ruleIDs(rp))
			}
			rn := runTree(t, newScanner(t), neg)
			if len(rn.Skipped) > 0 {
				t.Errorf("negative fixture skipped: %+v", rn.Skipped)
			}
			for _, f := range rn.Findings {
				if f.RuleID == c.ID {
					t.Errorf("fired on negative fixture at %s:%d (%s)", f.Location.Path, f.Location.StartLine, f.Message)
				}
			}
		})
	}
}

// newScanner builds a fresh analyzer: one Scanner serves one scan (it caches Terraform modules by
// directory), so every tree gets its own.
func newScanner(t testing.TB) *Scanner {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ruleIDs(r *finding.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s@%s:%d", f.RuleID, f.Location.Path, f.Location.StartLine))
	}
	return out
}

// TestCheckMetadata keeps the table honest: one id scheme, every field filled.
func TestCheckMetadata(t *testing.T) {
	prefix := map[check.Platform]string{check.Dockerfile: "TG-DOCKER-", check.Kubernetes: "TG-K8S-", check.Terraform: "TG-TF-",
		check.Compose: "TG-COMPOSE-", check.GitHubActions: "TG-GHA-", check.GitLabCI: "TG-GLCI-"}
	for _, c := range check.All() {
		if !strings.HasPrefix(c.ID, prefix[c.Platform]) {
			t.Errorf("%s: id does not start with %s", c.ID, prefix[c.Platform])
		}
		if c.Title == "" || c.Description == "" || c.Remediation == "" || len(c.References) == 0 || c.Severity == finding.Unknown {
			t.Errorf("%s: incomplete metadata", c.ID)
		}
	}
}

// TestChecksDoc keeps CHECKS.md generated from the table (go test -run TestChecksDoc -update).
func TestChecksDoc(t *testing.T) {
	got := ChecksMarkdown()
	if *update {
		if err := os.WriteFile("CHECKS.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("CHECKS.md")
	if err != nil || string(want) != got {
		t.Fatalf("CHECKS.md is stale; run go test ./internal/misconfig -run TestChecksDoc -update")
	}
}
