// Package ghactions holds the GitHub Actions checks over workflows (.github/workflows/*.yml) and
// action metadata (action.yml): the pipeline itself as attack surface.
package ghactions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	y "github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

var (
	exprRe = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	// untrustedRe matches contexts an outside contributor controls (property names are
	// case-insensitive in GitHub expressions).
	untrustedRe = regexp.MustCompile(`(?i)github\.event\.(issue|pull_request|discussion)\.(title|body)\b|` +
		`github\.event\.(comment|review|review_comment)\.body\b|` +
		`github\.event\.pages\b.*\.page_name\b|` +
		`github\.event\.commits\b.*\.(message|author\.(email|name)|committer\.(email|name))\b|` +
		`github\.event\.head_commit\.(message|author\.(email|name)|committer\.(email|name))\b|` +
		`github\.event\.pull_request\.head\.(ref|label|repo\.default_branch)\b|` +
		`github\.head_ref\b|` +
		`github\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)))\b|` +
		`github\.event\.workflow_run\.pull_requests\b.*\.head\.ref\b|` +
		`github\.event\.(issue|pull_request)\.labels\b.*\.name\b`)
	prHeadRe     = regexp.MustCompile(`github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|github\.event\.workflow_run\.head_(sha|branch)|refs/pull/|github\.event\.issue\.pull_request|steps\.[\w-]+\.outputs\.(head_)?(sha|ref)`)
	pipeShellRe  = regexp.MustCompile(`(?i)\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(\S*/)?(ba|z|da|k)?sh\b|\b(ba|z)?sh\s+(-\w+\s+)*-c\s+["']?\$\(\s*(curl|wget)\b|\b(ba|z)?sh\s+<\(\s*(curl|wget)\b`)
	envFileRe    = regexp.MustCompile(`(?i)>>?\s*"?\$\{?(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT)\b|(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT)\b.*\btee\b|\btee\b[^\n]*\$\{?(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT)\b`)
	shaRe        = regexp.MustCompile(`^[0-9a-f]{40}$`)
	inputsExprRe = regexp.MustCompile(`^inputs\.`)
)

// publicTriggers can be fired by someone without write access.
var publicTriggers = map[string]bool{"pull_request": true, "pull_request_target": true, "issue_comment": true, "issues": true,
	"pull_request_review": true, "pull_request_review_comment": true, "discussion": true, "discussion_comment": true, "fork": true, "watch": true, "workflow_run": true}

type wf struct {
	hits     []check.Hit
	triggers map[string]*yaml.Node
}

func (w *wf) add(id string, at *yaml.Node, line int, resource string, resLine int, key, msg string) {
	if line == 0 {
		line = y.Line(at, 1)
	}
	w.hits = append(w.hits, check.Hit{ID: id, Line: line, Resource: resource, ResourceLine: resLine, Key: key, Message: msg})
}

func (w *wf) privileged() bool {
	return w.triggers["pull_request_target"] != nil || w.triggers["workflow_run"] != nil
}

func (w *wf) public() bool {
	for t := range w.triggers {
		if publicTriggers[t] {
			return true
		}
	}
	return false
}

func triggers(root *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	k, on := y.Get(root, "on")
	if k == nil {
		_, on = y.Get(root, "true") // YAML 1.1 readers turn `on` into true; be lenient
	}
	switch {
	case on == nil:
	case on.Kind == yaml.ScalarNode:
		out[on.Value] = on
	case on.Kind == yaml.SequenceNode:
		for _, t := range y.Seq(on) {
			out[y.Str(t)] = t
		}
	case on.Kind == yaml.MappingNode:
		for _, p := range y.Pairs(on) {
			out[p.Key.Value] = p.Key
		}
	}
	return out
}

// ScanWorkflow runs the workflow checks.
func ScanWorkflow(docs []y.Doc) []check.Hit {
	var all []check.Hit
	for _, d := range docs {
		root := d.Root
		if root == nil || root.Kind != yaml.MappingNode {
			continue
		}
		w := &wf{triggers: triggers(root)}
		topPermK, topPerm := y.Get(root, "permissions")
		checkPermissions(w, topPermK, topPerm, "workflow", 0)
		checkEnvUnsecure(w, y.Val(root, "env"), "workflow", 0)
		jobsAt, jobs := y.Get(root, "jobs")
		for _, jp := range y.Pairs(jobs) {
			checkJob(w, jp.Key.Value, jp.Key, jp.Value, topPermK != nil)
		}
		if topPermK == nil && jobsAt != nil {
			allJobs := len(y.Pairs(jobs)) > 0
			for _, jp := range y.Pairs(jobs) {
				if k, _ := y.Get(jp.Value, "permissions"); k == nil {
					allJobs = false
				}
			}
			if !allJobs {
				w.add("TG-GHA-006", root.Content[0], 0, "workflow", 0, "permissions", "neither the workflow nor every job sets permissions")
			}
		}
		all = append(all, w.hits...)
	}
	return all
}

