package misconfig

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// ChecksMarkdown renders the check table for CHECKS.md.
func ChecksMarkdown() string {
	var b strings.Builder
	all := check.All()
	counts := map[check.Platform]int{}
	for _, c := range all {
		counts[c.Platform]++
	}
	b.WriteString("# Built-in misconfiguration checks\n\n")
	b.WriteString("Generated from the check table by `go test ./internal/misconfig -run TestChecksDoc -update`; do not edit.\n\n")
	fmt.Fprintf(&b, "%d checks.\n", len(all))
	var last check.Platform
	for _, c := range all {
		if c.Platform != last {
			fmt.Fprintf(&b, "\n## %s (%d)\n\n| ID | Severity | Title |\n| --- | --- | --- |\n", c.Platform, counts[c.Platform])
			last = c.Platform
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.ID, c.Severity, strings.ReplaceAll(c.Title, "|", `\|`))
	}
	return b.String()
}
