// Package gitlabci holds the GitLab CI checks over .gitlab-ci.yml (and files under .gitlab/ci/).
package gitlabci

import (
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	y "github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

const (
	refInclude = "https://docs.gitlab.com/ci/yaml/includes/"
	refToken   = "https://docs.gitlab.com/ci/jobs/ci_job_token/"
	refVars    = "https://docs.gitlab.com/ci/variables/#cicd-variable-security"
	refMR      = "https://docs.gitlab.com/ci/pipelines/merge_request_pipelines/#use-with-forked-projects"
	refOWASP4  = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-4 Poisoned Pipeline Execution"
	refOWASP6  = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-6 Insufficient Credential Hygiene"
	refOWASP3  = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-3 Dependency Chain Abuse"
)

func c(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.GitLabCI, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// Checks is the GitLab CI table.
var Checks = []check.Check{
	c("TG-GLCI-001", finding.High, "Remote include",
		"include: remote fetches pipeline code from a URL at every run; whoever controls that URL controls the pipeline, and it cannot be pinned.",
		"Vendor the file into the repository, or include it from a project pinned to a commit SHA.", refInclude, refOWASP3),
	c("TG-GLCI-002", finding.Medium, "Project include not pinned to a commit",
		"include: project without ref follows the default branch of another project; a branch or tag ref can move too.",
		"Set ref: to a full commit SHA.", refInclude, refOWASP3),
	c("TG-GLCI-003", finding.Medium, "Image uses the latest tag or no tag",
		"A mutable image tag lets an upstream push change what the job runs.",
		"Pin the image to a version tag, ideally with @sha256 digest.", "https://docs.gitlab.com/ci/yaml/#image", refOWASP3),
	c("TG-GLCI-004", finding.High, "CI_JOB_TOKEN exposed",
		"The job token is printed, written to a file or sent somewhere other than the GitLab API, where logs, artifacts or third parties can reuse it.",
		"Use CI_JOB_TOKEN only in the Authorization/JOB-TOKEN header of requests to this GitLab instance; never echo or store it.", refToken, refOWASP6),
	c("TG-GLCI-005", finding.Medium, "Secret echoed to the job log",
		"echo/printf of a secret-looking variable writes it to the job log; masking misses transformed or multi-line values.",
		"Do not print secrets; mask and protect the variable.", refVars, refOWASP6),
	c("TG-GLCI-006", finding.High, "Merge-request pipeline on a privileged runner",
		"Merge-request pipelines can run a contributor's changed .gitlab-ci.yml and scripts; tagging them onto protected, privileged or deploy runners hands those runners to the contributor.",
		"Run merge-request jobs on isolated shared runners; keep privileged runners for protected branches only.", refMR, refOWASP4),
	c("TG-GLCI-007", finding.Medium, "Remote script piped to a shell",
		"`curl … | sh` runs whatever the server returns inside the job, with its variables and token.",
		"Download, verify a checksum or signature, then run.", refOWASP3),
	c("TG-GLCI-008", finding.High, "Secret hard-coded in variables",
		"A secret-looking variable has a literal value in .gitlab-ci.yml, so it lives in git history.",
		"Store it as a masked, protected CI/CD variable or in a secrets manager.", refVars, refOWASP6),
	c("TG-GLCI-009", finding.Medium, "TLS verification disabled",
		"GIT_SSL_NO_VERIFY, curl -k and friends accept any certificate, so a network attacker can swap sources and artifacts.",
		"Remove the setting and install the right CA certificates.", refOWASP3),
	c("TG-GLCI-010", finding.High, "Debug trace enabled",
		"CI_DEBUG_TRACE / CI_DEBUG_SERVICES print every variable, including masked secrets, to the job log.",
		"Remove CI_DEBUG_TRACE from the committed file; enable it only temporarily in a manual pipeline.", "https://docs.gitlab.com/ci/variables/variables_troubleshooting/#enable-debug-logging", refOWASP6),
	c("TG-GLCI-011", finding.Medium, "Docker-in-Docker without TLS",
		"DOCKER_TLS_CERTDIR set to empty makes the dind daemon listen on plain TCP 2375, reachable by other jobs on the runner's network.",
		"Keep DOCKER_TLS_CERTDIR: \"/certs\" and use port 2376.", "https://docs.gitlab.com/ci/docker/using_docker_build/#docker-in-docker-with-tls-enabled-in-the-docker-executor"),
}

func init() { check.Register(Checks...) }

var reserved = map[string]bool{"stages": true, "variables": true, "default": true, "include": true, "workflow": true, "image": true,
	"services": true, "before_script": true, "after_script": true, "cache": true, "types": true, "spec": true}

var (
	shaRe        = regexp.MustCompile(`^[0-9a-f]{40}$`)
	pipeShellRe  = regexp.MustCompile(`(?i)\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(\S*/)?(ba|z|da|k|a)?sh\b|\b(ba|z)?sh\s+(-\w+\s+)*-c\s+["']?\$\(\s*(curl|wget)\b`)
	tokenLeakRe  = regexp.MustCompile(`\b(echo|printf|cat)\b[^\n|;&]*\$\{?CI_JOB_TOKEN\b|\$\{?CI_JOB_TOKEN\}?[^\n]*>\s*\S|https?://[^\s]*\$\{?CI_JOB_TOKEN`)
	secretNameRe = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)`)
	echoVarRe    = regexp.MustCompile(`\b(echo|printf)\b[^\n|;&>]*\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	insecureRe   = regexp.MustCompile(`(?i)\bcurl\b[^;&|\n]*\s(-k|--insecure)\b|\bwget\b[^;&|\n]*--no-check-certificate|git\s+(-c\s+)?http\.sslverify=false`)
	privRunnerRe = regexp.MustCompile(`(?i)(protected|privileged|prod|production|deploy|release|secure)`)
)

type scanner struct{ hits []check.Hit }

func (s *scanner) add(id string, at *yaml.Node, line int, res string, resLine int, key, msg string) {
	if line == 0 {
		line = y.Line(at, 1)
	}
	s.hits = append(s.hits, check.Hit{ID: id, Line: line, Resource: res, ResourceLine: resLine, Key: key, Message: msg})
}

// Scan runs the GitLab CI checks.
func Scan(docs []y.Doc) []check.Hit {
	s := &scanner{}
	for _, d := range docs {
		root := d.Root
		if root == nil || root.Kind != yaml.MappingNode {
			continue
		}
		s.includes(y.Val(root, "include"))
		s.image(y.Val(root, "image"), "pipeline", 0, "image")
		s.image(y.Path(root, "default", "image"), "pipeline", 0, "default.image")
		for _, sv := range y.Seq(y.Val(root, "services")) {
			s.image(sv, "pipeline", 0, "services")
		}
		s.variables(y.Val(root, "variables"), "pipeline", 0, "variables")
		for _, sec := range []string{"before_script", "after_script"} {
			s.scripts(y.Val(root, sec), "pipeline", 0, sec)
			s.scripts(y.Path(root, "default", sec), "pipeline", 0, "default."+sec)
		}
		for _, p := range y.Pairs(root) {
			if reserved[p.Key.Value] || p.Value == nil || p.Value.Kind != yaml.MappingNode {
				continue
			}
			s.job(p.Key.Value, p.Key, p.Value)
		}
	}
	return s.hits
}

func (s *scanner) includes(inc *yaml.Node) {
	items := y.Seq(inc)
	if inc != nil && inc.Kind != yaml.SequenceNode {
		items = []*yaml.Node{inc}
	}
	for _, it := range items {
		if it.Kind == yaml.ScalarNode {
			if v := it.Value; strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
				s.add("TG-GLCI-001", it, 0, "pipeline", 0, "include:"+v, "")
			}
			continue
		}
		if rk, r := y.Get(it, "remote"); rk != nil {
			s.add("TG-GLCI-001", rk, 0, "pipeline", 0, "include:"+y.Str(r), fmt.Sprintf("includes %s", y.Str(r)))
		}
		if pk, p := y.Get(it, "project"); pk != nil {
			ref := y.Str(y.Val(it, "ref"))
			if !shaRe.MatchString(ref) {
				s.add("TG-GLCI-002", pk, 0, "pipeline", 0, "include:"+y.Str(p), fmt.Sprintf("project %s included at %q", y.Str(p), ref))
			}
		}
	}
}

