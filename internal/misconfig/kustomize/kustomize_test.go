package kustomize

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuildOverlay(t *testing.T) {
	res, patches, err := Build(os.DirFS("testdata"), "overlays/prod/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("want one resource, got %d", len(res))
	}
	r := res[0]
	if r.Kind != "Deployment" || r.Name != "prod-api" || r.OrigName != "api" || r.Source != "base/deployment.yaml" {
		t.Errorf("resource = %+v", r)
	}
	if !strings.Contains(string(r.YAML), "hostNetwork: true") {
		t.Errorf("patch not applied:\n%s", r.YAML)
	}
	if len(patches) != 1 || patches[0] != "overlays/prod/hostnet.yaml" {
		t.Errorf("patches = %v", patches)
	}
}

func TestBuildRefused(t *testing.T) {
	for dir, want := range map[string]string{
		"remote": "remote bases",
		"http":   "remote bases",
		"exec":   "plugins disabled",
	} {
		_, _, err := Build(os.DirFS("testdata"), dir+"/kustomization.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error containing %q, got %v", dir, want, err)
		}
		if dir != "exec" && !errors.Is(err, ErrRemote) {
			t.Errorf("%s: want ErrRemote, got %v", dir, err)
		}
	}
	inline := fstest.MapFS{"o/kustomization.yaml": {Data: []byte("generators:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: x}\n  files: [https://example.invalid/x]\n")}}
	if _, _, err := Build(inline, "o/kustomization.yaml"); !errors.Is(err, ErrRemote) {
		t.Errorf("remote file in an inline generator: want ErrRemote, got %v", err)
	}
	if _, err := os.Stat("/tmp/tollgate-kustomize-exec-ran"); err == nil {
		t.Fatal("an exec function ran")
	}
}

func TestBuildStaysInTree(t *testing.T) {
	fsys := fstest.MapFS{"a/kustomization.yaml": {Data: []byte("resources:\n  - ../../etc\n")}}
	if _, _, err := Build(fsys, "a/kustomization.yaml"); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("want outside-the-tree error, got %v", err)
	}
	cyc := fstest.MapFS{
		"a/kustomization.yaml": {Data: []byte("resources:\n  - ../b\n")},
		"b/kustomization.yaml": {Data: []byte("resources:\n  - ../a\n")},
	}
	if _, _, err := Build(cyc, "a/kustomization.yaml"); err == nil {
		t.Fatal("a cycle must fail the build")
	}
}

func TestIsRemote(t *testing.T) {
	for s, want := range map[string]bool{
		"github.com/org/repo//base?ref=v1": true, "git::https://example.com/x.git": true,
		"git@gitlab.com:org/repo.git": true, "https://example.com/a.yaml": true, "ssh://h/x": true,
		"../base": false, "deployment.yaml": false, "file.yaml": false,
	} {
		if IsRemote(s) != want {
			t.Errorf("IsRemote(%q) = %v", s, !want)
		}
	}
}
