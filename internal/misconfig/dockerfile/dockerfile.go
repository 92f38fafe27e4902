// Package dockerfile holds the Dockerfile/Containerfile checks over Docker's own (buildkit) parser.
package dockerfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// instr is one instruction with what the checks need.
type instr struct {
	cmd   string   // lower-case: from, run, user…
	args  []string // the parser's value tokens
	flags []string
	text  string // original line(s), continuation joined
	shell string // for RUN: the command text including heredoc bodies
	line  int
	end   int
	stage int
	json  bool
}

type stage struct {
	index int
	name  string // AS alias
	base  string
	line  int
	ins   []instr
}

// parse runs the buildkit parser and groups instructions by stage.
func parse(content []byte) ([]*stage, []instr, error) {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, nil, fmt.Errorf("dockerfile: %w", err)
	}
	var stages []*stage
	var all []instr
	for _, n := range res.AST.Children {
		in := instr{cmd: strings.ToLower(n.Value), flags: n.Flags, text: n.Original, line: n.StartLine, end: n.EndLine, json: n.Attributes["json"]}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			st := &stage{index: len(stages), line: n.StartLine}
			if len(in.args) > 0 {
				st.base = in.args[0]
			}
			if len(in.args) >= 3 && strings.EqualFold(in.args[1], "as") {
				st.name = strings.ToLower(in.args[2])
			}
			stages = append(stages, st)
		}
		if in.cmd == "run" {
			var b strings.Builder
			b.WriteString(strings.Join(in.args, " "))
			for _, h := range n.Heredocs {
				b.WriteString("\n")
				b.WriteString(h.Content)
			}
			in.shell = b.String()
		}
		in.stage = len(stages) - 1
		all = append(all, in)
		if len(stages) > 0 {
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
		}
	}
	return stages, all, nil
}

// Scan runs every Dockerfile check.
func Scan(content []byte) ([]check.Hit, error) {
	stages, all, err := parse(content)
	if err != nil {
		return nil, err
	}
	var hits []check.Hit
	add := func(id string, in instr, key, msg string) {
		hits = append(hits, check.Hit{ID: id, Line: in.line, EndLine: in.end, Resource: stageName(stages, in.stage),
			ResourceLine: stageLine(stages, in.stage), Key: key, Message: msg})
	}
	names := map[string]bool{}
	for _, st := range stages {
		checkBase(st, names, add)
		if st.name != "" {
			names[st.name] = true
		}
	}
	for _, in := range all {
		checkInstr(in, add)
	}
	// Only the final stage's CMD/ENTRYPOINT reach the image; earlier stages are build steps.
	for _, st := range stages[max(len(stages)-1, 0):] {
		var cmds, eps []instr
		for _, in := range st.ins {
			switch in.cmd {
			case "cmd":
				cmds = append(cmds, in)
			case "entrypoint":
				eps = append(eps, in)
			}
		}
		for _, group := range [][]instr{cmds, eps} {
			if len(group) > 1 {
				last := group[len(group)-1]
				add("TG-DOCKER-016", last, last.cmd, fmt.Sprintf("%d %s instructions in one stage; only the last takes effect", len(group), strings.ToUpper(last.cmd)))
			}
		}
	}
	if len(stages) > 0 {
		final := stages[len(stages)-1]
		checkUser(stages, final, add)
		if !hasInstr(final, "healthcheck") && final.base != "scratch" {
			add("TG-DOCKER-008", instr{line: final.line, end: final.line, stage: final.index}, "healthcheck", "")
		}
	}
	return hits, nil
}

func stageName(st []*stage, i int) string {
	if i < 0 || i >= len(st) {
		return ""
	}
	if st[i].name != "" {
		return "stage " + st[i].name
	}
	return fmt.Sprintf("stage %d", i)
}

func stageLine(st []*stage, i int) int {
	if i < 0 || i >= len(st) {
		return 0
	}
	return st[i].line
}

func hasInstr(st *stage, cmd string) bool {
	for _, in := range st.ins {
		if in.cmd == cmd {
			return true
		}
	}
	return false
}

func checkBase(st *stage, earlier map[string]bool, add func(string, instr, string, string)) {
	in := st.ins[0]
	base := st.base
	lb := strings.ToLower(base)
	if base == "" || lb == "scratch" || earlier[lb] || strings.Contains(base, "$") {
		return
	}
	ref, digest, _ := strings.Cut(base, "@")
	name, tag := splitTag(ref)
	if digest == "" && (tag == "" || tag == "latest") {
		add("TG-DOCKER-002", in, "from:"+name, fmt.Sprintf("base image %s is not pinned to a version tag", base))
	}
	if digest == "" {
		add("TG-DOCKER-003", in, "from:"+name, fmt.Sprintf("base image %s is not pinned by digest", base))
	}
}