func (s *scanner) image(n *yaml.Node, res string, rl int, key string) {
	ref := y.Str(n)
	if n != nil && n.Kind == yaml.MappingNode {
		n = y.Val(n, "name")
		ref = y.Str(n)
	}
	if ref == "" || strings.Contains(ref, "$") || strings.Contains(ref, "@sha256:") {
		return
	}
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") || ref[i+1:] == "latest" {
		s.add("TG-GLCI-003", n, 0, res, rl, key+":"+ref, fmt.Sprintf("image %s is not pinned to a version", ref))
	}
}

func (s *scanner) variables(vars *yaml.Node, res string, rl int, key string) {
	for _, p := range y.Pairs(vars) {
		name := p.Key.Value
		val := y.Str(p.Value)
		if p.Value != nil && p.Value.Kind == yaml.MappingNode {
			val = y.Str(y.Val(p.Value, "value"))
		}
		switch strings.ToUpper(name) {
		case "CI_DEBUG_TRACE", "CI_DEBUG_SERVICES":
			if strings.EqualFold(val, "true") {
				s.add("TG-GLCI-010", p.Key, 0, res, rl, key+"."+name, "")
			}
			continue
		case "GIT_SSL_NO_VERIFY":
			if val != "" && !strings.EqualFold(val, "false") && val != "0" {
				s.add("TG-GLCI-009", p.Key, 0, res, rl, key+"."+name, "")
			}
			continue
		case "DOCKER_TLS_CERTDIR":
			if val == "" {
				s.add("TG-GLCI-011", p.Key, 0, res, rl, key+"."+name, "")
			}
			continue
		}
		if secretNameRe.MatchString(name) && val != "" && !strings.Contains(val, "$") && len(val) >= 6 {
			s.add("TG-GLCI-008", p.Key, 0, res, rl, key+"."+name, fmt.Sprintf("variable %s has a literal value", name))
		}
	}
}

