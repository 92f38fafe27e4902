package misconfig

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"github.com/tollgate-dev/tollgate/internal/misconfig/compose"
	"github.com/tollgate-dev/tollgate/internal/misconfig/dockerfile"
	"github.com/tollgate-dev/tollgate/internal/misconfig/ghactions"
	"github.com/tollgate-dev/tollgate/internal/misconfig/gitlabci"
	"github.com/tollgate-dev/tollgate/internal/misconfig/kubernetes"
	"github.com/tollgate-dev/tollgate/internal/misconfig/terraform"
	"github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// seeds adds every fixture file of a file type as a fuzz seed.
func seeds(f *testing.F, want fileType) {
	paths, _ := filepath.Glob("testdata/checks/*.txtar")
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if detect(file.Name) == want || (want == typeYAML && detect(file.Name) != typeDockerfile && detect(file.Name) != typeTerraform) {
				f.Add(file.Data)
			}
		}
	}
}

func FuzzDockerfile(f *testing.F) {
	seeds(f, typeDockerfile)
	f.Add([]byte("FROM a\nRUN <<EOF\nx\nEOF\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = dockerfile.Scan(b)
		_, _ = dockerfile.Input(b)
	})
}

func fuzzYAML(f *testing.F, scanDocs func([]yamldoc.Doc)) {
	f.Add([]byte("a: &a [x]\nb: [*a, *a]\n<<: *a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		docs, err := yamldoc.Parse(b)
		if err != nil {
			return
		}
		scanDocs(docs)
		for _, d := range docs {
			_, _ = yamldoc.ToValue(d.Root)
		}
	})
}

func FuzzKubernetes(f *testing.F) {
	seeds(f, typeYAML)
	fuzzYAML(f, func(d []yamldoc.Doc) { kubernetes.Scan(d) })
}

func FuzzWorkflow(f *testing.F) {
	seeds(f, typeWorkflow)
	seeds(f, typeAction)
	fuzzYAML(f, func(d []yamldoc.Doc) { ghactions.ScanWorkflow(d); ghactions.ScanAction(d) })
}

func FuzzGitLabCI(f *testing.F) {
	seeds(f, typeGitLab)
	fuzzYAML(f, func(d []yamldoc.Doc) { gitlabci.Scan(d) })
}

func FuzzCompose(f *testing.F) {
	seeds(f, typeCompose)
	fuzzYAML(f, func(d []yamldoc.Doc) { compose.Scan(d) })
}

func FuzzTerraform(f *testing.F) {
	seeds(f, typeTerraform)
	f.Add([]byte("locals {\n a = local.b\n b = local.a\n}\nmodule \"m\" {\n source = \"./\"\n}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys := fstest.MapFS{"main.tf": &fstest.MapFile{Data: b}}
		_, _ = terraform.NewEvaluator().ScanFile(fsys, "main.tf", b)
		_, _ = terraform.Input("main.tf", b)
	})
}

// FuzzAnalyze drives the whole analyzer, file-type detection included.
func FuzzAnalyze(f *testing.F) {
	f.Add("Dockerfile", []byte("FROM x\n"))
	f.Add("k8s/a.yaml", []byte("apiVersion: v1\nkind: Pod\n"))
	f.Add(".github/workflows/a.yml", []byte("on: push\n"))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Wants(name, int64(len(b))) || !fs.ValidPath(name) || name == "." {
			return
		}
		_, _ = s.Analyze(context.Background(), &scan.File{Path: name, Content: b, FS: fstest.MapFS{name: &fstest.MapFile{Data: b}}})
	})
}
