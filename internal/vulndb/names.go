package vulndb

import (
	"strings"
)

// key identifies one package in the index: the base ecosystem (without a ":release" suffix) and
// the name normalised the way that ecosystem compares names.
type key struct {
	eco  string
	name string
}

func (k key) String() string { return k.eco + "\x00" + k.name }

// keyFor builds the index key of a package.
func keyFor(ecosystem, name string) key {
	base, _ := splitEcosystem(ecosystem)
	return key{eco: base, name: normaliseName(base, name)}
}

// splitEcosystem separates "Debian:12" into "Debian" and "12". Packagist's repository suffix
// ("Packagist:https://packages.drupal.org/8") is a suffix like any other.
func splitEcosystem(e string) (base, suffix string) {
	e = strings.TrimSpace(e)
	base, suffix, _ = strings.Cut(e, ":")
	return canonicalEcosystem(base), suffix
}

// canonicalEcosystem maps case variants and common spellings onto the OSV ecosystem names.
func canonicalEcosystem(e string) string {
	switch strings.ToLower(e) {
	case "go", "golang":
		return "Go"
	case "pypi", "pip", "python":
		return "PyPI"
	case "npm":
		return "npm"
	case "maven":
		return "Maven"
	case "crates.io", "cargo", "rust":
		return "crates.io"
	case "rubygems", "gem":
		return "RubyGems"
	case "nuget":
		return "NuGet"
	case "packagist", "composer":
		return "Packagist"
	case "hex":
		return "Hex"
	case "pub":
		return "Pub"
	case "debian":
		return "Debian"
	case "ubuntu":
		return "Ubuntu"
	case "alpine":
		return "Alpine"
	}
	return e
}

// normaliseName applies each ecosystem's own rule for when two names are the same package.
func normaliseName(eco, name string) string {
	name = strings.TrimSpace(name)
	switch eco {
	case "PyPI":
		return pep503(name)
	case "crates.io", "NuGet", "Packagist", "npm", "Hex", "RubyGems", "Pub":
		// Registries that refuse names differing only in case (npm has legacy mixed-case names but
		// resolves them case-insensitively; RubyGems and Pub lower-case in practice).
		return strings.ToLower(name)
	case "Maven":
		// group:artifact; some sources write group/artifact.
		return strings.ToLower(strings.Replace(name, "/", ":", 1))
	case "Go":
		// Module paths are case-sensitive (the proxy escapes capitals); only the toolchain aliases
		// are folded onto the name the Go database uses.
		switch name {
		case "go", "toolchain", "golang.org/toolchain":
			return "stdlib"
		}
		return name
	}
	return name
}

// pep503 normalises a Python distribution name: lower case, runs of -, _ and . become one -.
func pep503(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	dash := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			dash = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteByte(c)
	}
	return b.String()
}

// sameRelease says whether a package's ecosystem suffix and an advisory's agree. When either side
// has no suffix the base ecosystem decides (as osv.dev does); Alpine's "v3.20" and "3.20.1" are the
// same release line.
func sameRelease(base, pkgSuffix, advSuffix string) bool {
	if pkgSuffix == "" || advSuffix == "" {
		return true
	}
	if base == "Alpine" {
		return alpineLine(pkgSuffix) == alpineLine(advSuffix)
	}
	if base == "Packagist" {
		return true // the suffix names a repository, not a release
	}
	return strings.EqualFold(pkgSuffix, advSuffix)
}

func alpineLine(s string) string {
	s = strings.TrimPrefix(strings.ToLower(s), "v")
	parts := strings.SplitN(s, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return s
}
