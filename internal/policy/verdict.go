// Package policy owns the gate: the policy file, waivers, VEX, baselines and the verdict with every
// reason spelled out.
package policy

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// Policy is what the gate decides with.
type Policy struct {
	// FailOn is the lowest severity that fails the gate.
	FailOn finding.Severity
}

// Evaluate sets r.Verdict. Findings with a Status of "suppressed" or "existing" do not count.
func Evaluate(r *finding.Report, p Policy) {
	v := finding.Verdict{Result: finding.Pass, FailOn: p.FailOn.String(), Counted: map[string]int{}}
	var failing []string
	bySev := map[finding.Severity]int{}
	for _, f := range r.Findings {
		if f.Status == "suppressed" || f.Status == "existing" {
			continue
		}
		v.Counted[f.Severity.String()]++
		if f.Severity >= p.FailOn {
			failing = append(failing, f.Fingerprint)
			bySev[f.Severity]++
		}
	}
	if len(failing) > 0 {
		var parts []string
		for _, s := range finding.Severities() {
			if n := bySev[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		v.Result = finding.Fail
		v.Reasons = append(v.Reasons, finding.Reason{Rule: "fail-on", Effect: finding.Fail, Fingerprints: failing,
			Message: fmt.Sprintf("%s at or above the fail-on threshold %s", strings.Join(parts, ", "), p.FailOn)})
	}
	for _, nc := range r.NotChecked {
		v.Reasons = append(v.Reasons, finding.Reason{Rule: "not-checked", Effect: finding.Warn, Message: nc})
		if v.Result == finding.Pass {
			v.Result = finding.Warn
		}
	}
	if v.Result == finding.Pass {
		v.Reasons = append(v.Reasons, finding.Reason{Rule: "fail-on", Effect: "info",
			Message: fmt.Sprintf("no finding at or above %s", p.FailOn)})
	}
	r.Verdict = v
}
