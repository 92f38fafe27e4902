package kustomize

import (
	"os"
	"testing"
	"testing/fstest"
)

// FuzzBuild builds arbitrary kustomization, resource and patch contents: no panic, no remote
// reference reaches kustomize, and nothing outside the tree is read.
func FuzzBuild(f *testing.F) {
	read := func(p string) []byte { b, _ := os.ReadFile(p); return b }
	f.Add(read("testdata/overlays/prod/kustomization.yaml"), read("testdata/base/deployment.yaml"), read("testdata/overlays/prod/hostnet.yaml"))
	f.Add(read("testdata/exec/kustomization.yaml"), read("testdata/exec/evil.yaml"), []byte(""))
	f.Add([]byte("resources: [r.yaml]\npatches: [{path: p.yaml}]\nconfigMapGenerator: [{name: c, files: [p.yaml]}]\n"), []byte("kind: A\n"), []byte("x: y\n"))
	f.Add([]byte("generators:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: x}\n  files: [https://e.invalid/x]\n"), []byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, k, res, patch []byte) {
		fsys := fstest.MapFS{
			"o/kustomization.yaml":      {Data: k},
			"o/r.yaml":                  {Data: res},
			"o/p.yaml":                  {Data: patch},
			"o/base/kustomization.yaml": {Data: []byte("resources: [../r.yaml]\n")},
		}
		_, _, _ = Build(fsys, "o/kustomization.yaml")
	})
}