// scripts walks script lines (strings or nested lists of strings).
func (s *scanner) scripts(n *yaml.Node, res string, rl int, key string) {
	var lines []*yaml.Node
	var collect func(*yaml.Node, int)
	collect = func(n *yaml.Node, depth int) {
		n = y.Resolve(n)
		if n == nil || depth > 10 {
			return
		}
		if n.Kind == yaml.ScalarNode {
			lines = append(lines, n)
		}
		for _, c := range y.Seq(n) {
			collect(c, depth+1)
		}
	}
	collect(n, 0)
	for _, l := range lines {
		t := l.Value
		if pipeShellRe.MatchString(t) {
			s.add("TG-GLCI-007", l, 0, res, rl, key+":pipe-shell", "")
		}
		if tokenLeakRe.MatchString(t) {
			s.add("TG-GLCI-004", l, 0, res, rl, key+":job-token", "")
		}
		for _, m := range echoVarRe.FindAllStringSubmatch(t, -1) {
			if v := m[2]; v != "CI_JOB_TOKEN" && secretNameRe.MatchString(v) {
				s.add("TG-GLCI-005", l, 0, res, rl, key+":echo:"+v, fmt.Sprintf("prints $%s", v))
			}
		}
		if insecureRe.MatchString(t) {
			s.add("TG-GLCI-009", l, 0, res, rl, key+":insecure", "")
		}
	}
}

func (s *scanner) job(name string, key, job *yaml.Node) {
	res := "job " + name
	rl := key.Line
	s.image(y.Val(job, "image"), res, rl, res+".image")
	for _, sv := range y.Seq(y.Val(job, "services")) {
		s.image(sv, res, rl, res+".services")
	}
	s.variables(y.Val(job, "variables"), res, rl, res+".variables")
	for _, sec := range []string{"before_script", "script", "after_script"} {
		s.scripts(y.Val(job, sec), res, rl, res+"."+sec)
	}
	if tk, tags := y.Get(job, "tags"); tk != nil && runsOnMR(job) {
		for _, t := range y.Seq(tags) {
			if privRunnerRe.MatchString(y.Str(t)) {
				s.add("TG-GLCI-006", t, 0, res, rl, res+".tags:"+y.Str(t), fmt.Sprintf("merge-request job runs on runner tag %q", y.Str(t)))
			}
		}
	}
}

func runsOnMR(job *yaml.Node) bool {
	for _, o := range y.Seq(y.Val(job, "only")) {
		if y.Str(o) == "merge_requests" {
			return true
		}
	}
	for _, o := range y.Seq(y.Path(job, "only", "refs")) {
		if y.Str(o) == "merge_requests" {
			return true
		}
	}
	for _, r := range y.Seq(y.Val(job, "rules")) {
		cond := y.Str(y.Val(r, "if"))
		if strings.Contains(cond, "merge_request_event") && !strings.Contains(cond, "!=") && y.Str(y.Val(r, "when")) != "never" {
			return true
		}
	}
	return false
}
