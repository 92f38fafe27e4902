package image

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// maxMetadata caps manifests, indexes and config files: real ones are a few KiB.
const maxMetadata = 8 << 20

// maxLayers bounds the manifest (Docker's own limit is 127 layers).
const maxLayers = 256

// layerRef is one layer to apply, in order.
type layerRef struct {
	blob   string // member name in the store
	digest string // diff_id (uncompressed digest) when the config has it, else the blob digest
	cmd    string // the history command (created_by) that made it
}

// imageMeta is what the manifest and config say.
type imageMeta struct {
	id       string // config digest (the image ID)
	tags     []string
	layers   []layerRef
	warnings []string
}

// loadDockerSave reads manifest.json of a docker save tarball.
func loadDockerSave(s blobStore) (*imageMeta, error) {
	b, err := readSmall(s, "manifest.json", maxMetadata)
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(m) == 0 {
		return nil, errors.New("manifest.json lists no image")
	}
	meta := &imageMeta{tags: m[0].RepoTags}
	if len(m) > 1 {
		meta.warnings = append(meta.warnings, fmt.Sprintf("the archive holds %d images; only the first (%s) was scanned", len(m), strings.Join(m[0].RepoTags, ",")))
	}
	cfg, id, err := loadConfig(s, cleanMember(m[0].Config))
	if err != nil {
		return nil, err
	}
	meta.id = id
	blobs := make([]string, len(m[0].Layers))
	for i, l := range m[0].Layers {
		blobs[i] = cleanMember(l)
	}
	return meta, meta.setLayers(blobs, nil, cfg)
}

// loadOCI reads index.json of an OCI layout (folder or tarball), choosing linux/amd64 when the
// index lists several platforms.
func loadOCI(s blobStore) (*imageMeta, error) {
	b, err := readSmall(s, "index.json", maxMetadata)
	if err != nil {
		return nil, err
	}
	meta := &imageMeta{}
	desc, err := pickManifest(s, b, 0, meta)
	if err != nil {
		return nil, err
	}
	mb, err := readSmall(s, blobPath(desc.Digest), maxMetadata)
	if err != nil {
		return nil, err
	}
	man, err := v1.ParseManifest(bytes.NewReader(mb))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	cfg, id, err := loadConfig(s, blobPath(man.Config.Digest))
	if err != nil {
		return nil, err
	}
	meta.id = id
	if ref := desc.Annotations["org.opencontainers.image.ref.name"]; ref != "" {
		meta.tags = []string{ref}
	}
	blobs := make([]string, len(man.Layers))
	digests := make([]string, len(man.Layers))
	for i, l := range man.Layers {
		blobs[i], digests[i] = blobPath(l.Digest), l.Digest.String()
	}
	return meta, meta.setLayers(blobs, digests, cfg)
}

func pickManifest(s blobStore, indexJSON []byte, depth int, meta *imageMeta) (v1.Descriptor, error) {
	if depth > 4 {
		return v1.Descriptor{}, errors.New("image index nested too deeply")
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(indexJSON))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("index: %w", err)
	}
	var images []v1.Descriptor
	for _, d := range idx.Manifests {
		switch {
		case d.MediaType.IsIndex():
			b, err := readSmall(s, blobPath(d.Digest), maxMetadata)
			if err != nil {
				return v1.Descriptor{}, err
			}
			return pickManifest(s, b, depth+1, meta)
		case d.MediaType.IsImage() || d.MediaType == "":
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			images = append(images, d)
		}
	}
	if len(images) == 0 {
		return v1.Descriptor{}, errors.New("the index lists no image manifest")
	}
	for _, d := range images {
		if d.Platform != nil && d.Platform.OS == "linux" && d.Platform.Architecture == "amd64" {
			if len(images) > 1 {
				meta.warnings = append(meta.warnings, fmt.Sprintf("the index lists %d images; scanned linux/amd64", len(images)))
			}
			return d, nil
		}
	}
	if len(images) > 1 {
		meta.warnings = append(meta.warnings, fmt.Sprintf("the index lists %d images; scanned the first", len(images)))
	}
	return images[0], nil
}

func loadConfig(s blobStore, name string) (*v1.ConfigFile, string, error) {
	b, err := readSmall(s, name, maxMetadata)
	if err != nil {
		return nil, "", fmt.Errorf("image config: %w", err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("image config %s: %w", name, err)
	}
	id, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return nil, "", err
	}
	return cfg, id.String(), nil
}

// setLayers pairs layer blobs with diff_ids and history commands. Empty-layer history entries
// (ENV, LABEL…) do not produce layers, so they are passed over.
func (m *imageMeta) setLayers(blobs, digests []string, cfg *v1.ConfigFile) error {
	if len(blobs) > maxLayers {
		return fmt.Errorf("%d layers exceeds the limit of %d", len(blobs), maxLayers)
	}
	var cmds []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			cmds = append(cmds, h.CreatedBy)
		}
	}
	for i, b := range blobs {
		l := layerRef{blob: b}
		if i < len(cfg.RootFS.DiffIDs) {
			l.digest = cfg.RootFS.DiffIDs[i].String()
		} else if digests != nil {
			l.digest = digests[i]
		} else {
			l.digest = b
		}
		if i < len(cmds) {
			l.cmd = cmds[i]
		}
		m.layers = append(m.layers, l)
	}
	return nil
}

// blobPath maps a digest to its place in an OCI layout. v1.Hash has already validated the hex.
func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }
