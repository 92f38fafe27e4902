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

func openImage(p string, o Options) (scan.Source, error) {
	imo := image.Options{}
	if len(o.Walk.SkipDirs)+len(o.Walk.SkipFiles) > 0 {
		imo.Skip = o.Walk.Skips
	}
	im, err := image.Open(p, imo)
	if err != nil || im == nil {
		return nil, err
	}
	return im, nil
}

func openSBOM(p string, _ Options) (scan.Source, error) {
	s, err := sbom.Open(p)
	if err != nil || s == nil {
		return nil, err
	}
	return s, nil
}
