package main

// Hostile and broken input through the real binary: the scan finishes, names what it skipped and
// why, never hangs, never prints a secret in clear, and exits 2 only when the target itself cannot
// be read. Every input is generated here, in a temporary directory.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// hangLimit catches a hang; it is not a speed assertion.
const hangLimit = 120 * time.Second

// hostileRun runs the binary with a deadline: a scan that blocks fails the test instead of the suite.
func hostileRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("tollgate %s: still running after %s (a hang)", strings.Join(args, " "), hangLimit)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// hostileScan runs `scan -f json` and decodes the report; want is the expected exit code (-1: the
// scan ran, whatever the gate said).
func hostileScan(t *testing.T, want int, args ...string) *finding.Report {
	t.Helper()
	out, stderr, code := hostileRun(t, append([]string{"scan", "-f", "json", "--no-progress", "-q"}, args...)...)
	if code != want && (want >= 0 || code == 2) {
		t.Fatalf("exit %d, want %d; stderr: %s", code, want, stderr)
	}
	if code == 2 {
		return nil
	}
	var r finding.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%.500s", err, out)
	}
	return &r
}

func put(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// freshPassword is a generic high-entropy password, new on every run.
func freshPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Q" + strings.NewReplacer("+", "x", "/", "y").Replace(base64.StdEncoding.EncodeToString(b)) + "7"
}

func skipReasons(r *finding.Report) map[string]string {
	m := map[string]string{}
	for _, s := range r.Skipped {
		m[s.Path] = s.Reason
	}
	return m
}

func findingPaths(r *finding.Report) map[string]bool {
	m := map[string]bool{}
	for _, f := range r.Findings {
		m[f.Location.Path] = true
	}
	return m
}

// TestHostileTree: broken bytes, broken names, links that loop or leave, a FIFO and a device, a
// broken .gitignore and 300 nested directories in one tree.
func TestHostileTree(t *testing.T) {
	dir := t.TempDir()
	pw := freshPassword(t)
	put(t, dir, "bad-utf8.txt", []byte("bad \xff\xfe \xc3\x28\npassword = \""+pw+"\"\n"))
	put(t, dir, "nul.txt", []byte("nul\x00inside password = \""+pw+"\"\n"))
	put(t, dir, "name-\xff\x01-bad.txt", []byte("x\n"))
	put(t, dir, "empty.txt", nil)
	put(t, dir, ".gitignore", []byte("[\n**/[\n!\n\\\n[a-\n"))
	deep := filepath.Join(append([]string{dir}, strings.Split(strings.Repeat("d/", 300), "/")...)...)
	put(t, deep, "leaf.txt", []byte("password = \""+pw+"\"\n"))
	for _, l := range [][2]string{{"loop1", "loop2"}, {"loop2", "loop1"}, {"/etc/passwd", "out"}, {"../../..", "updir"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	hasDev := syscall.Mknod(filepath.Join(dir, "zero"), syscall.S_IFCHR|0o600, 1<<8|5) == nil // /dev/zero's numbers

	r := hostileScan(t, 1, dir)
	reasons := skipReasons(r)
	want := map[string]string{
		"nul.txt": finding.SkipBinary, "loop1": finding.SkipSymlinkLoop, "loop2": finding.SkipSymlinkLoop,
		"out": finding.SkipSymlinkOut, "updir": finding.SkipSymlinkOut, "fifo": finding.SkipNotRegular,
	}
	if hasDev {
		want["zero"] = finding.SkipNotRegular
	}
	for p, reason := range want {
		if reasons[p] != reason {
			t.Errorf("%s skipped as %q, want %q", p, reasons[p], reason)
		}
	}
	found := findingPaths(r)
	leaf := strings.Repeat("d/", 300) + "leaf.txt"
	for _, p := range []string{"bad-utf8.txt", leaf} {
		if !found[p] {
			t.Errorf("no finding in %.60s", p)
		}
	}
	// bad-utf8, the bad name, empty, .gitignore, the leaf: broken patterns hide nothing (git agrees).
	if r.Stats.Files != 5 {
		t.Errorf("files = %d, want 5", r.Stats.Files)
	}
}

// TestHostileLongLines: a file over --max-file-size is skipped by its size (never read whole), a
// 5 MB single line under it is scanned to its last byte.
func TestHostileLongLines(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "huge.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(30 << 20); err != nil { // sparse: a 30 MB claim costs no disk
		t.Fatal(err)
	}
	f.Close()
	pw := freshPassword(t)
	put(t, dir, "long.txt", []byte("x="+strings.Repeat("q", 5<<20)+" password = \""+pw+"\""))

	r := hostileScan(t, 1, "--max-file-size", "20000000", dir)
	if got := skipReasons(r)["huge.txt"]; got != finding.SkipTooLarge {
		t.Errorf("huge.txt skipped as %q, want %q", got, finding.SkipTooLarge)
	}
	if len(r.Findings) != 1 || r.Findings[0].Location.Path != "long.txt" || r.Findings[0].Location.StartColumn < 5<<20 {
		t.Errorf("findings = %+v, want the secret at the end of long.txt", r.Findings)
	}
}

func TestHostileManyFiles(t *testing.T) {
	dir := t.TempDir()
	for i := range 200 {
		for j := range 100 {
			put(t, dir, fmt.Sprintf("%03d/f%d.txt", i, j), []byte("line\n"))
		}
	}
	r := hostileScan(t, 0, dir)
	if r.Stats.Files != 20000 {
		t.Errorf("files = %d, want 20000", r.Stats.Files)
	}
}

// TestHostileTargets: what can and cannot be a target.
func TestHostileTargets(t *testing.T) {
	dir := t.TempDir()
	pw := freshPassword(t)
	file := put(t, dir, "settings.py", []byte("DB_PASSWORD = \""+pw+"\"\n"))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link.py")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		want      int
		wantFiles int
	}{
		{"missing target", []string{filepath.Join(dir, "nope")}, 2, 0},
		{"a FIFO cannot be scanned and must not block", []string{fifo}, 2, 0},
		{"a device cannot be scanned", []string{"/dev/zero"}, 2, 0},
		{"a single file is scanned", []string{file}, 1, 1},
		{"a symlink the user named is followed", []string{link}, 1, 1},
		{"--history on a directory that is not a repository", []string{"--history", dir}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hostileScan(t, tt.want, tt.args...)
			if r != nil && r.Stats.Files != tt.wantFiles {
				t.Errorf("files = %d, want %d", r.Stats.Files, tt.wantFiles)
			}
		})
	}
}

