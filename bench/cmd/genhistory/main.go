// Command genhistory writes a deterministic git repository with a long, realistic history for the
// history benchmarks (tollgate scan --history vs gitleaks git): source files in several languages
// that grow, shrink, get renamed and deleted over time, feature branches merged back with --no-ff,
// and a few planted fake secrets whose commit, path and line are written to a manifest.
//
//	go run ./bench/cmd/genhistory -out bench/work/history-repo -commits 5000 \
//	    -manifest bench/work/history-secrets.tsv
//
// The same flags always give the same repository, commit hashes included (fixed authors, dates and
// seed). The history is streamed into `git fast-import`, so 5,000 commits take a few seconds.
// The manifest has one row per planted secret: commit subject, path, line, kind. Each planted
// secret is added once and removed a few commits later, so only a history scan finds it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to create the repository in (must not exist)")
	commits := flag.Int("commits", 5000, "number of commits (merges included)")
	secrets := flag.Int("secrets", 12, "number of planted fake secrets")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same repository")
	manifest := flag.String("manifest", "", "write the planted secrets' locations here (TSV)")
	flag.Parse()
	if *out == "" || *commits < 1 {
		fmt.Fprintln(os.Stderr, "usage: genhistory -out DIR [-commits N] [-secrets N] [-seed N] [-manifest FILE]")
		os.Exit(2)
	}
	if _, err := os.Stat(*out); err == nil {
		fail(fmt.Errorf("%s exists; remove it first", *out))
	}
	if err := git("", "init", "-q", "-b", "main", *out); err != nil {
		fail(err)
	}
	cmd := exec.Command("git", "-C", *out, "fast-import", "--quiet")
	cmd.Env = gitEnv()
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	g := newGen(*seed, *commits, *secrets)
	w := bufio.NewWriterSize(stdin, 1<<20)
	g.run(w)
	if err := w.Flush(); err != nil {
		fail(err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		fail(fmt.Errorf("git fast-import: %w", err))
	}
	if err := git(*out, "reset", "-q", "--hard", "main"); err != nil {
		fail(err)
	}
	if *manifest != "" {
		var b strings.Builder
		b.WriteString("subject\tpath\tline\tkind\n")
		for _, p := range g.planted {
			fmt.Fprintf(&b, "%s\t%s\t%d\t%s\n", p.subject, p.path, p.line, p.kind)
		}
		if err := os.WriteFile(*manifest, []byte(b.String()), 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Fprintf(os.Stderr, "genhistory: %s: %d commits, %d files at HEAD, %d planted secrets\n",
		*out, g.made, len(g.files), len(g.planted))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genhistory:", err)
	os.Exit(1)
}

func gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
}

func git(dir string, args ...string) error {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.Command("git", args...)
	cmd.Env = gitEnv()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

type planted struct {
	subject, path, kind string
	line                int
}

type gen struct {
	r        *rand.Rand
	total    int
	made     int
	mark     int
	files    map[string][]string // the tree at the tip of the current branch
	blobs    map[string]int      // path -> blob mark
	names    []string            // sorted paths, for deterministic picks
	planted  []planted
	plantAt  []int     // commit numbers at (or after) which the next secret is planted
	removals []removal // planted lines to take out again
	pending  string    // subject prefix for the commit that plants a secret
	mainTip  int
	now      int64
}

func newGen(seed uint64, total, secrets int) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), total: total,
		files: map[string][]string{}, blobs: map[string]int{}, now: 1577836800} // 2020-01-01
	for i := range secrets {
		g.plantAt = append(g.plantAt, 20+(total-40)*(i+1)/(secrets+1))
	}
	return g
}

var authors = []string{
	"Ada Lovelace <ada@example.com>", "Grace Hopper <grace@example.com>",
	"Alan Turing <alan@example.com>", "Edsger Dijkstra <edsger@example.com>",
	"Barbara Liskov <barbara@example.com>", "Ken Thompson <ken@example.com>",
}

