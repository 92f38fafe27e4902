package packages

import (
	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/cpp/conanlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dart/pubspec"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/depsjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packagesconfig"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/erlang/mixlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gomod"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/vendormodules"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/gradlelockfile"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/gradleverificationmetadataxml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/bunlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/pnpmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/php/composerlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pdmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pipfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/swift/packageresolved"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
)

// constructors is the explicit extractor list. Picking them one by one (never scalibr's "all" list)
// keeps the binary lean: each entry pulls in only its own parser.
//
// Not here, on purpose:
//   - os/rpm: scalibr copies the rpmdb to a temporary file and opens it with SQLite; container images
//     must never write to disk, so RPM-based roots are not extracted (documented limitation).
//   - java/pomxml and pomxmlnet: both link scalibr's deps.dev network client (gRPC); pomxml.go reads
//     pom.xml offline with deps.dev's POM model instead (-5 MB of binary).
//   - elixir/mixlock: erlang/mixlock already reads mix.lock for the Hex ecosystem.
var constructors = []func(*cpb.PluginConfig) (filesystem.Extractor, error){
	// Go
	gomod.New, vendormodules.New,
	// npm and friends
	func(c *cpb.PluginConfig) (filesystem.Extractor, error) {
		x, err := packagelockjson.New(c)
		return npmLock{inner: x}, err
	}, yarnlock.New, pnpmlock.New, bunlock.New,
	// PyPI
	requirements.New, poetrylock.New, pipfilelock.New, uvlock.New, pdmlock.New, pylock.New,
	// Maven / Gradle
	func(*cpb.PluginConfig) (filesystem.Extractor, error) { return newPOM(), nil }, gradlelockfile.New, gradleverificationmetadataxml.New,
	// crates.io, RubyGems, Packagist
	cargolock.New, gemfilelock.New, composerlock.New,
	// NuGet
	packageslockjson.New, packagesconfig.New, depsjson.New,
	// Pub, Hex, SwiftURL, ConanCenter
	pubspec.New, mixlock.New, packageresolved.New, conanlock.New,
	// OS package databases
	dpkg.New, apk.New,
}

// binaryConstructor is run only on executables (see wantsBinary).
var binaryConstructor = gobinary.New
