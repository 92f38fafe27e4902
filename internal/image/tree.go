package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

type nodeKind uint8

const (
	kindDir nodeKind = iota
	kindFile
	kindSymlink
)

// node is one path of the flattened image. Files hold no content, only where it lives: the layer
// and the member's ordinal in that layer's tar stream.
type node struct {
	kind     nodeKind
	mode     fs.FileMode // permission bits
	mtime    time.Time
	size     int64
	layer    int
	ordinal  int
	link     string
	children map[string]*node
}

func newDir() *node { return &node{kind: kindDir, mode: 0o755, children: map[string]*node{}} }

// maxSymlinkHops stops symlink loops, like the kernel's ELOOP.
const maxSymlinkHops = 40

// maxPath rejects absurd member names (tar bombs of deep paths).
const maxPath = 4096

// member is one tar entry of the layer being applied.
type member struct {
	name    string
	hdr     *tar.Header
	ordinal int
}

// applyLayer indexes one layer: whiteouts and opaque markers first remove what lower layers put
// there, then this layer's members are added. Nothing is read but tar headers.
func (im *Image) applyLayer(li int) error {
	rc, err := openLayer(im.store, im.meta.layers[li].blob, im.opts.MaxLayerBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var members []member
	var whiteouts, opaques []string
	var layerErr error
	for ord := 0; ; ord++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			layerErr = err
			// The stream broke while skipping the previous member's data or reading the next
			// header: the previous member may be cut short, so it is reported, not scanned as
			// if whole.
			if n := len(members); n > 0 && isRegular(members[n-1].hdr.Typeflag) {
				im.skip(members[n-1].name, skipTruncated, fmt.Sprintf("layer %s ends inside or right after this file (%v)", im.meta.layers[li].digest, err))
				members = members[:n-1]
			}
			break
		}
		if im.entries >= im.opts.MaxEntries {
			layerErr = fmt.Errorf("more than %d entries in the image", im.opts.MaxEntries)
			break
		}
		im.entries++
		name, ok := cleanName(h.Name)
		if !ok {
			im.skip(h.Name, "unsafe-path", "member name leaves the image root or is absolute")
			continue
		}
		if name == "" {
			continue
		}
		dir, base := path.Split(name)
		switch {
		case base == ".wh..wh..opq":
			opaques = append(opaques, strings.TrimSuffix(dir, "/"))
		case strings.HasPrefix(base, ".wh."):
			whiteouts = append(whiteouts, dir+strings.TrimPrefix(base, ".wh."))
		default:
			members = append(members, member{name: name, hdr: h, ordinal: ord})
		}
	}
	for _, d := range opaques {
		if n := im.lookup(d); n != nil && n.kind == kindDir {
			n.children = map[string]*node{}
			for p := range im.history {
				if d == "" || strings.HasPrefix(p, d+"/") {
					delete(im.history, p)
				}
			}
		}
	}
	for _, w := range whiteouts {
		im.remove(w)
	}
	for _, m := range members {
		im.add(li, m)
	}
	if layerErr != nil {
		im.skip(im.meta.layers[li].digest, finding.SkipUnreadable, fmt.Sprintf("layer read stopped after %d members: %v", len(members), layerErr))
	}
	return nil
}

func (im *Image) add(li int, m member) {
	h := m.hdr
	parent, base := im.mkdirParent(m.name)
	if parent == nil {
		im.skip(m.name, "unsafe-path", "a parent is not a directory")
		return
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if n, ok := parent.children[base]; ok && n.kind == kindDir {
			n.mode, n.mtime = fs.FileMode(h.Mode).Perm(), h.ModTime
			return
		}
		d := newDir()
		d.mode, d.mtime = fs.FileMode(h.Mode).Perm(), h.ModTime
		parent.children[base] = d
	case tar.TypeReg, typeRegA, tar.TypeGNUSparse:
		n := &node{kind: kindFile, mode: fs.FileMode(h.Mode).Perm(), mtime: h.ModTime, size: h.Size, layer: li, ordinal: m.ordinal}
		parent.children[base] = n
		if historyPaths[m.name] {
			im.history[m.name] = append(im.history[m.name], n)
		}
	case tar.TypeSymlink:
		if escapes(path.Dir(m.name), h.Linkname) {
			im.skip(m.name, finding.SkipSymlinkOut, fmt.Sprintf("symlink to %q climbs above the image root (resolved inside the image)", h.Linkname))
		}
		parent.children[base] = &node{kind: kindSymlink, mode: 0o777, mtime: h.ModTime, link: h.Linkname}
	case tar.TypeLink:
		target, ok := cleanName(h.Linkname)
		t := im.lookup(target)
		if !ok || t == nil || t.kind != kindFile {
			im.skip(m.name, "hardlink-missing", fmt.Sprintf("hard link to %q, which is not a file in the image", h.Linkname))
			return
		}
		cp := *t
		parent.children[base] = &cp
	default:
		// Devices, FIFOs: no content to scan.
	}
}