func checkPermissions(w *wf, k, v *yaml.Node, resource string, resLine int) {
	if k == nil {
		return
	}
	if s := y.Str(v); s == "write-all" {
		w.add("TG-GHA-007", k, 0, resource, resLine, resource+".permissions", "")
	}
}

func checkEnvUnsecure(w *wf, env *yaml.Node, resource string, resLine int) {
	for _, p := range y.Pairs(env) {
		if strings.EqualFold(p.Key.Value, "ACTIONS_ALLOW_UNSECURE_COMMANDS") {
			if b, ok := y.Bool(p.Value); (ok && b) || strings.EqualFold(y.Str(p.Value), "true") {
				w.add("TG-GHA-011", p.Key, 0, resource, resLine, resource+".env.ACTIONS_ALLOW_UNSECURE_COMMANDS", "")
			}
		}
	}
}

func checkJob(w *wf, name string, key, job *yaml.Node, topPerm bool) {
	res := "job " + name
	rl := key.Line
	pk, pv := y.Get(job, "permissions")
	checkPermissions(w, pk, pv, res, rl)
	checkEnvUnsecure(w, y.Val(job, "env"), res, rl)
	if rk, ro := y.Get(job, "runs-on"); rk != nil && w.public() && selfHosted(ro) {
		w.add("TG-GHA-009", rk, 0, res, rl, res+".runs-on", fmt.Sprintf("job %s runs on a self-hosted runner and the workflow has public triggers", name))
	}
	if uk, u := y.Get(job, "uses"); uk != nil {
		checkUses(w, u, res, rl, res+".uses")
		if sk, s := y.Get(job, "secrets"); sk != nil && y.Str(s) == "inherit" {
			w.add("TG-GHA-008", sk, 0, res, rl, res+".secrets", "")
		}
	}
	for _, ctKey := range []string{"container"} {
		if ck, ct := y.Get(job, ctKey); ck != nil {
			checkContainer(w, ct, res, rl, res+"."+ctKey)
		}
	}
	for _, sp := range y.Pairs(y.Val(job, "services")) {
		checkContainer(w, sp.Value, res, rl, res+".services."+sp.Key.Value)
	}
	checkedOutHead := false
	for i, st := range y.Seq(y.Val(job, "steps")) {
		sk := stepKey(res, st, i)
		uk, u := y.Get(st, "uses")
		uses := y.Str(u)
		action := strings.ToLower(strings.SplitN(uses, "@", 2)[0])
		if uk != nil {
			checkUses(w, u, res, rl, sk+".uses")
		}
		with := y.Val(st, "with")
		if action == "actions/checkout" {
			rk, ref := y.Get(with, "ref")
			repo := y.Str(y.Val(with, "repository"))
			if w.privileged() && rk != nil && (prHeadRe.MatchString(y.Str(ref)) || strings.Contains(repo, "head.repo")) {
				checkedOutHead = true
				w.add("TG-GHA-001", rk, 0, res, rl, sk+".with.ref", "a pull_request_target/workflow_run job checks out the pull request's head")
			}
			if b, ok := y.Bool(y.Val(with, "persist-credentials")); !ok || b {
				w.add("TG-GHA-012", uk, 0, res, rl, sk+".persist-credentials", "")
			}
		}
		if w.privileged() && (action == "actions/cache" || strings.HasPrefix(action, "actions/cache/") || (strings.HasPrefix(action, "actions/setup-") && y.Str(y.Val(with, "cache")) != "")) {
			w.add("TG-GHA-015", uk, 0, res, rl, sk+".cache", "")
		}
		if w.triggers["workflow_run"] != nil && (action == "dawidd6/action-download-artifact" ||
			(action == "actions/download-artifact" && (y.Val(with, "run-id") != nil || y.Val(with, "github-token") != nil))) {
			w.add("TG-GHA-014", uk, 0, res, rl, sk+".download-artifact", "")
		}
		if action == "actions/github-script" {
			if sk2, script := y.Get(with, "script"); sk2 != nil {
				for _, m := range untrusted(script) {
					w.add("TG-GHA-003", script, exprLine(script, m), res, rl, sk+".with.script:"+m, fmt.Sprintf("github-script interpolates ${{ %s }}", m))
				}
			}
		}
		checkEnvUnsecure(w, y.Val(st, "env"), res, rl)
		if rk, run := y.Get(st, "run"); rk != nil {
			checkRun(w, run, y.Val(st, "env"), res, rl, sk)
		}
	}
	_ = checkedOutHead
}