// TestHostilePolicyFiles: a policy that cannot be read never leaves the gate open (exit 2, naming
// file and line).
func TestHostilePolicyFiles(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) []string
		wantErr string
	}{
		{"malformed tollgate.yaml", func(t *testing.T, dir string) []string {
			put(t, dir, "tollgate.yaml", []byte("fail-on:\n  secret: high\n  bad: [unclosed\n"))
			return nil
		}, "tollgate.yaml:2"},
		{"waiver without owner", func(t *testing.T, dir string) []string {
			put(t, dir, "tollgate.yaml", []byte("waivers:\n  - rule: x\n    reason: r\n    expires: 2030-01-01\n"))
			return nil
		}, "tollgate.yaml:2"},
		{"tollgate.yaml is a FIFO", func(t *testing.T, dir string) []string {
			if err := syscall.Mkfifo(filepath.Join(dir, "tollgate.yaml"), 0o600); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "not a regular file"},
		{".trivyignore is a FIFO", func(t *testing.T, dir string) []string {
			if err := syscall.Mkfifo(filepath.Join(dir, ".trivyignore"), 0o600); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "not a regular file"},
		{"tollgate.yaml links out of the tree", func(t *testing.T, dir string) []string {
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "tollgate.yaml")); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "escapes"},
		{"baseline that is not JSON", func(t *testing.T, dir string) []string {
			return []string{"--baseline", put(t, t.TempDir(), "base.json", []byte("not json\n"))}
		}, "base.json:1"},
		{"baseline from another tool", func(t *testing.T, dir string) []string {
			return []string{"--baseline", put(t, t.TempDir(), "base.json", []byte(`{"runs":[]}`))}
		}, "not a Tollgate JSON report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			put(t, dir, "main.go", []byte("package main\n"))
			args := append([]string{"scan", "--no-progress"}, tt.setup(t, dir)...)
			_, stderr, code := hostileRun(t, append(args, dir)...)
			if code != 2 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.wantErr)
			}
		})
	}
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitRepo makes three commits, each adding one file with a password.
func gitRepo(t *testing.T) (dir string, commits []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir = t.TempDir()
	gitCmd(t, dir, "init", "-q")
	for i := range 3 {
		put(t, dir, fmt.Sprintf("f%d.txt", i), []byte("password = \""+freshPassword(t)+"\"\n"))
		gitCmd(t, dir, "add", ".")
		gitCmd(t, dir, "commit", "-qm", fmt.Sprintf("c%d", i))
		commits = append(commits, gitCmd(t, dir, "rev-parse", "HEAD"))
	}
	return dir, commits
}

