package report

import (
	"io"

	"github.com/tollgate-dev/tollgate/internal/sbom"
)

// The SBOM formats live in internal/sbom (they are also what `tollgate sbom` writes); these entries
// only make them available to --format and --report.
func init() {
	Register("cyclonedx", func(w io.Writer, r *Report, _ Options) error { return sbom.WriteCycloneDX(w, r) })
	Register("spdx", func(w io.Writer, r *Report, _ Options) error { return sbom.WriteSPDX(w, r) })
}
