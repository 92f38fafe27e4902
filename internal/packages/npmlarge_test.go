package packages

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
)

// TestNPMLargePathMatchesScalibr runs scalibr's extractor and the linear path on the same
// lockfile (scoped names, nested duplicates, aliases, links) and wants the same name, version and
// line for every package.
func TestNPMLargePathMatchesScalibr(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\", \"dependencies\": {\"a\": \"1\"}}")
	for i := range 50 {
		fmt.Fprintf(&b, ",\n    \"node_modules/p%d\": {\n      \"version\": \"1.0.%d\",\n      \"resolved\": \"https://registry.npmjs.org/p%d/-/p%d-1.0.%d.tgz\"\n    }", i, i, i, i, i)
		fmt.Fprintf(&b, ",\n    \"node_modules/@scope/s%d\": {\"version\": \"2.%d.0\", \"dev\": true}", i, i)
		fmt.Fprintf(&b, ",\n    \"node_modules/p%d/node_modules/shared\": {\"version\": \"3.0.%d\"}", i, i%5)
	}
	b.WriteString(",\n    \"node_modules/alias\": {\"name\": \"real-name\", \"version\": \"4.0.0\"}")
	b.WriteString(",\n    \"node_modules/linked\": {\"resolved\": \"packages/linked\", \"link\": true}")
	b.WriteString(",\n    \"packages/linked\": {\"name\": \"linked\", \"version\": \"0.0.1\"}")
	b.WriteString(",\n    \"node_modules/esc\\u0061ped\": {\"version\": \"5.0.0\"}")
	b.WriteString("\n  }\n}\n")
	content := []byte(b.String())

	inner, err := packagelockjson.New(&cpb.PluginConfig{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(x filesystem.Extractor) []string {
		inv, err := x.Extract(context.Background(), &filesystem.ScanInput{Path: "package-lock.json", Reader: bytes.NewReader(content), FS: wrapFS(nil).(scalibrFS)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range inv.Packages {
			line := p.Location.Descriptor.File.LineNumber
			if p.Name == "shared" {
				// Nested duplicates: scalibr keeps whichever copy its map iteration met last, the
				// linear path the first; only the version is comparable.
				line = 0
			}
			out = append(out, fmt.Sprintf("%s@%s:%d", p.Name, p.Version, line))
		}
		slices.Sort(out)
		return out
	}
	want, got := run(inner), run(npmLock{inner: inner, threshold: 1})
	if !slices.Equal(want, got) {
		t.Errorf("linear path differs from scalibr:\n got %v\nwant %v", got, want)
	}
}
