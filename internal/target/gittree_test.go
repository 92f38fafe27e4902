package target_test

import (
	"context"
	"hash/crc32"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/scan"
	"github.com/tollgate-dev/tollgate/internal/scanners"
	"github.com/tollgate-dev/tollgate/internal/target"
	"github.com/tollgate-dev/tollgate/internal/walk"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	return dir
}

func TestGitTreeReadsTheObjectStoreNotTheWorkTree(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a/b.txt", "committed\n")
	write(t, dir, "top.txt", "top\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "one")
	write(t, dir, "a/b.txt", "changed in the work tree\n")
	write(t, dir, "untracked.txt", "x\n")

	tree, err := target.OpenGitTree(dir, "HEAD", target.GitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var paths []string
	var contents []string
	err = tree.Walk(context.Background(), func(e scan.Entry) error {
		paths = append(paths, e.Path)
		b, err := e.Read(1 << 20)
		contents = append(contents, string(b))
		return err
	}, func(finding.Skipped) {})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(paths, []string{"a/b.txt", "top.txt"}) || contents[0] != "committed\n" {
		t.Fatalf("paths %v contents %q", paths, contents)
	}
	b, err := fs.ReadFile(tree.FS(), "a/b.txt")
	if err != nil || string(b) != "committed\n" {
		t.Fatalf("FS read %q %v", b, err)
	}
	ents, err := fs.ReadDir(tree.FS(), ".")
	if err != nil || len(ents) != 2 || !ents[0].IsDir() {
		t.Fatalf("ReadDir . = %v %v", ents, err)
	}
	if _, err := target.OpenGitTree(dir, "no-such-ref", target.GitOptions{}); err == nil {
		t.Error("unknown ref opened")
	}
	if _, err := target.OpenGitTree(dir, "--output=/tmp/x", target.GitOptions{}); err == nil {
		t.Error("a ref that looks like an option must be refused")
	}
}

const awsLine = "aws_access_key_id = \"AKIAIOSFODNN7EXAMPLQ\"\n"

const lockA = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0", "lodash": "4.17.21"}},
    "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL"},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT"}
  }
}
`

// The same lockfile with its packages in the other order and shifted lines.
const lockB = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,

  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"lodash": "4.17.21", "left-pad": "1.3.0"}},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT"},
    "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL"}
  }
}
`

// scanFingerprints scans a source with the secret and license scanners and returns fingerprints by path.
func scanFingerprints(t *testing.T, src scan.Source) map[string]string {
	t.Helper()
	analyzers, err := scanners.Build([]string{"secret", "license"}, scanners.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scan.Run(context.Background(), src, scan.Options{Analyzers: analyzers, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range rep.Findings {
		out[f.Fingerprint] = f.Location.Path + " " + f.RuleID
	}
	return out
}

func treeFingerprints(t *testing.T, dir, ref string) map[string]string {
	t.Helper()
	tree, err := target.OpenGitTree(dir, ref, target.GitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	return scanFingerprints(t, tree)
}

func dirFingerprints(t *testing.T, dir string) map[string]string {
	t.Helper()
	d, err := walk.Open(dir, walk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return scanFingerprints(t, d)
}

// newOnes lists the findings of now whose fingerprints are not in base: what --new-since would fail on.
func newOnes(base, now map[string]string) []string {
	var out []string
	for fp, what := range now {
		if _, ok := base[fp]; !ok {
			out = append(out, what)
		}
	}
	slices.Sort(out)
	return out
}

// TestFingerprintsForNewSince proves what the only-new-findings gate rests on: lines inserted above a
// finding, moving other files and re-ordering a lockfile change no fingerprint; moving the file that
// holds the secret (its content moved) makes it new; adding a secret makes exactly one new finding.
func TestFingerprintsForNewSince(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "config/app.env", "# settings\n"+awsLine)
	write(t, dir, "docs/readme.txt", "hello\n")
	write(t, dir, "package-lock.json", lockA)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "base")

	base := treeFingerprints(t, dir, "HEAD")
	if len(base) < 3 {
		t.Fatalf("want the AWS key and two license findings in the base, got %v", base)
	}
	var haveKey bool
	for _, what := range base {
		haveKey = haveKey || strings.HasPrefix(what, "config/app.env ")
	}
	if !haveKey {
		t.Fatalf("the secret scanner found no key in config/app.env: %v", base)
	}

	// Lines above the finding, an unrelated file moved, the lockfile re-ordered.
	write(t, dir, "config/app.env", "# settings\n# more\n# and more\n\nregion = eu-west-1\n"+awsLine)
	if err := os.MkdirAll(filepath.Join(dir, "docs/guide"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "mv", "docs/readme.txt", "docs/guide/readme.txt")
	write(t, dir, "package-lock.json", lockB)
	if got := newOnes(base, dirFingerprints(t, dir)); len(got) != 0 {
		t.Errorf("shifted lines, a moved unrelated file and a re-ordered lockfile made findings new: %v", got)
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "shuffle")
	if got := newOnes(base, treeFingerprints(t, dir, "HEAD")); len(got) != 0 {
		t.Errorf("the committed shuffle made findings new: %v", got)
	}

	// The file holding the secret moves: its content moved, so the finding is new at its new path.
	git(t, dir, "mv", "config/app.env", "config/prod.env")
	if got := newOnes(base, dirFingerprints(t, dir)); !allAt(got, "config/prod.env") {
		t.Errorf("moving the file with the secret: new = %v, want only its findings at config/prod.env", got)
	}
	git(t, dir, "commit", "-qm", "move")

	// A commit that adds one secret: --new-since HEAD~1 sees exactly that one.
	write(t, dir, "deploy/ci.env", "GITHUB_TOKEN="+githubToken("ghp_", strings.Repeat("A1b2C3d4E5", 3))+"\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "add a token")
	got := newOnes(treeFingerprints(t, dir, "HEAD~1"), treeFingerprints(t, dir, "HEAD"))
	if !allAt(got, "deploy/ci.env") {
		t.Errorf("--new-since HEAD~1 after adding one secret: new = %v, want only the token's findings", got)
	}
}

// githubToken builds a token GitHub's checksum accepts (CRC32 of the random part, base62, 6 digits), so
// the secret scanner reports it; none is committed in clear.
func githubToken(prefix, random string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sum := crc32.ChecksumIEEE([]byte(random))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = alphabet[sum%62]
		sum /= 62
	}
	return prefix + random + string(b[:])
}

// allAt is true when there is at least one finding and every one is at path.
func allAt(got []string, path string) bool {
	for _, g := range got {
		if !strings.HasPrefix(g, path+" ") {
			return false
		}
	}
	return len(got) > 0
}
