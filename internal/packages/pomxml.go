package packages

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"deps.dev/util/maven"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/javalockfile"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/plugin"
	"github.com/google/osv-scalibr/purl"
)

// pomExtractor reads pom.xml offline. scalibr's java/pomxml does the same but links its deps.dev
// network client (gRPC and friends, ~5 MB of Tollgate's binary) for a feature an offline scanner
// never uses. This one keeps deps.dev's own POM model: properties are interpolated and versions
// filled from the file's dependencyManagement; a version that only a parent POM knows stays ""
// (reported unpinned, never guessed).
type pomExtractor struct{}

const pomName = "tollgate/pomxml"

func newPOM() filesystem.Extractor { return pomExtractor{} }

func (pomExtractor) Name() string                       { return pomName }
func (pomExtractor) Version() int                       { return 0 }
func (pomExtractor) Requirements() *plugin.Capabilities { return &plugin.Capabilities{} }

func (pomExtractor) FileRequired(api filesystem.FileAPI) bool {
	b := path.Base(api.Path())
	return b == "pom.xml" || strings.HasSuffix(b, ".pom")
}

func (pomExtractor) Extract(_ context.Context, in *filesystem.ScanInput) (inventory.Inventory, error) {
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, err
	}
	var p maven.Project
	if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&p); err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not extract: %w", err)
	}
	declared := append([]maven.Dependency(nil), p.Dependencies...)
	if err := p.Interpolate(); err != nil {
		return inventory.Inventory{}, fmt.Errorf("could not interpolate: %w", err)
	}
	// No import-scope BOMs offline: only this file's own dependencyManagement fills versions.
	p.ProcessDependencies(func(maven.String, maven.String, maven.String) (maven.DependencyManagement, error) {
		return maven.DependencyManagement{}, nil
	})
	// Interpolate drops a dependency whose version names a property only a parent defines; keep it,
	// unpinned, so it is reported rather than lost.
	kept := map[string]bool{}
	for _, d := range p.Dependencies {
		kept[string(d.GroupID)+":"+string(d.ArtifactID)] = true
	}
	for _, d := range declared {
		if k := string(d.GroupID) + ":" + string(d.ArtifactID); !kept[k] && !strings.Contains(k, "${") {
			d.Version = ""
			p.Dependencies = append(p.Dependencies, d)
			kept[k] = true
		}
	}
	lines := dependencyLines(b)
	var inv inventory.Inventory
	for _, d := range p.Dependencies {
		g, a, v := string(d.GroupID), string(d.ArtifactID), string(d.Version)
		if g == "" || a == "" {
			continue
		}
		if strings.Contains(v, "${") { // a property only a parent POM defines
			v = ""
		}
		meta := &javalockfile.Metadata{GroupID: g, ArtifactID: a, Type: string(d.Type), Classifier: string(d.Classifier)}
		if meta.Type == "jar" {
			meta.Type = ""
		}
		if s := string(d.Scope); s != "" && s != "compile" {
			meta.DepGroupVals = []string{s}
		}
		inv.Packages = append(inv.Packages, &extractor.Package{
			Name:     g + ":" + a,
			Version:  v,
			PURLType: purl.TypeMaven,
			Metadata: meta,
			Location: extractor.LocationFromPathAndLine(in.Path, lines[g+":"+a]),
		})
	}
	return inv, nil
}

// dependencyLines finds the line of each <dependency> under <project><dependencies>, keyed by
// group:artifact as written (before interpolation, so ${} keys simply get no line).
func dependencyLines(b []byte) map[string]int {
	out := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	var start int
	var g, a string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if strings.Join(stack, "/") == "project/dependencies/dependency" {
				start = 1 + bytes.Count(b[:dec.InputOffset()], []byte("\n"))
				g, a = "", ""
			}
		case xml.CharData:
			switch strings.Join(stack, "/") {
			case "project/dependencies/dependency/groupId":
				g = strings.TrimSpace(string(t))
			case "project/dependencies/dependency/artifactId":
				a = strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			if strings.Join(stack, "/") == "project/dependencies/dependency" && g != "" && a != "" {
				if _, dup := out[g+":"+a]; !dup {
					out[g+":"+a] = start
				}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}
