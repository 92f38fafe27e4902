package gitlabci

import (
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

// Scan runs every check over the documents.
func Scan(docs []yamldoc.Doc) []check.Hit { return nil }