func removeObject(t *testing.T, repo, id string) {
	t.Helper()
	if err := os.Remove(filepath.Join(repo, ".git", "objects", id[:2], id[2:])); err != nil {
		t.Fatal(err)
	}
}

func TestHostileGit(t *testing.T) {
	t.Run("missing blob: the rest of the history is scanned", func(t *testing.T) {
		dir, commits := gitRepo(t)
		removeObject(t, dir, gitCmd(t, dir, "rev-parse", commits[1]+":f1.txt"))
		r := hostileScan(t, 1, "--history", dir)
		if got := skipReasons(r)[commits[1]]; got != "git-error" {
			t.Errorf("commit %s skipped as %q, want git-error; skipped %+v", commits[1], got, r.Skipped)
		}
		if f := findingPaths(r); !f["f0.txt"] || !f["f2.txt"] {
			t.Errorf("findings in %v, want f0.txt and f2.txt", f)
		}
	})
	t.Run("missing commit: no history can be read", func(t *testing.T) {
		dir, commits := gitRepo(t)
		removeObject(t, dir, commits[1])
		hostileScan(t, 2, "--history", dir)
	})
	t.Run("shallow clone names its boundary", func(t *testing.T) {
		src, _ := gitRepo(t)
		clone := filepath.Join(t.TempDir(), "clone")
		gitCmd(t, src, "clone", "-q", "--depth", "1", "file://"+src, clone)
		r := hostileScan(t, 1, "--history", clone)
		if r.Stats.SkippedByReason["shallow-history"] != 1 || len(r.Findings) != 3 {
			t.Errorf("skipped %+v, %d findings; want one shallow-history skip and 3 findings", r.Skipped, len(r.Findings))
		}
	})
	t.Run("hostile .git/config runs nothing", func(t *testing.T) {
		dir, _ := gitRepo(t)
		marks := t.TempDir()
		cmd := func(name string) string { return "touch " + filepath.Join(marks, name) }
		cfg := fmt.Sprintf("[core]\n\tpager = %s\n\tfsmonitor = %s\n\tsshCommand = %s\n\thooksPath = %s\n"+
			"[diff]\n\texternal = %s\n[diff \"x\"]\n\ttextconv = %s\n[pager]\n\tlog = %s\n[gpg]\n\tprogram = %s\n"+
			"[log]\n\tshowSignature = true\n[filter \"f\"]\n\tclean = %s\n\tsmudge = %s\n\tprocess = %s\n",
			cmd("pager"), cmd("fsmonitor"), cmd("ssh"), marks, cmd("diffext"), cmd("textconv"), cmd("pagerlog"),
			cmd("gpg"), cmd("clean"), cmd("smudge"), cmd("process"))
		fh, err := os.OpenFile(filepath.Join(dir, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fh.WriteString(cfg)
		fh.Close()
		put(t, marks, "post-checkout", []byte("#!/bin/sh\n"+cmd("hook")+"\n"))
		put(t, dir, ".gitattributes", []byte("* diff=x filter=f\n"))
		put(t, dir, "f9.txt", []byte("staged\n"))
		gitCmd(t, dir, "-c", "filter.f.clean=cat", "-c", "filter.f.process=", "-c", "core.fsmonitor=false", "add", ".")
		hostileScan(t, 1, "--history", dir)
		hostileScan(t, 0, "--staged", dir)
		hostileScan(t, 1, dir)
		hostileScan(t, 1, "--new-since", "HEAD~1", dir)
		if ents, _ := os.ReadDir(marks); len(ents) != 1 { // only the hook file written above
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("the repository's config ran programs: %v", names)
		}
	})
}

// TestHostileVuln: without a database the report says vulnerabilities were not checked; broken and
// huge lockfiles are a named skip or their packages, and the scan goes on.
func TestHostileVuln(t *testing.T) {
	dir := t.TempDir()
	put(t, dir, "package-lock.json", []byte(`{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/lodash":{"version":"4.17.20"}}}`))
	put(t, dir, "truncated/package-lock.json", []byte(`{"lockfileVersion":3,"packages":{`))
	put(t, dir, "wrongtype/package-lock.json", []byte(`{"lockfileVersion":3,"packages":{"node_modules/a":{"version":{"x":1}}}}`))
	var big bytes.Buffer
	big.WriteString(`{"name":"big","lockfileVersion":3,"packages":{"":{"name":"big"}`)
	for i := range 100000 {
		fmt.Fprintf(&big, `,"node_modules/pkg-%d":{"version":"1.%d.%d"}`, i, i%100, i%7)
	}
	big.WriteString("}}")
	put(t, dir, "huge/package-lock.json", big.Bytes())

	r := hostileScan(t, 0, "--scanners", "vuln", "--offline", "--db-dir", t.TempDir(), dir)
	if len(r.NotChecked) == 0 || r.Verdict.Result != finding.Warn {
		t.Errorf("notChecked %q, verdict %q: want a not-checked note and a warn verdict", r.NotChecked, r.Verdict.Result)
	}
	reasons := skipReasons(r)
	for _, p := range []string{"truncated/package-lock.json", "wrongtype/package-lock.json"} {
		if reasons[p] != finding.SkipParseError {
			t.Errorf("%s skipped as %q, want %q", p, reasons[p], finding.SkipParseError)
		}
	}
	if len(r.Packages) != 100001 {
		t.Errorf("packages = %d, want 100001", len(r.Packages))
	}
}

// TestHostileMisconfig: bombs and broken documents are per-file trouble; the scan finishes.
func TestHostileMisconfig(t *testing.T) {
	dir := t.TempDir()
	var lol strings.Builder
	lol.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nx-l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&lol, "x-l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	lol.WriteString("spec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        args: *l8\n")
	put(t, dir, "bomb.yaml", []byte(lol.String()))
	put(t, dir, ".github/workflows/ci.yml", []byte(lol.String()))
	put(t, dir, "docker-compose.yml", []byte(lol.String()))
	put(t, dir, "deep-flow.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  x: "+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+"\n"))
	var block strings.Builder
	block.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: d2\nspec:\n")
	for i := range 1000 {
		fmt.Fprintf(&block, "%sk%d:\n", strings.Repeat("  ", i+1), i)
	}
	put(t, dir, "deep-block.yaml", []byte(block.String()))
	put(t, dir, "bad.tf", []byte("resource \"aws_s3_bucket\" \"b\" {\n  acl = \n}}}\n"))
	put(t, dir, "cyclic.tf", []byte("locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.a\n}\n"))
	put(t, dir, "self/main.tf", []byte("module \"m\" {\n  source = \"./\"\n}\n"))
	put(t, dir, "Dockerfile", []byte("FROM alpine\nRUN "+strings.Repeat("a \\\n", 50000)+"echo\n"))

	r := hostileScan(t, -1, "--scanners", "misconfig", dir)
	if got := skipReasons(r)["bad.tf"]; got != finding.SkipParseError {
		t.Errorf("bad.tf skipped as %q, want %q", got, finding.SkipParseError)
	}
	if !findingPaths(r)["bomb.yaml"] {
		t.Error("the deployment carrying a YAML bomb was not checked")
	}
}

// Exponentially growing Terraform locals (each a list of four copies of the previous) never finish.
func TestHostileMisconfigExponentialLocals(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("locals {\n  a0 = \"xxxxxxxxxx\"\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "  a%d = [local.a%d, local.a%d, local.a%d, local.a%d]\n", i, i-1, i-1, i-1, i-1)
	}
	b.WriteString("}\n")
	put(t, dir, "exp.tf", []byte(b.String()))
	hostileScan(t, 0, "--scanners", "misconfig", dir)
}

// dockerSave writes a docker-save tarball whose one layer holds the given members, twice over.
func dockerSave(t *testing.T, path string, members map[string]string, order []string) []byte {
	t.Helper()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, name := range order {
		body := members[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if strings.HasPrefix(body, "->") {
			h = &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: body[2:]}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(body))
		}
	}
	tw.Close()
	sum := sha256.Sum256(layer.Bytes())
	d := hex.EncodeToString(sum[:])
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + d, "sha256:" + d}}})
	csum := sha256.Sum256(cfg)
	cname := hex.EncodeToString(csum[:]) + ".json"
	man, _ := json.Marshal([]map[string]any{{"Config": cname, "RepoTags": []string{"evil:1"}, "Layers": []string{d + "/layer.tar", d + "/layer.tar"}}})
	var out bytes.Buffer
	ow := tar.NewWriter(&out)
	for _, m := range []struct {
		name string
		data []byte
	}{{"manifest.json", man}, {cname, cfg}, {d + "/layer.tar", layer.Bytes()}} {
		ow.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg})
		ow.Write(m.data)
	}
	ow.Close()
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestHostileImage(t *testing.T) {
	dir := t.TempDir()
	escape := filepath.Join(dir, "escaped.txt")
	pw := "password = \"" + freshPassword(t) + "\"\n"
	members := map[string]string{
		"../../../../../../.." + escape: pw, "/abs/etc/x.txt": pw, "app/ok.txt": pw,
		"app/up": "->../../../../etc", "etc/os-release": "ID=alpine\nVERSION_ID=3.19.0\n",
	}
	order := []string{"../../../../../../.." + escape, "/abs/etc/x.txt", "app/ok.txt", "app/up", "etc/os-release"}
	img := filepath.Join(dir, "image.tar")
	dockerSave(t, img, members, order)

	r := hostileScan(t, 1, img)
	by := r.Stats.SkippedByReason
	if by["unsafe-path"] != 2 || by["symlink-outside-target"] != 1 || by["duplicate-layer"] != 1 {
		t.Errorf("skipped by reason %v, want 2 unsafe-path, 1 symlink-outside-target, 1 duplicate-layer", by)
	}
	if f := findingPaths(r); len(f) != 1 || !f["app/ok.txt"] {
		t.Errorf("findings in %v, want app/ok.txt only", f)
	}
	if _, err := os.Stat(escape); err == nil {
		t.Error("a ../ member was written outside the image")
	}
}