func stepKey(res string, st *yaml.Node, i int) string {
	if id := y.Str(y.Val(st, "id")); id != "" {
		return res + ".steps[" + id + "]"
	}
	if n := y.Str(y.Val(st, "name")); n != "" {
		return res + ".steps[" + n + "]"
	}
	if u := y.Str(y.Val(st, "uses")); u != "" {
		return res + ".steps[" + strings.SplitN(u, "@", 2)[0] + "]"
	}
	return res + ".steps[" + strconv.Itoa(i) + "]"
}

func checkRun(w *wf, run, env *yaml.Node, res string, rl int, sk string) {
	script := y.Str(run)
	for _, m := range untrusted(run) {
		w.add("TG-GHA-002", run, exprLine(run, m), res, rl, sk+".run:"+m, fmt.Sprintf("run script interpolates ${{ %s }}", m))
	}
	if pipeShellRe.MatchString(script) {
		w.add("TG-GHA-010", run, lineOf(run, pipeShellRe.FindStringIndex(script)[0]), res, rl, sk+".run:pipe-shell", "")
	}
	if loc := envFileRe.FindStringIndex(script); loc != nil {
		tainted := len(untrusted(run)) > 0
		for _, p := range y.Pairs(env) {
			if untrustedRe.MatchString(y.Str(p.Value)) && strings.Contains(script, p.Key.Value) {
				tainted = true
			}
		}
		if tainted {
			w.add("TG-GHA-004", run, lineOf(run, loc[0]), res, rl, sk+".run:env-file", "")
		}
	}
}

// untrusted lists the outsider-controlled expressions in a scalar.
func untrusted(n *yaml.Node) []string {
	var out []string
	for _, m := range exprRe.FindAllStringSubmatch(y.Str(n), -1) {
		if untrustedRe.MatchString(m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// exprLine finds the line of an expression inside a (possibly block) scalar.
func exprLine(n *yaml.Node, expr string) int {
	i := strings.Index(n.Value, expr)
	if i < 0 {
		return n.Line
	}
	return lineOf(n, i)
}

func lineOf(n *yaml.Node, offset int) int {
	if n.Style&yaml.LiteralStyle != 0 {
		return n.Line + 1 + strings.Count(n.Value[:offset], "\n")
	}
	return n.Line
}

func selfHosted(n *yaml.Node) bool {
	var labels []string
	switch {
	case n == nil:
	case n.Kind == yaml.ScalarNode:
		labels = []string{n.Value}
	case n.Kind == yaml.SequenceNode:
		for _, l := range y.Seq(n) {
			labels = append(labels, y.Str(l))
		}
	case n.Kind == yaml.MappingNode:
		for _, l := range y.Seq(y.Val(n, "labels")) {
			labels = append(labels, y.Str(l))
		}
		if g := y.Str(y.Val(n, "group")); g != "" {
			labels = append(labels, "self-hosted")
		}
	}
	for _, l := range labels {
		if strings.EqualFold(l, "self-hosted") {
			return true
		}
	}
	return false
}

func checkContainer(w *wf, ct *yaml.Node, res string, rl int, key string) {
	img := ct
	if ct != nil && ct.Kind == yaml.MappingNode {
		img = y.Val(ct, "image")
		if pk, p := y.Get(y.Val(ct, "credentials"), "password"); pk != nil && y.Str(p) != "" && !strings.Contains(y.Str(p), "${{") {
			w.add("TG-GHA-016", pk, 0, res, rl, key+".credentials.password", "")
		}
	}
	if ref := y.Str(img); ref != "" && !strings.Contains(ref, "${{") && !imagePinned(ref) {
		w.add("TG-GHA-018", img, 0, res, rl, key+".image", fmt.Sprintf("image %s is not pinned to a version", ref))
	}
}

func imagePinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return false
	}
	return ref[i+1:] != "latest"
}

// checkUses looks at one `uses:` reference: pinning and known-bad versions.
func checkUses(w *wf, u *yaml.Node, res string, rl int, key string) {
	ref := y.Str(u)
	if ref == "" || strings.HasPrefix(ref, "./") || strings.Contains(ref, "${{") {
		return
	}
	if img, ok := strings.CutPrefix(ref, "docker://"); ok {
		if !strings.Contains(img, "@sha256:") {
			w.add("TG-GHA-005", u, 0, res, rl, key, fmt.Sprintf("docker action %s is not pinned by digest", img))
		}
		return
	}
	name, version, _ := strings.Cut(ref, "@")
	lname := strings.ToLower(name)
	owner, _, _ := strings.Cut(lname, "/")
	if why := vulnerable(lname, version); why != "" {
		w.add("TG-GHA-013", u, 0, res, rl, key+":vulnerable", why)
	}
	if owner == "actions" || owner == "github" {
		return // GitHub's own actions: tag pinning is accepted practice
	}
	if !shaRe.MatchString(version) {
		w.add("TG-GHA-005", u, 0, res, rl, key, fmt.Sprintf("%s is pinned to %q, not a commit SHA", name, version))
	}
}

type semver struct{ major, minor, patch int }

// parseVersion reads v1, v1.2, 1.2.3; a bare major floats to the newest release of that major.
func parseVersion(s string) (semver, bool) {
	s = strings.TrimPrefix(strings.ToLower(s), "v")
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return semver{}, false
	}
	v := [3]int{0, 999999, 999999}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return semver{}, false
		}
		v[i] = n
		if i == 1 && len(parts) == 2 {
			v[2] = 999999
		}
	}
	return semver{v[0], v[1], v[2]}, true
}