// splitTag splits image:tag, minding registry ports (localhost:5000/img).
func splitTag(ref string) (name, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}

func checkUser(stages []*stage, final *stage, add func(string, instr, string, string)) {
	// Follow FROM <earlier stage> so a USER set in a parent stage counts.
	byName := map[string]*stage{}
	for _, s := range stages {
		if s.name != "" {
			byName[s.name] = s
		}
	}
	cur := final
	for depth := 0; cur != nil && depth < len(stages); depth++ {
		for i := len(cur.ins) - 1; i >= 0; i-- {
			in := cur.ins[i]
			if in.cmd != "user" || len(in.args) == 0 {
				continue
			}
			u, _, _ := strings.Cut(in.args[0], ":")
			if u == "root" || u == "0" {
				add("TG-DOCKER-001", in, "user", "the last USER of the final stage is root")
			}
			return
		}
		parent := byName[strings.ToLower(cur.base)]
		if parent == cur {
			break
		}
		cur = parent
	}
	lb := strings.ToLower(final.base)
	if strings.Contains(lb, "nonroot") || strings.Contains(lb, "rootless") || lb == "scratch" {
		return
	}
	add("TG-DOCKER-001", final.ins[0], "user", "the final stage never sets USER, so it runs as root")
}

var (
	pipeShellRe  = regexp.MustCompile(`(?i)\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(\S*/)?(ba|z|da|k|a)?sh\b`)
	subShellRe   = regexp.MustCompile(`(?i)\b(ba|z|da)?sh\s+(-\w+\s+)*-c\s+["']?\$\(\s*(curl|wget)\b`)
	procSubRe    = regexp.MustCompile(`(?i)\b(ba|z)?sh\s+<\(\s*(curl|wget)\b`)
	sudoRe       = regexp.MustCompile(`(^|[;&|(]\s*|\s)sudo\s`)
	chmod777Re   = regexp.MustCompile(`\bchmod\s+(-\w+\s+)*(0?777|a\+rwx|ugo\+rwx|o\+w)\b`)
	aptInstallRe = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`)
	aptUpgradeRe = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*(dist-)?upgrade\b`)
	apkAddRe     = regexp.MustCompile(`\bapk\s+(-\S+\s+)*add\b`)
	insecureRe   = regexp.MustCompile(`(?i)\b(curl\b[^;&|]*\s(-k|--insecure|-\w*k\w*)\b|wget\b[^;&|]*--no-check-certificate|pip3?\b[^;&|]*--trusted-host|git\s+(-c\s+)?http\.sslverify=false|npm\s+config\s+set\s+strict-ssl\s+false)`)
	secretNameRe = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret)`)
	tlsOffNames  = map[string]string{"NODE_TLS_REJECT_UNAUTHORIZED": "0", "PYTHONHTTPSVERIFY": "0", "GIT_SSL_NO_VERIFY": "*", "CURL_INSECURE": "*", "NPM_CONFIG_STRICT_SSL": "false", "PIP_TRUSTED_HOST": "*", "GONOSUMCHECK": "*", "GOINSECURE": "*", "GOFLAGS=-insecure": "*"}
)

func checkInstr(in instr, add func(string, instr, string, string)) {
	// Several instructions of one stage can fail the same check; the instruction's own text (never
	// its line, which moves) keeps their fingerprints apart, so a second bad ADD is a new finding
	// and a waiver for one does not hide the other.
	byText := add
	add = func(id string, in instr, key, msg string) {
		sum := sha256.Sum256([]byte(strings.Join(strings.Fields(in.text), " ")))
		byText(id, in, key+"#"+hex.EncodeToString(sum[:6]), msg)
	}
	switch in.cmd {
	case "run":
		sh := in.shell
		if pipeShellRe.MatchString(sh) || subShellRe.MatchString(sh) || procSubRe.MatchString(sh) {
			add("TG-DOCKER-005", in, "run:pipe-shell", "")
		}
		if sudoRe.MatchString(" " + sh) {
			add("TG-DOCKER-007", in, "run:sudo", "")
		}
		if chmod777Re.MatchString(sh) {
			add("TG-DOCKER-011", in, "run:chmod", "")
		}
		if insecureRe.MatchString(sh) {
			add("TG-DOCKER-017", in, "run:insecure-download", "")
		}
		cache := false
		for _, f := range in.flags {
			if strings.Contains(f, "type=cache") {
				cache = true
			}
			if strings.HasPrefix(f, "--security=insecure") {
				add("TG-DOCKER-019", in, "run:security", "")
			}
		}
		for _, seg := range splitShell(sh) {
			if aptInstallRe.MatchString(seg) && !strings.Contains(seg, "--no-install-recommends") && !strings.Contains(seg, "APT::Install-Recommends") {
				add("TG-DOCKER-009", in, "run:apt-recommends", "")
				break
			}
		}
		if aptInstallRe.MatchString(sh) && !cache && !strings.Contains(sh, "/var/lib/apt/lists") {
			add("TG-DOCKER-010", in, "run:apt-lists", "")
		}
		if aptUpgradeRe.MatchString(sh) {
			add("TG-DOCKER-014", in, "run:upgrade", "")
		}
		for _, seg := range splitShell(sh) {
			if apkAddRe.MatchString(seg) && !strings.Contains(seg, "--no-cache") && !cache {
				add("TG-DOCKER-020", in, "run:apk", "")
				break
			}
		}
	case "add":
		srcs := nonFlagArgs(in.args)
		if len(srcs) > 1 {
			srcs = srcs[:len(srcs)-1]
		}
		remote, local := false, false
		for _, s := range srcs {
			ls := strings.ToLower(s)
			if strings.HasPrefix(ls, "http://") || strings.HasPrefix(ls, "https://") || strings.HasPrefix(ls, "git@") {
				remote = true
			} else if !isArchive(ls) {
				local = true
			}
		}
		if remote && !hasFlag(in.flags, "--checksum") {
			add("TG-DOCKER-004", in, "add:url", "")
		}
		if local {
			add("TG-DOCKER-013", in, "add:local", "")
		}
	case "expose":
		for _, p := range in.args {
			port, _, _ := strings.Cut(p, "/")
			if port == "22" {
				add("TG-DOCKER-012", in, "expose:22", "")
			}
		}
	case "workdir":
		if len(in.args) > 0 {
			w := strings.Trim(in.args[0], `"'`)
			if !strings.HasPrefix(w, "/") && !strings.HasPrefix(w, "$") && !(len(w) > 2 && w[1] == ':') {
				add("TG-DOCKER-015", in, "workdir", "")
			}
		}
	case "env", "arg":
		for _, kv := range pairs(in) {
			name, val := kv[0], kv[1]
			if want, ok := tlsOffNames[strings.ToUpper(name)]; ok && val != "" && (want == "*" || strings.EqualFold(val, want)) {
				add("TG-DOCKER-018", in, in.cmd+":"+name, fmt.Sprintf("%s %s turns off TLS verification", strings.ToUpper(in.cmd), name))
			}
			if secretNameRe.MatchString(name) && val != "" && !strings.HasPrefix(val, "$") && !placeholder(val) {
				add("TG-DOCKER-006", in, in.cmd+":"+name, fmt.Sprintf("%s %s sets a secret-looking value in the image", strings.ToUpper(in.cmd), name))
			}
		}
	}
}

func placeholder(v string) bool {
	l := strings.ToLower(strings.Trim(v, `"'`))
	return l == "" || l == "changeme" || l == "none" || l == "null" || l == "false" || l == "true" ||
		strings.HasPrefix(l, "/") || strings.HasPrefix(l, "<") || strings.HasPrefix(l, "{{")
}

// pairs returns name/value pairs of ENV (name, value, name, value…) and ARG (name[=value]…).
func pairs(in instr) [][2]string {
	var out [][2]string
	if in.cmd == "env" {
		for i := 0; i+1 < len(in.args); i += 2 {
			out = append(out, [2]string{in.args[i], in.args[i+1]})
		}
		return out
	}
	for _, a := range in.args {
		k, v, _ := strings.Cut(a, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

func nonFlagArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			out = append(out, a)
		}
	}
	return out
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}

func isArchive(s string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// splitShell cuts a command line at && || ; and newlines, good enough to look at one command.
func splitShell(s string) []string { return shellSepRe.Split(s, -1) }

var shellSepRe = regexp.MustCompile(`&&|\|\||;|\n`)