func isRegular(t byte) bool { return t == tar.TypeReg || t == typeRegA || t == tar.TypeGNUSparse }

// cleanName makes a member name relative to the image root. Absolute names and names that climb
// out with ".." are refused (ok false); the root itself is "".
func cleanName(n string) (string, bool) {
	if len(n) > maxPath || strings.ContainsRune(n, 0) || strings.HasPrefix(n, "/") {
		return "", false
	}
	c := path.Clean(n)
	if c == "." {
		return "", true
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}

// escapes says whether a relative symlink target climbs above the root, lexically.
func escapes(dir, target string) bool {
	if strings.HasPrefix(target, "/") {
		return false
	}
	depth := 0
	for _, p := range strings.Split(path.Join(dir, target), "/") {
		switch p {
		case "..":
			depth--
		case ".", "":
		default:
			depth++
		}
		if depth < 0 {
			return true
		}
	}
	return false
}

// mkdirParent returns the directory that will hold name, creating missing parents and following
// symlinked parents inside the image (merged-/usr images link /lib to usr/lib).
func (im *Image) mkdirParent(name string) (*node, string) {
	dir, base := path.Split(name)
	cur := im.root
	curPath := ""
	hops := 0
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if p == "" {
			continue
		}
		n, ok := cur.children[p]
		if !ok || (n.kind == kindFile) {
			n = newDir()
			cur.children[p] = n
		}
		if n.kind == kindSymlink {
			if hops++; hops > maxSymlinkHops {
				return nil, ""
			}
			t, tp := im.resolve(joinLink(curPath, n.link), true, &hops)
			if t == nil || t.kind != kindDir {
				n = newDir()
				cur.children[p] = n
			} else {
				cur, curPath = t, tp
				continue
			}
		}
		cur = n
		curPath = path.Join(curPath, p)
	}
	return cur, base
}

// joinLink is where a symlink in dir points, as a root-relative path (chroot semantics: ".."
// at the root stays at the root).
func joinLink(dir, link string) string {
	if strings.HasPrefix(link, "/") {
		return strings.TrimPrefix(path.Clean(link), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+path.Join(dir, link)), "/")
}

// lookup finds a path without following symlinks.
func (im *Image) lookup(name string) *node {
	cur := im.root
	if name == "" || name == "." {
		return cur
	}
	for _, p := range strings.Split(name, "/") {
		if cur.kind != kindDir {
			return nil
		}
		n, ok := cur.children[p]
		if !ok {
			return nil
		}
		cur = n
	}
	return cur
}

// resolve finds a path following symlinks inside the image; it returns the node and its real
// path, or nil when missing or looping.
func (im *Image) resolve(name string, followLast bool, hops *int) (*node, string) {
	cur, curPath := im.root, ""
	if name == "" || name == "." {
		return cur, ""
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if cur.kind != kindDir {
			return nil, ""
		}
		n, ok := cur.children[p]
		if !ok {
			return nil, ""
		}
		if n.kind == kindSymlink && (followLast || i < len(parts)-1) {
			if *hops++; *hops > maxSymlinkHops {
				return nil, ""
			}
			rest := strings.Join(parts[i+1:], "/")
			return im.resolve(strings.TrimPrefix(path.Join(joinLink(curPath, n.link), rest), "/"), followLast, hops)
		}
		cur, curPath = n, path.Join(curPath, p)
	}
	return cur, curPath
}

// historyPaths are the OS package databases whose every layer version is kept, so each package
// can be attributed to the layer that first installed it rather than the last one that rewrote
// the database.
var historyPaths = map[string]bool{"var/lib/dpkg/status": true, "lib/apk/db/installed": true}

func (im *Image) remove(name string) {
	for p := range im.history {
		if p == name || strings.HasPrefix(p, name+"/") {
			delete(im.history, p)
		}
	}
	dir, base := path.Split(name)
	if d := im.lookup(strings.TrimSuffix(dir, "/")); d != nil && d.kind == kindDir {
		delete(d.children, base)
	}
}

// files lists every regular file of the flattened tree, by layer then tar order, so content
// reads move forward through each layer.
func (im *Image) files() []fileRef {
	var out []fileRef
	var walk func(n *node, p string)
	walk = func(n *node, p string) {
		for name, c := range n.children {
			cp := path.Join(p, name)
			switch c.kind {
			case kindDir:
				walk(c, cp)
			case kindFile:
				out = append(out, fileRef{path: cp, n: c})
			}
		}
	}
	walk(im.root, "")
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].n, out[j].n
		if a.layer != b.layer {
			return a.layer < b.layer
		}
		if a.ordinal != b.ordinal {
			return a.ordinal < b.ordinal
		}
		return out[i].path < out[j].path
	})
	return out
}

type fileRef struct {
	path string
	n    *node
}
