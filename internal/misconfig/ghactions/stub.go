package ghactions

import (
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

func ScanWorkflow(docs []yamldoc.Doc) []check.Hit { return nil }
func ScanAction(docs []yamldoc.Doc) []check.Hit   { return nil }
