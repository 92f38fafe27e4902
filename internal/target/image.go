package target

import (
	"github.com/tollgate-dev/tollgate/internal/image"
	"github.com/tollgate-dev/tollgate/internal/sbom"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

// Container images and SBOMs are recognised by content, before the directory fallback.
func init() {
	Openers = append(Openers, openImage, openSBOM)
}

func openImage(path string, _ Options) (scan.Source, error) {
	im, err := image.Open(path, image.Options{})
	if err != nil || im == nil {
		return nil, err
	}
	return im, nil
}

func openSBOM(path string, _ Options) (scan.Source, error) {
	s, err := sbom.Open(path)
	if err != nil || s == nil {
		return nil, err
	}
	return s, nil
}
