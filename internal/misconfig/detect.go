package misconfig

import (
	"path"
	"strings"
)

// fileType is what Wants decides from the path alone; YAML files are sniffed again in Analyze.
type fileType int

const (
	typeNone fileType = iota
	typeDockerfile
	typeTerraform
	typeWorkflow // .github/workflows/*.yml
	typeAction   // action.yml
	typeGitLab
	typeCompose
	typeYAML          // maybe Kubernetes (apiVersion + kind), else only custom policies
	typeJSON          // only custom policies (and Kubernetes JSON manifests)
	typeChart         // Chart.yaml: the chart is rendered and its manifests checked
	typeKustomization // kustomization.yaml: the overlay is built and its output checked
)

func detect(p string) fileType {
	base := path.Base(p)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	switch {
	case lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || strings.HasPrefix(lower, "dockerfile-") ||
		strings.HasSuffix(lower, ".dockerfile") || lower == "containerfile" || strings.HasPrefix(lower, "containerfile."):
		return typeDockerfile
	case ext == ".tf":
		return typeTerraform
	case base == "Chart.yaml":
		return typeChart
	case lower == "kustomization.yaml" || lower == "kustomization.yml" || base == "Kustomization":
		return typeKustomization
	}
	if ext != ".yml" && ext != ".yaml" {
		if ext == ".json" {
			return typeJSON
		}
		return typeNone
	}
	dir := path.Dir(p)
	switch {
	case strings.HasSuffix("/"+dir, "/.github/workflows") || strings.Contains("/"+dir+"/", "/.github/workflows/"):
		return typeWorkflow
	case lower == "action.yml" || lower == "action.yaml":
		return typeAction
	case lower == ".gitlab-ci.yml" || lower == ".gitlab-ci.yaml" || strings.HasSuffix(lower, ".gitlab-ci.yml") ||
		strings.HasSuffix(lower, ".gitlab-ci.yaml") || strings.HasPrefix(("/"+dir+"/"), "/.gitlab/ci/"):
		return typeGitLab
	case strings.HasPrefix(lower, "docker-compose") || strings.HasPrefix(lower, "compose.") || strings.HasPrefix(lower, "compose-"):
		return typeCompose
	}
	return typeYAML
}
