package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// gitRunner runs the git binary on one repository so that nothing from the repository, the user's
// or the system's configuration can run a program, open a pager, prompt, fetch, or change the
// shape of the output the parser reads.
type gitRunner struct {
	bin  string
	dir  string
	env  []string
	args []string // -c overrides placed before every subcommand
}

// safeConfig neutralises every configuration key we know of that can execute something or change
// the diff text. User and system config are not read at all (see gitEnv); these guard against the
// repository's own .git/config, which a hostile repository controls.
var safeConfig = []string{
	"core.quotePath=false",       // unicode paths as they are, control characters still quoted
	"core.fsmonitor=false",       // a hook program
	"core.hooksPath=/dev/null",   // belt and braces: log and diff run no hooks
	"core.pager=cat",             // with --no-pager too
	"core.bigFileThreshold=512m", // a tiny threshold would make every file "binary"
	"core.attributesFile=/dev/null",
	"log.showSignature=false", // runs gpg
	"log.showRoot=true",       // the root commit's files are added lines too
	"log.follow=false",
	"log.diffMerges=dense-combined",
	"diff.noprefix=false",
	"diff.mnemonicPrefix=false",
	"diff.relative=false",
	"diff.suppressBlankEmpty=false",
	"diff.interHunkContext=0",
	"diff.ignoreSubmodules=none",
	"diff.submodule=short",
	"diff.renames=true",
	"diff.colorMoved=false",
	"color.ui=never",
	"i18n.logOutputEncoding=UTF-8",
	"protocol.allow=never", // a partial clone's lazy fetch would run a transport (and core.sshCommand)
	"core.sshCommand=false",
	"credential.helper=",
}

// diffFlags fix the diff text whatever the configuration says.
var diffFlags = []string{
	"-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
	"--src-prefix=a/", "--dst-prefix=b/", "--inter-hunk-context=0", "--submodule=short",
	"-M", // a rename without a content change then adds no lines
}

func newGitRunner(dir string) (*gitRunner, error) {
	bin, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("history scanning needs the git binary on PATH: %w", err)
	}
	g := &gitRunner{bin: bin, dir: dir, env: gitEnv(os.Environ(), false)}
	for _, kv := range safeConfig {
		g.args = append(g.args, "-c", kv)
	}
	return g, nil
}

// gitEnv keeps the process environment minus every GIT_* variable (a pre-commit hook's GIT_DIR
// would point git elsewhere) and adds the isolation settings. keepIndex keeps GIT_INDEX_FILE,
// which a pre-commit hook sets when `git commit -a` stages into a temporary index.
func gitEnv(environ []string, keepIndex bool) []string {
	var out []string
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		switch {
		case name == "GIT_INDEX_FILE" && keepIndex && val != "":
			if abs, err := filepath.Abs(val); err == nil {
				out = append(out, "GIT_INDEX_FILE="+abs)
			}
		case strings.HasPrefix(name, "GIT_"), name == "PAGER", name == "LESS", name == "LC_ALL", name == "LANGUAGE":
		default:
			out = append(out, kv)
		}
	}
	return append(out,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=true",
		"SSH_ASKPASS=true",
		"GIT_PAGER=cat",
		"PAGER=cat",
		"GIT_OPTIONAL_LOCKS=0",     // read-only: never take index.lock
		"GIT_NO_REPLACE_OBJECTS=1", // refs/replace could swap a commit for an innocent one
		"GIT_NO_LAZY_FETCH=1",
		"LC_ALL=C", // stable error messages
		// Fully buffered output: on a pipe git otherwise flushes after every commit, one write and
		// one wake-up of the parser per commit (5,000 of each on the bench repository).
		"GIT_FLUSH=0",
	)
}

// command builds `git -C dir <safe config> sub args...`.
func (g *gitRunner) command(ctx context.Context, sub string, args ...string) *exec.Cmd {
	full := append([]string{"--no-pager", "-C", g.dir}, g.args...)
	full = append(full, sub)
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, g.bin, full...)
	cmd.Env = g.env
	cmd.Stdin = nil
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// output runs a short git command and returns its trimmed stdout; the error carries git's stderr.
func (g *gitRunner) output(ctx context.Context, sub string, args ...string) (string, error) {
	cmd := g.command(ctx, sub, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(firstLines(msg, 3))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// tailBuffer keeps the last n bytes written to it: git's stderr, for the report.
type tailBuffer struct {
	n int
	b []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.n {
		t.b = append(t.b[:0], t.b[len(t.b)-t.n:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.TrimSpace(string(t.b)) }

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "; ")
}
