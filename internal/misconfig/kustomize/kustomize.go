// Package kustomize builds the Kustomize overlays of a scanned tree so their output can be checked
// as Kubernetes. It uses kustomize's own krusty builder over an in-memory file system holding only
// the files the kustomization graph names (read from the target's fs.FS, bounded), with plugins
// limited to kustomize's built-ins and the Helm generator off, so a kustomization never runs a
// program. Kustomize itself would clone git URLs and fetch http(s) resources and has no switch
// for it; so the whole graph is read first, and a build that names anything remote is refused
// before kustomize sees it. Every kustomization is built with origin annotations so each output
// resource names the file it came from.
package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

// Limits on one build's inputs.
const (
	MaxFiles          = 5000
	MaxBytes          = 50 << 20
	MaxKustomizations = 200
)

// FileNames are the names kustomize recognises, in its order of preference.
var FileNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// IsKustomization reports whether p names a kustomization file.
func IsKustomization(p string) bool {
	b := path.Base(p)
	for _, n := range FileNames {
		if b == n {
			return true
		}
	}
	return false
}

// ErrRemote marks a build refused because it names a remote base or file.
var ErrRemote = errors.New("remote reference")

// Resource is one object of a build's output.
type Resource struct {
	Kind, Name string
	// OrigName is the name before the build's prefixes and suffixes: the name in the source file.
	OrigName string
	// Source is the file the resource came from (relative to the tree root); empty when kustomize
	// generated it.
	Source string
	YAML   []byte
}

// Build builds the kustomization file kfile. It also returns the files the graph uses as patches:
// fragments that are judged through the build rather than on their own.
func Build(fsys fs.FS, kfile string) (res []Resource, patches []string, err error) {
	g := &graph{fsys: fsys, mem: filesys.MakeFsInMemory(), seen: map[string]bool{}}
	root := path.Dir(kfile)
	if err := g.addKustomization(root); err != nil {
		return nil, nil, err
	}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig() // built-ins only; no exec, no containers, no helm
	m, err := krusty.MakeKustomizer(opts).Run(g.mem, path.Join("/", root))
	if err != nil {
		return nil, nil, fmt.Errorf("kustomize build: %w", err)
	}
	for _, r := range m.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			return nil, nil, err
		}
		out := Resource{Kind: r.GetKind(), Name: r.GetName(), OrigName: r.GetName(), YAML: b}
		if o, err := r.GetOrigin(); err == nil && o != nil && o.Repo == "" && o.Path != "" {
			out.Source = path.Clean(path.Join(root, o.Path))
			out.OrigName = sourceName(fsys, out.Source, out.Kind, out.Name)
		}
		res = append(res, out)
	}
	sort.Strings(g.patches)
	return res, g.patches, nil
}

type graph struct {
	fsys    fs.FS
	mem     filesys.FileSystem
	seen    map[string]bool
	files   int
	bytes   int
	kusts   int
	patches []string
}

// pathKeys are the kustomization fields (at any depth) whose strings name files or directories.
var pathKeys = map[string]bool{
	"resources": true, "bases": true, "components": true, "crds": true, "configurations": true,
	"generators": true, "transformers": true, "validators": true, "patchesStrategicMerge": true,
	"path": true, "files": true, "envs": true, "env": true, "valuesFile": true,
	"additionalValuesFiles": true, "chartHome": true,
}

// pluginKeys name fields whose entries are plugin configs: inline YAML or files, which may name
// files of their own.
var pluginKeys = map[string]bool{"generators": true, "transformers": true, "validators": true, "patchesStrategicMerge": true}

func (g *graph) addKustomization(dir string) error {
	if g.seen[dir+"/"] {
		return nil
	}
	g.seen[dir+"/"] = true
	if g.kusts++; g.kusts > MaxKustomizations {
		return fmt.Errorf("more than %d kustomizations in one build", MaxKustomizations)
	}
	var name string
	var raw []byte
	for _, n := range FileNames {
		if b, err := fs.ReadFile(g.fsys, path.Join(dir, n)); err == nil {
			name, raw = n, b
			break
		}
	}
	if name == "" {
		return fmt.Errorf("%s: no kustomization file", dir)
	}
	var k map[string]any
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return fmt.Errorf("%s: %w", path.Join(dir, name), err)
	}
	if k == nil {
		k = map[string]any{}
	}
	if err := g.walk(dir, "", k, 0); err != nil {
		return fmt.Errorf("%s: %w", path.Join(dir, name), err)
	}
	for _, key := range []string{"patchesStrategicMerge", "patches", "patchesJson6902"} {
		g.collectPatches(dir, k[key])
	}
	// Origin annotations make each output resource name its file; they are added to the in-memory
	// copy only, so the user's file is unchanged.
	bm, _ := k["buildMetadata"].([]any)
	k["buildMetadata"] = append(bm, types.OriginAnnotations)
	b, err := yaml.Marshal(k)
	if err != nil {
		return err
	}
	return g.write(path.Join(dir, name), b)
}

