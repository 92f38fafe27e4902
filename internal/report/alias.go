package report

import "github.com/tollgate-dev/tollgate/internal/finding"

// Report is finding.Report; the alias keeps formatter signatures short.
type Report = finding.Report
