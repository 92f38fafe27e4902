package dockerfile

import (
	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

const (
	refUser     = "https://docs.docker.com/build/building/best-practices/#user"
	refFrom     = "https://docs.docker.com/build/building/best-practices/#from"
	refCIS      = "CIS Docker Benchmark v1.6.0, section 4 (Container Images and Build File)"
	refRun      = "https://docs.docker.com/build/building/best-practices/#run"
	refSecrets  = "https://docs.docker.com/build/building/secrets/"
	refAdd      = "https://docs.docker.com/build/building/best-practices/#add-or-copy"
	refHealth   = "https://docs.docker.com/reference/dockerfile/#healthcheck"
	refWorkdir  = "https://docs.docker.com/reference/dockerfile/#workdir"
	refInsecure = "https://docs.docker.com/reference/dockerfile/#run---security"
)

func c(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.Dockerfile, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// Checks is the Dockerfile table.
var Checks = []check.Check{
	c("TG-DOCKER-001", finding.High, "Image runs as root",
		"The final stage sets no USER (or sets root), so the container's processes run as UID 0 and a breakout starts with root.",
		"Create an unprivileged user and add `USER <name>` (or a numeric UID) to the final stage.", refUser, refCIS),
	c("TG-DOCKER-002", finding.Medium, "Base image uses the latest tag or no tag",
		"An untagged or :latest base changes under the build without review; builds are not reproducible.",
		"Pin the base image to a version tag, ideally with a digest.", refFrom),
	c("TG-DOCKER-003", finding.Low, "Base image not pinned by digest",
		"Tags are mutable; only a digest guarantees the reviewed base is the one built on.",
		"Reference the base as image:tag@sha256:<digest> and let a bot update it.", refFrom, refCIS),
	c("TG-DOCKER-004", finding.Medium, "ADD fetches a remote URL",
		"ADD with a URL downloads at build time without checksum verification (unless --checksum is given).",
		"Download with curl/wget and verify a checksum, or use ADD --checksum=sha256:….", refAdd),
	c("TG-DOCKER-005", finding.High, "Remote script piped to a shell",
		"`curl … | sh` runs whatever the server returns at build time, with no integrity check.",
		"Download the script, verify its checksum or signature, then run it.", refRun),
	c("TG-DOCKER-006", finding.High, "Secret in ENV or ARG",
		"ENV and ARG values are stored in the image metadata and build history, readable by anyone who pulls the image.",
		"Use build secrets (RUN --mount=type=secret) or inject the value at run time.", refSecrets),
	c("TG-DOCKER-007", finding.Medium, "sudo used in RUN",
		"sudo in a build hides privilege changes and leaves a sudo binary that eases escalation in the running container.",
		"Run privileged steps before USER switches to the unprivileged user; drop sudo.", refUser),
	c("TG-DOCKER-008", finding.Low, "No HEALTHCHECK",
		"Without HEALTHCHECK the runtime cannot tell a hung service from a healthy one.",
		"Add a HEALTHCHECK to the final stage (or HEALTHCHECK NONE when the orchestrator probes instead).", refHealth, refCIS),
	c("TG-DOCKER-009", finding.Low, "apt-get install without --no-install-recommends",
		"Recommended packages enlarge the image and its attack surface with software nobody asked for.",
		"Add --no-install-recommends to apt-get install.", refRun),
	c("TG-DOCKER-010", finding.Low, "apt lists not cleaned after install",
		"Leaving /var/lib/apt/lists in the layer bloats the image and keeps stale package metadata.",
		"End the same RUN with `rm -rf /var/lib/apt/lists/*` (or use a cache mount).", refRun),
	c("TG-DOCKER-011", finding.Medium, "World-writable permissions (chmod 777)",
		"Files writable by every user let any process in the container tamper with them.",
		"Grant the least permissions needed (e.g. 755 for directories, 644 for files) and set ownership instead.", refCIS),
	c("TG-DOCKER-012", finding.Medium, "SSH port exposed",
		"Exposing port 22 suggests an SSH daemon in the container, an extra remote entry point.",
		"Remove the SSH server; use `docker exec`/`kubectl exec` for access.", refCIS),
	c("TG-DOCKER-013", finding.Low, "ADD used for local files",
		"ADD auto-extracts archives and fetches URLs; COPY does only what it says.",
		"Use COPY for local files and directories.", refAdd, refCIS),
	c("TG-DOCKER-014", finding.Low, "Distribution upgrade in the build",
		"apt-get upgrade/dist-upgrade makes the image depend on the day it was built and can break pinned packages.",
		"Use an up-to-date base image instead of upgrading inside the build.", refRun),
	c("TG-DOCKER-015", finding.Low, "WORKDIR is a relative path",
		"A relative WORKDIR depends on earlier instructions and the base image; it is easy to get wrong.",
		"Use an absolute path in WORKDIR.", refWorkdir),
	c("TG-DOCKER-016", finding.Medium, "Several CMD or ENTRYPOINT instructions in one stage",
		"Only the last one takes effect; the others mislead readers about what the image runs.",
		"Keep one CMD and one ENTRYPOINT per stage.", "https://docs.docker.com/reference/dockerfile/#cmd"),
	c("TG-DOCKER-017", finding.High, "TLS verification disabled for a download",
		"curl -k, wget --no-check-certificate and friends accept any certificate, so a network attacker can replace the download.",
		"Remove the insecure flag and fix the trust store (install ca-certificates).", refRun),
	c("TG-DOCKER-018", finding.High, "TLS verification disabled by environment",
		"Variables such as NODE_TLS_REJECT_UNAUTHORIZED=0, PYTHONHTTPSVERIFY=0 or GIT_SSL_NO_VERIFY turn off certificate checks for every later tool.",
		"Remove the variable and install the right CA certificates.", refCIS),
	c("TG-DOCKER-019", finding.High, "RUN with --security=insecure",
		"Insecure RUN steps run with full privileges on the build host, like a privileged container.",
		"Remove --security=insecure; build the step without elevated privileges.", refInsecure),
	c("TG-DOCKER-020", finding.Low, "apk add without --no-cache",
		"The apk index stays in the layer, bloating the image with stale metadata.",
		"Use `apk add --no-cache`.", refRun),
}

func init() { check.Register(Checks...) }