var dirs = []string{"cmd/api", "internal/store", "internal/http", "web/src", "web/src/components",
	"scripts", "deploy/k8s", "docs", "services/billing", "services/users", "lib/py/app", "java/src/main"}

var exts = []string{".go", ".go", ".py", ".js", ".ts", ".java", ".yaml", ".md", ".json", ".sh", ".rb"}

func (g *gen) run(w io.Writer) {
	for i := range 40 {
		g.newFile(i)
	}
	g.commit(w, "refs/heads/main", "initial import", 0)
	branch := 0
	for g.made < g.total {
		if g.total-g.made > 8 && g.r.IntN(40) == 0 {
			// A feature branch of a few commits, merged back with --no-ff.
			branch++
			ref := fmt.Sprintf("refs/heads/feature-%d", branch)
			base := g.mainTip
			n := 2 + g.r.IntN(5)
			first := true
			for range n {
				g.change()
				from := 0
				if first {
					from = base
					first = false
				}
				g.commit(w, ref, g.subject(), from)
			}
			tip := g.mark
			g.commitMerge(w, base, tip, fmt.Sprintf("Merge branch 'feature-%d'", branch))
			continue
		}
		g.change()
		g.commit(w, "refs/heads/main", g.subject(), 0)
	}
}

// change edits the tree: a few files get lines inserted, deleted or replaced; now and then a file
// is added, renamed or deleted; planted secrets appear and disappear on schedule.
func (g *gen) change() {
	n := g.made + 1
	g.removals = slices.DeleteFunc(g.removals, func(r removal) bool {
		if r.at > n {
			return false
		}
		if lines, ok := g.files[r.path]; ok {
			g.files[r.path] = slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return strings.Contains(l, "planted") })
		}
		return true
	})
	switch x := g.r.IntN(100); {
	case x < 6:
		g.newFile(len(g.names) + n)
	case x < 8 && len(g.names) > 30:
		p := g.names[g.r.IntN(len(g.names))]
		np := path.Join(path.Dir(p), "renamed_"+path.Base(p))
		if _, taken := g.files[np]; !taken {
			g.files[np] = g.files[p]
			delete(g.files, p)
		}
	case x < 9 && len(g.names) > 30:
		delete(g.files, g.names[g.r.IntN(len(g.names))])
	}
	g.sortNames()
	for range 1 + g.r.IntN(3) {
		p := g.names[g.r.IntN(len(g.names))]
		g.edit(p)
	}
	if i := len(g.planted); i < len(g.plantAt) && n >= g.plantAt[i] {
		g.plant(i) // last, so the manifest's line number is the committed one
	}
}

func (g *gen) sortNames() {
	g.names = g.names[:0]
	for p := range g.files {
		g.names = append(g.names, p)
	}
	slices.Sort(g.names)
}

func (g *gen) newFile(i int) {
	ext := exts[g.r.IntN(len(exts))]
	p := fmt.Sprintf("%s/%s%d%s", dirs[g.r.IntN(len(dirs))], words[g.r.IntN(len(words))], i, ext)
	var lines []string
	for range 20 + g.r.IntN(60) {
		lines = append(lines, g.line(ext))
	}
	g.files[p] = lines
	g.sortNames()
}

func (g *gen) edit(p string) {
	lines := slices.Clone(g.files[p])
	ext := path.Ext(p)
	for range 1 + g.r.IntN(4) {
		at := g.r.IntN(len(lines) + 1)
		switch op := g.r.IntN(10); {
		case op < 5 || len(lines) < 10:
			var add []string
			for range 1 + g.r.IntN(6) {
				add = append(add, g.line(ext))
			}
			lines = slices.Insert(lines, at, add...)
		case op < 8 && at < len(lines):
			lines[at] = g.line(ext)
		case at < len(lines):
			end := min(len(lines), at+1+g.r.IntN(3))
			lines = slices.Delete(lines, at, end)
		}
	}
	if len(lines) > 400 { // keep files at a realistic size
		lines = slices.Delete(lines, 100, 160)
	}
	g.files[p] = lines
}

