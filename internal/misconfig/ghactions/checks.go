package ghactions

import (
	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

const (
	refHarden    = "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions"
	refInjection = "https://securitylab.github.com/resources/github-actions-untrusted-input/"
	refPwn       = "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/"
	refOWASP3    = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-4 Poisoned Pipeline Execution"
	refOWASP8    = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-8 Ungoverned Usage of 3rd Party Services"
	refOWASP3b   = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-3 Dependency Chain Abuse"
	refOWASP2    = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-2 Inadequate Identity and Access Management"
	refOWASP6    = "OWASP Top 10 CI/CD Security Risks: CICD-SEC-6 Insufficient Credential Hygiene"
	refPerms     = "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token"
	refEnvFiles  = "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#environment-files"
	refRunners   = "https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/about-self-hosted-runners#self-hosted-runner-security"
)

func c(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.GitHubActions, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// Checks is the GitHub Actions table (workflows and action.yml).
var Checks = []check.Check{
	c("TG-GHA-001", finding.Critical, "Privileged trigger checks out untrusted code",
		"pull_request_target and workflow_run run with secrets and a write token; checking out the pull request's head and building it runs an outsider's code with those privileges (a \"pwn request\").",
		"Use the pull_request trigger for building untrusted code, or split the workflow: build unprivileged, then act on the artifact in a privileged workflow that never executes it.", refPwn, refOWASP3),
	c("TG-GHA-002", finding.High, "Script injection from untrusted event data",
		"A ${{ github.event.* }} expression that an outsider controls (titles, bodies, branch names, commit messages) is pasted into a run script before the shell sees it, so it can run commands.",
		"Pass the value through an environment variable (env: TITLE: ${{ … }}) and use \"$TITLE\" in the script.", refInjection, refOWASP3),
	c("TG-GHA-003", finding.High, "Script injection into actions/github-script",
		"An outsider-controlled expression inside github-script's script: becomes JavaScript source.",
		"Pass the value via env and read process.env in the script.", refInjection, refOWASP3),
	c("TG-GHA-004", finding.High, "Untrusted input written to GITHUB_ENV, GITHUB_OUTPUT or GITHUB_PATH",
		"Writing outsider-controlled text to the environment files lets it set variables such as LD_PRELOAD or NODE_OPTIONS, or prepend PATH, for every later step.",
		"Never write untrusted data to $GITHUB_ENV/$GITHUB_PATH; validate it strictly before $GITHUB_OUTPUT.", refEnvFiles, refOWASP3),
	c("TG-GHA-005", finding.Medium, "Third-party action not pinned by commit SHA",
		"Tags and branches of third-party actions can be moved to malicious code (as with tj-actions/changed-files in 2025); only a full commit SHA is immutable.",
		"Pin the action to a full 40-character commit SHA (with the version in a comment) and let Dependabot or Renovate update it.", refHarden, refOWASP8),
	c("TG-GHA-006", finding.Low, "No explicit token permissions",
		"Without a permissions block the GITHUB_TOKEN gets the repository or organisation default, which is often read-write on everything.",
		"Add a top-level `permissions: {}` (or contents: read) and grant more per job.", refPerms, refOWASP2),
	c("TG-GHA-007", finding.High, "Token permissions set to write-all",
		"write-all gives the GITHUB_TOKEN write access to every scope: a compromised step can push code, releases and packages.",
		"List only the scopes the job needs, e.g. contents: read.", refPerms, refOWASP2),
	c("TG-GHA-008", finding.Medium, "Reusable workflow inherits every secret",
		"secrets: inherit passes all of the caller's secrets to the called workflow, even ones it does not use.",
		"Pass the named secrets the called workflow declares.", "https://docs.github.com/en/actions/sharing-automations/reusing-workflows#passing-inputs-and-secrets-to-a-reusable-workflow", refOWASP6),
	c("TG-GHA-009", finding.High, "Self-hosted runner on a public trigger",
		"Jobs triggered by pull requests, comments or issues can run outsiders' code on the self-hosted machine, which usually persists between jobs.",
		"Use GitHub-hosted or ephemeral, isolated runners for public triggers, or require approval for outside contributors.", refRunners, refOWASP3),
	c("TG-GHA-010", finding.Medium, "Remote script piped to a shell",
		"`curl … | bash` runs whatever the server returns, inside the job with its secrets and token.",
		"Download, verify a checksum or signature, then run; or use a pinned action.", refHarden, refOWASP3b),
	c("TG-GHA-011", finding.High, "Insecure workflow commands enabled",
		"ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables the deprecated set-env/add-path commands, which any log line can trigger.",
		"Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV/$GITHUB_PATH instead.", "https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/"),
	c("TG-GHA-012", finding.Low, "Checkout persists credentials",
		"actions/checkout writes the token into .git/config by default; later steps (and uploaded artifacts of the workspace) can read it.",
		"Set `persist-credentials: false` on actions/checkout unless a later step pushes.", "https://github.com/actions/checkout#usage", refOWASP6),
	c("TG-GHA-013", finding.Critical, "Known-vulnerable or compromised action version",
		"This action version has a published vulnerability or was compromised (e.g. tj-actions/changed-files CVE-2025-30066, reviewdog/action-setup CVE-2025-30154).",
		"Upgrade to a fixed release and pin it by commit SHA; rotate secrets the workflow could read if the compromised version ran.", "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Aactions", refOWASP8),
	c("TG-GHA-014", finding.High, "Artifact from an untrusted run used in a privileged workflow",
		"A workflow_run workflow that downloads the triggering run's artifacts receives files an outsider's pull request produced; extracting or executing them in the privileged context is artifact poisoning.",
		"Treat downloaded artifacts as data: extract outside the workspace, validate strictly, never execute them.", refPwn, refOWASP3),
	c("TG-GHA-015", finding.Medium, "Cache used in a privileged workflow",
		"pull_request_target and workflow_run jobs share the default branch's cache scope; restoring or saving a cache there mixes untrusted and trusted state (cache poisoning).",
		"Do not use actions/cache (or setup-* cache:) in privileged triggers; cache in the unprivileged workflow instead.", "https://adnanthekhan.com/2024/05/06/the-monsters-in-your-build-cache-github-actions-cache-poisoning/", refOWASP3),
	c("TG-GHA-016", finding.High, "Hard-coded registry password",
		"A container or service credential is written in the workflow instead of coming from secrets.",
		"Use ${{ secrets.NAME }} for container and service credentials.", "https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idcontainercredentials", refOWASP6),
	c("TG-GHA-017", finding.Medium, "Action input interpolated into a run script",
		"In a composite action, ${{ inputs.* }} pasted into run: becomes shell code; callers often pass untrusted event data as inputs.",
		"Map the input to an env variable and use \"$VAR\" in the script.", refInjection),
	c("TG-GHA-018", finding.Low, "Container image not pinned",
		"A job container, service or docker:// action without a version tag (or with :latest) changes under the workflow.",
		"Pin images by version tag and digest.", refHarden, refOWASP3b),
}

func init() { check.Register(Checks...) }