// walk checks every string under a path key of v and brings what it names into the build.
func (g *graph) walk(dir, key string, v any, depth int) error {
	if depth > 64 {
		return fmt.Errorf("kustomization nested too deeply")
	}
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if k == "buildMetadata" {
				continue
			}
			if err := g.walk(dir, k, c, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range t {
			if err := g.walk(dir, key, c, depth+1); err != nil {
				return err
			}
		}
	case string:
		if !pathKeys[key] {
			return nil
		}
		if strings.Contains(t, "\n") {
			if !pluginKeys[key] {
				return nil
			}
			return g.walkInline(dir, []byte(t), depth)
		}
		return g.ref(dir, key, t, depth)
	}
	return nil
}

// walkInline looks into an inline plugin config or patch for file references.
func (g *graph) walkInline(dir string, b []byte, depth int) error {
	var v any
	if yaml.Unmarshal(b, &v) != nil {
		return nil // kustomize will report it
	}
	return g.walk(dir, "", v, depth+1)
}

var userAtHost = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// IsRemote mirrors what kustomize treats as a git repository or remote file: a URL with a scheme,
// scp-style user@host:path, or a github.com path (with or without the "git::" prefix).
func IsRemote(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	l = strings.TrimPrefix(l, "git::")
	return strings.Contains(l, "://") || userAtHost.MatchString(l) ||
		strings.HasPrefix(l, "github.com/") || strings.HasPrefix(l, "github.com:")
}

func (g *graph) ref(dir, key, s string, depth int) error {
	if key == "files" || key == "envs" || key == "env" {
		if _, after, ok := strings.Cut(s, "="); ok { // configMapGenerator files: key=path
			s = after
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if IsRemote(s) {
		return fmt.Errorf("%w %q: remote bases and files are not fetched", ErrRemote, s)
	}
	if path.IsAbs(s) {
		return fmt.Errorf("absolute path %q", s)
	}
	p := path.Join(dir, s)
	if p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("%q is outside the scanned tree", s)
	}
	fi, err := fs.Stat(g.fsys, p)
	if err != nil {
		return nil // missing: kustomize reports it, or the string was not a path after all
	}
	if fi.IsDir() {
		return g.addKustomization(p)
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	b, err := fs.ReadFile(g.fsys, p)
	if err != nil {
		return err
	}
	if pluginKeys[key] && !g.seen[p] {
		// A plugin config (or patch) file can name files too.
		if err := g.walkInline(dir, b, depth); err != nil {
			return err
		}
	}
	return g.write(p, b)
}

func (g *graph) collectPatches(dir string, v any) {
	items, _ := v.([]any)
	for _, it := range items {
		var p string
		switch t := it.(type) {
		case string:
			p = t
		case map[string]any:
			p, _ = t["path"].(string)
		}
		if p != "" && !strings.Contains(p, "\n") && !IsRemote(p) {
			g.patches = append(g.patches, path.Join(dir, p))
		}
	}
}

func (g *graph) write(p string, b []byte) error {
	if g.seen[p] {
		return nil
	}
	g.seen[p] = true
	if g.files++; g.files > MaxFiles {
		return fmt.Errorf("build reads more than %d files", MaxFiles)
	}
	if g.bytes += len(b); g.bytes > MaxBytes {
		return fmt.Errorf("build reads more than %d bytes", MaxBytes)
	}
	return g.mem.WriteFile("/"+p, b)
}

// sourceName finds the name a built resource has in its source file: the build drops kustomize's
// record of earlier names, and a prefix or suffix only ever wraps the source name, so the longest
// same-kind name the built name contains is it.
func sourceName(fsys fs.FS, src, kind, built string) string {
	b, err := fs.ReadFile(fsys, src)
	if err != nil {
		return built
	}
	docs, err := yamldoc.Parse(b)
	if err != nil {
		return built
	}
	best := ""
	for _, d := range docs {
		if yamldoc.Str(yamldoc.Val(d.Root, "kind")) != kind {
			continue
		}
		n := yamldoc.Str(yamldoc.Path(d.Root, "metadata", "name"))
		if n != "" && strings.Contains(built, n) && len(n) > len(best) {
			best = n
		}
	}
	if best == "" {
		return built
	}
	return best
}
