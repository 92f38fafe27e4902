package target

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/walk"
)

func TestSkipInImage(t *testing.T) {
	dirs, files := []string{"node_modules", "usr/share/**"}, []string{"*.md", "etc/shadow"}
	for p, want := range map[string]bool{
		"app/node_modules/x/package.json": true,
		"usr/share/doc/a/copyright":       true,
		"README.md":                       true,
		"etc/shadow":                      true,
		"etc/os-release":                  false,
		"usr/lib/os-release":              false,
		"app/package-lock.json":           false,
	} {
		if got := (walk.Options{SkipDirs: dirs, SkipFiles: files}).Skips(p); got != want {
			t.Errorf("Skips(%q) = %v, want %v", p, got, want)
		}
	}
}