func (g *gen) plant(i int) {
	p := g.names[g.r.IntN(len(g.names))]
	kind, line := g.secret(i)
	lines := slices.Clone(g.files[p])
	at := g.r.IntN(len(lines) + 1)
	g.files[p] = slices.Insert(lines, at, line)
	g.planted = append(g.planted, planted{path: p, line: at + 1, kind: kind})
	g.removals = append(g.removals, removal{at: g.made + 1 + 3 + g.r.IntN(10), path: p})
	g.pending = fmt.Sprintf("plant-%d", i)
}

type removal struct {
	at   int
	path string
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *gen) str(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// checksummed builds a GitHub/npm-style token: prefix, 30 random base62 characters and the
// base62 CRC-32 of those 30, so offline validators accept it. The values are random, not real.
func (g *gen) checksummed(prefix string) string {
	random := g.str(alnum, 30)
	v := crc32.ChecksumIEEE([]byte(random))
	var sum [6]byte
	for i := 5; i >= 0; i-- {
		sum[i] = alnum[v%62]
		v /= 62
	}
	return prefix + random + string(sum[:])
}

func (g *gen) secret(i int) (kind, line string) {
	tag := " // planted"
	switch i % 6 {
	case 0:
		return "github-pat", `const deployToken = "` + g.checksummed("ghp_") + `"` + tag
	case 1:
		return "aws-access-key", `aws_access_key_id = "AKIA` + g.str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) + `"` + tag
	case 2:
		return "npm", "//registry.npmjs.org/:_authToken=" + g.checksummed("npm_") + " # planted"
	case 3:
		return "slack-webhook", `webhook: "https://hooks.slack.com/services/T` + g.str("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8) +
			"/B" + g.str("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10) + "/" + g.str(alnum, 24) + `"  # planted`
	case 4:
		return "postgres-uri", `DATABASE_URL = "postgres://billing:` + g.str(alnum, 18) + `@db.internal:5432/billing"  # planted`
	default:
		return "stripe-live", `stripeKey := "sk_live_` + g.str(alnum, 24) + `"` + tag
	}
}

var words = []string{"user", "order", "invoice", "session", "cache", "config", "handler", "router",
	"client", "server", "queue", "worker", "report", "export", "account", "billing", "auth", "token",
	"metrics", "health", "schema", "migrate", "search", "index", "render", "layout", "button", "form"}

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

func (g *gen) line(ext string) string {
	a, b, n := g.word(), g.word(), g.r.IntN(1000)
	switch ext {
	case ".go":
		return g.pick(
			fmt.Sprintf("\t%s, err := %s.Load%s(ctx, %d)", a, b, title(a), n),
			fmt.Sprintf("\tif err != nil {\n\t\treturn fmt.Errorf(\"%s %s: %%w\", err)\n\t}", a, b),
			fmt.Sprintf("// %s%s returns the %s of a %s.", title(a), title(b), a, b),
			fmt.Sprintf("\t%sCount := len(%s.%ss) + %d", a, b, a, n))
	case ".py":
		return g.pick(
			fmt.Sprintf("    %s = self.%s.get_%s(%d)", a, b, a, n),
			fmt.Sprintf("def %s_%s(request, %s_id):", a, b, a),
			fmt.Sprintf("    logger.info(\"%s %s %%s\", %s)", a, b, a),
			fmt.Sprintf("    return {\"%s\": %s, \"count\": %d}", a, b, n))
	case ".js", ".ts":
		return g.pick(
			fmt.Sprintf("  const %s = await fetch%s(%s.id, %d);", a, title(b), b, n),
			fmt.Sprintf("export function %s%s(props) {", a, title(b)),
			fmt.Sprintf("  if (!%s) return null; // %s", a, b),
			fmt.Sprintf("  %s.set('%s', %d);", a, b, n))
	case ".java":
		return g.pick(
			fmt.Sprintf("    private final %sService %s = new %sService(%d);", title(a), a, title(a), n),
			fmt.Sprintf("    public %s get%s() { return this.%s; }", title(b), title(b), b),
			fmt.Sprintf("        log.debug(\"%s {}\", %s);", a, b))
	case ".yaml":
		return g.pick(
			fmt.Sprintf("  %s: %s-%d", a, b, n),
			fmt.Sprintf("    - name: %s", a),
			fmt.Sprintf("      replicas: %d", n%9+1))
	case ".json":
		return fmt.Sprintf("  \"%s_%s\": %d,", a, b, n)
	case ".sh":
		return g.pick(fmt.Sprintf("echo \"%s %s\"", a, b), fmt.Sprintf("%s_DIR=\"${%s:-/var/lib/%s}\"", strings.ToUpper(a), strings.ToUpper(b), a))
	case ".rb":
		return g.pick(fmt.Sprintf("  def %s_%s", a, b), fmt.Sprintf("    @%s = %s.find(%d)", a, title(b), n))
	default:
		return g.pick(fmt.Sprintf("The %s keeps a %s for every %s.", a, b, g.word()), fmt.Sprintf("- %s: see `%s`", a, b), "")
	}
}

func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *gen) subject() string {
	verbs := []string{"Fix", "Add", "Refactor", "Update", "Remove", "Rename", "Document", "Speed up"}
	return fmt.Sprintf("%s %s %s", verbs[g.r.IntN(len(verbs))], g.word(), g.word())
}

// commit writes the whole changed tree as one fast-import commit. Only blobs whose content changed
// get a new mark, so git stores deltas the way a real history does.
func (g *gen) commit(w io.Writer, ref, subject string, from int) {
	if g.pending != "" {
		subject = g.pending + ": " + subject
		g.planted[len(g.planted)-1].subject = subject
		g.pending = ""
	}
	ops := g.writeBlobs(w)
	g.mark++
	g.made++
	g.now += 600 + int64(g.r.IntN(7200))
	who := authors[g.r.IntN(len(authors))]
	fmt.Fprintf(w, "commit %s\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\n",
		ref, g.mark, who, g.now, who, g.now, len(subject), subject)
	if from > 0 {
		fmt.Fprintf(w, "from :%d\n", from)
	}
	io.WriteString(w, ops)
	if ref == "refs/heads/main" {
		g.mainTip = g.mark
	}
}

func (g *gen) commitMerge(w io.Writer, base, tip int, subject string) {
	g.mark++
	g.made++
	g.now += 600
	who := authors[g.r.IntN(len(authors))]
	// The merge's tree is the feature tip's tree: "from" main's tip, then every path as the
	// feature left it (fast-import starts a commit from the first parent's tree).
	var ops strings.Builder
	ops.WriteString("deleteall\n")
	for _, p := range g.names {
		fmt.Fprintf(&ops, "M 100644 :%d %s\n", g.blobs[p], p)
	}
	fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\nfrom :%d\nmerge :%d\n%s",
		g.mark, who, g.now, who, g.now, len(subject), subject, base, tip, ops.String())
	g.mainTip = g.mark
}

var lastContent = map[string]string{}

func (g *gen) writeBlobs(w io.Writer) string {
	var ops strings.Builder
	for p := range lastContent {
		if _, ok := g.files[p]; !ok {
			delete(lastContent, p)
			delete(g.blobs, p)
			fmt.Fprintf(&ops, "D %s\n", p)
		}
	}
	g.sortNames()
	for _, p := range g.names {
		content := strings.Join(g.files[p], "\n") + "\n"
		if lastContent[p] == content {
			continue
		}
		lastContent[p] = content
		g.mark++
		g.blobs[p] = g.mark
		fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", g.mark, len(content), content)
		fmt.Fprintf(&ops, "M 100644 :%d %s\n", g.mark, p)
	}
	// Deletions first, in a stable order, for a deterministic stream.
	lines := strings.Split(strings.TrimSuffix(ops.String(), "\n"), "\n")
	slices.Sort(lines)
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