func TestHostileImageTruncated(t *testing.T) {
	dir := t.TempDir()
	img := dockerSave(t, filepath.Join(dir, "full.tar"), map[string]string{"app/a.txt": strings.Repeat("x", 8000)}, []string{"app/a.txt"})
	cut := put(t, dir, "cut.tar", img[:len(img)/2])
	if r := hostileScan(t, 2, cut); r != nil {
		t.Errorf("report %+v", r.Stats)
	}
}

// TestHostileSecretNeverInClear: a fresh private key and password, in every format the binary
// writes, never appear in clear.
func TestHostileSecretNeverInClear(t *testing.T) {
	dir := leakyTree(t)
	pem, err := os.ReadFile(filepath.Join(dir, "deploy.pem"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Split(string(pem), "\n")[2] // first base64 line of the key
	pw := freshPassword(t)
	put(t, dir, "settings.py", []byte("DB_PASSWORD = \""+pw+"\"\n"))
	put(t, dir, "k8s/deploy.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    env:\n    - name: DB_PASSWORD\n      value: \""+pw+"\"\n"))
	put(t, dir, "Dockerfile", []byte("FROM alpine:3.19\nENV DB_PASSWORD="+pw+"\n"))
	for _, format := range []string{"json", "sarif", "table", "junit", "html", "markdown", "gitlab-sast", "github"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := hostileRun(t, "scan", "--scanners", "secret,misconfig", "-f", format, "--no-progress", "--debug", dir)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
			}
			for _, secret := range []string{pw, body} {
				if strings.Contains(out, secret) || strings.Contains(stderr, secret) {
					t.Errorf("%s output holds a secret in clear (%.8s…)", format, secret)
				}
			}
		})
	}
}
