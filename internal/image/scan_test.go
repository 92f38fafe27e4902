package image

import (
	"archive/tar"
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/packages"
	"github.com/tollgate-dev/tollgate/internal/scan"
)

const (
	statusBase = "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n"
	statusSSL  = statusBase + "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n\n"
)

// TestScanImagePackages runs the real engine with the package extractor over an image built in the
// test: OS packages get the distro's ecosystem and the layer that installed them, lockfiles the layer
// that copied them, and the target names the OS.
func TestScanImagePackages(t *testing.T) {
	img := empty.Image
	for _, a := range []mutate.Addendum{
		{Layer: layer(t,
			tf{name: "etc/os-release", body: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"},
			tf{name: "var/lib/dpkg/status", body: statusBase}),
			History: v1.History{CreatedBy: "ADD rootfs.tar.xz /"}},
		{Layer: layer(t, tf{name: "var/lib/dpkg/status", body: statusSSL}),
			History: v1.History{CreatedBy: "RUN apt-get install -y libssl3"}},
		{Layer: layer(t, tf{name: "app/go.mod", body: "module example.com/app\n\ngo 1.21.0\n\nrequire golang.org/x/text v0.3.7\n"},
			tf{name: "app/config", typ: tar.TypeDir}),
			History: v1.History{CreatedBy: "COPY . /app"}},
	} {
		var err error
		if img, err = mutate.Append(img, a); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := img.ConfigFile()
	diff := cfg.RootFS.DiffIDs
	im, err := Open(writeDockerSave(t, img), Options{})
	if err != nil || im == nil {
		t.Fatal(err)
	}
	defer im.Close()
	rep, err := scan.Run(context.Background(), im, scan.Options{Analyzers: []scan.Analyzer{packages.New(packages.Options{}), packages.NewLicenseScanner()}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target.Kind != "image" || rep.Target.OS != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("target %+v", rep.Target)
	}
	type want struct{ eco, layer, cmd string }
	wants := map[string]want{
		"zlib1g":            {"Debian:12", diff[0].String(), "ADD rootfs.tar.xz /"},
		"libssl3":           {"Debian:12", diff[1].String(), "RUN apt-get install -y libssl3"},
		"golang.org/x/text": {"Go", diff[2].String(), "COPY . /app"},
		"stdlib":            {"Go", diff[2].String(), "COPY . /app"},
	}
	for _, p := range rep.Packages {
		w, ok := wants[p.Name]
		if !ok {
			t.Errorf("unexpected package %+v", p)
			continue
		}
		delete(wants, p.Name)
		if p.Ecosystem != w.eco || p.Layer != w.layer || p.LayerCmd != w.cmd {
			t.Errorf("%s: got (%s, %s, %q), want (%s, %s, %q)", p.Name, p.Ecosystem, p.Layer, p.LayerCmd, w.eco, w.layer, w.cmd)
		}
	}
	if len(wants) > 0 {
		t.Errorf("missing packages %v", wants)
	}
	var lic int
	for _, f := range rep.Findings {
		if f.Kind == finding.KindLicense {
			lic++
		}
	}
	if lic != len(rep.Packages) {
		t.Errorf("%d license findings for %d packages", lic, len(rep.Packages))
	}
}