func (a semver) less(b semver) bool {
	if a.major != b.major {
		return a.major < b.major
	}
	if a.minor != b.minor {
		return a.minor < b.minor
	}
	return a.patch < b.patch
}

// vulnerable says why an action version is known-bad (advisories in the GitHub Advisory Database).
func vulnerable(name, version string) string {
	v, ok := parseVersion(version)
	switch name {
	case "tj-actions/changed-files":
		if version == "0e58ed8671d6b60d0890c21b07f8835ace038e67" {
			return "tj-actions/changed-files at the malicious commit of the March 2025 compromise (CVE-2025-30066)"
		}
		if ok && v.less(semver{46, 0, 1}) {
			return fmt.Sprintf("tj-actions/changed-files %s: compromised tags before 46.0.1 (CVE-2025-30066) and command injection before 41 (CVE-2023-51664)", version)
		}
	case "reviewdog/action-setup":
		if strings.EqualFold(version, "v1") {
			return "reviewdog/action-setup@v1 was pointed at malicious code in March 2025 (CVE-2025-30154)"
		}
	case "tj-actions/branch-names":
		if ok && v.less(semver{7, 0, 7}) {
			return fmt.Sprintf("tj-actions/branch-names %s: command injection before 7.0.7 (CVE-2023-49291)", version)
		}
	case "actions/download-artifact":
		if ok && v.major == 4 && v.less(semver{4, 1, 3}) && !(v.minor == 999999) {
			return fmt.Sprintf("actions/download-artifact %s: path traversal before 4.1.3 (CVE-2024-42471)", version)
		}
	}
	return ""
}

// ScanAction runs the action.yml checks: composite steps get the same run/uses checks, with
// ${{ inputs.* }} treated as untrusted.
func ScanAction(docs []y.Doc) []check.Hit {
	var all []check.Hit
	for _, d := range docs {
		root := d.Root
		w := &wf{triggers: map[string]*yaml.Node{}}
		runs := y.Val(root, "runs")
		res := "action"
		if img := y.Val(runs, "image"); img != nil && strings.HasPrefix(y.Str(img), "docker://") {
			checkUses(w, img, res, 0, "runs.image")
		}
		for i, st := range y.Seq(y.Val(runs, "steps")) {
			sk := stepKey(res, st, i)
			if uk, u := y.Get(st, "uses"); uk != nil {
				checkUses(w, u, res, 0, sk+".uses")
			}
			if rk, run := y.Get(st, "run"); rk != nil {
				checkRun(w, run, y.Val(st, "env"), res, 0, sk)
				for _, m := range exprRe.FindAllStringSubmatch(y.Str(run), -1) {
					if inputsExprRe.MatchString(m[1]) {
						w.add("TG-GHA-017", run, exprLine(run, m[1]), res, 0, sk+".run:"+m[1], fmt.Sprintf("run script interpolates ${{ %s }}", m[1]))
					}
				}
			}
		}
		all = append(all, w.hits...)
	}
	return all
}
