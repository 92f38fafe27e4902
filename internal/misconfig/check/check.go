// Package check owns what every misconfiguration check is: its metadata (id, severity, title,
// remediation, references) and the Hit a platform parser reports when a check fires. Platform
// packages (dockerfile, kubernetes, terraform, …) declare their checks as data and return hits;
// the misconfig analyzer turns hits into findings, so fingerprints and suppression live in one place.
package check

import (
	"fmt"
	"sort"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Platform names the file type a check applies to. It is also the fixture folder name.
type Platform string

// Platforms with built-in checks.
const (
	Dockerfile    Platform = "dockerfile"
	Kubernetes    Platform = "kubernetes"
	Terraform     Platform = "terraform"
	Compose       Platform = "compose"
	GitHubActions Platform = "github-actions"
	GitLabCI      Platform = "gitlab-ci"
)

// Check is one rule's metadata. The logic lives next to it in the platform package.
type Check struct {
	ID          string
	Platform    Platform
	Severity    finding.Severity
	Title       string
	Description string
	Remediation string
	References  []string
}

// Hit is one place a check fired.
type Hit struct {
	ID string
	// Line and EndLine are 1-based lines of the offending key (EndLine 0 means Line).
	Line, EndLine int
	// Resource names the object: "Deployment/web", "aws_s3_bucket.logs", "job build", "stage 2".
	Resource string
	// ResourceLine is where the resource starts, so an ignore comment on the resource covers it.
	ResourceLine int
	// Key is the path to the offending setting ("spec.template.spec.containers[web].securityContext").
	// It goes into the fingerprint, so it must not contain line numbers or indexes that shift.
	Key string
	// Message says what was found in this instance; empty means the check's title.
	Message string
	// Path overrides the file the hit is reported against (a Terraform module's file, a Helm template).
	Path string
}

var (
	mu       sync.RWMutex
	registry = map[string]Check{}
)

// Register adds checks to the table; a duplicate id is a programming error.
func Register(cs ...Check) {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range cs {
		if _, dup := registry[c.ID]; dup {
			panic(fmt.Sprintf("check %s registered twice", c.ID))
		}
		registry[c.ID] = c
	}
}

// Lookup returns a registered check.
func Lookup(id string) (Check, bool) {
	mu.RLock()
	defer mu.RUnlock()
	c, ok := registry[id]
	return c, ok
}

// All lists every registered check ordered by platform then id.
func All() []Check {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].ID < out[j].ID
	})
	return out
}
