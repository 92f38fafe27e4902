package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"
)

// importIgnoreFiles reads other tools' ignore files in root as waivers. What maps becomes a waiver;
// what does not is a warning, never silently dropped nor silently widened.
func importIgnoreFiles(root string, cfg *Config) (ws []Waiver, warnings []string, err error) {
	read := func(name string) ([]byte, bool, error) {
		b, err := readRepoFile(root, name)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return nil, false, nil
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory") {
				return nil, false, nil // the target is a single file
			}
			return nil, false, fmt.Errorf("read %s: %w", name, err)
		}
		return b, true, nil
	}
	if boolOr(cfg.Imports.Trivyignore, true) {
		if b, ok, err := read(".trivyignore"); err != nil {
			return nil, nil, err
		} else if ok {
			w, warn := parseTrivyignore(".trivyignore", b)
			ws, warnings = append(ws, w...), append(warnings, warn...)
		}
		if b, ok, err := read(".trivyignore.yaml"); err != nil {
			return nil, nil, err
		} else if ok {
			w, warn, err := parseTrivyignoreYAML(".trivyignore.yaml", b)
			if err != nil {
				return nil, nil, err
			}
			ws, warnings = append(ws, w...), append(warnings, warn...)
		}
	}
	if boolOr(cfg.Imports.Gitleaksignore, true) {
		if b, ok, err := read(".gitleaksignore"); err != nil {
			return nil, nil, err
		} else if ok {
			w, warn := parseGitleaksignore(".gitleaksignore", b)
			ws, warnings = append(ws, w...), append(warnings, warn...)
		}
	}
	return ws, warnings, nil
}

// parseTrivyignore reads trivy's plain ignore file: one id per line (a vulnerability, check or secret
// rule id), "#" comments, and an optional "exp:YYYY-MM-DD" after the id.
func parseTrivyignore(name string, data []byte) (ws []Waiver, warnings []string) {
	sc := bufio.NewScanner(bytes.NewReader(trimBOM(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		w := Waiver{Vuln: fields[0], imported: true, Line: n, Source: fmt.Sprintf("%s:%d", name, n),
			Reason: "imported from " + name}
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(f, "exp:"); ok {
				t, err := parseDate(v)
				if err != nil {
					warnings = append(warnings, fmt.Sprintf("%s:%d: %v; entry not imported", name, n, err))
					w.Vuln = ""
					break
				}
				w.Expires = &Date{Time: t, Line: n}
				continue
			}
			warnings = append(warnings, fmt.Sprintf("%s:%d: %q is not understood; ignored", name, n, f))
		}
		if w.Vuln == "" {
			continue
		}
		ws = append(ws, w)
	}
	if err := sc.Err(); err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: %v; the rest of the file was not imported", name, err))
	}
	return ws, warnings
}

// trivyIgnoreYAML is trivy's structured ignore file.
type trivyIgnoreYAML struct {
	Vulnerabilities   []trivyIgnoreEntry `yaml:"vulnerabilities"`
	Misconfigurations []trivyIgnoreEntry `yaml:"misconfigurations"`
	Secrets           []trivyIgnoreEntry `yaml:"secrets"`
	Licenses          []trivyIgnoreEntry `yaml:"licenses"`
}

type trivyIgnoreEntry struct {
	ID        string   `yaml:"id"`
	Paths     []string `yaml:"paths"`
	PURLs     []string `yaml:"purls"`
	Statement string   `yaml:"statement"`
	ExpiredAt string   `yaml:"expired_at"`
	line      int
}

func (e *trivyIgnoreEntry) UnmarshalYAML(n *yaml.Node) error {
	type plain trivyIgnoreEntry
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*e = trivyIgnoreEntry(p)
	e.line = n.Line
	return nil
}

func parseTrivyignoreYAML(name string, data []byte) (ws []Waiver, warnings []string, err error) {
	var doc trivyIgnoreYAML
	dec := yaml.NewDecoder(bytes.NewReader(trimBOM(data)))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, yamlErr(name, err)
	}
	add := func(kind string, es []trivyIgnoreEntry) {
		for _, e := range es {
			src := fmt.Sprintf("%s:%d", name, e.line)
			if e.ID == "" {
				warnings = append(warnings, src+": entry without id; not imported")
				continue
			}
			base := Waiver{imported: true, Line: e.line, Source: src, Reason: firstNonEmpty(e.Statement, "imported from "+name)}
			switch kind {
			case "vulnerabilities":
				base.Vuln = e.ID
			case "licenses":
				base.License = e.ID
			default:
				base.Rule = e.ID
			}
			if e.ExpiredAt != "" {
				t, err := parseDate(e.ExpiredAt)
				if err != nil {
					warnings = append(warnings, fmt.Sprintf("%s: expired_at: %v; entry not imported", src, err))
					continue
				}
				base.Expires = &Date{Time: t, Line: e.line}
			}
			// Each path and each purl narrows the entry; several mean any of them.
			scoped := []Waiver{base}
			if len(e.Paths) > 0 {
				scoped = nil
				for _, p := range e.Paths {
					w := base
					w.Path = p
					scoped = append(scoped, w)
				}
			}
			if len(e.PURLs) > 0 {
				var withPURL []Waiver
				for _, w := range scoped {
					for _, p := range e.PURLs {
						pu, err := packageurl.FromString(p)
						if err != nil {
							warnings = append(warnings, fmt.Sprintf("%s: purl %q: %v; not imported", src, p, err))
							continue
						}
						w2 := w
						w2.Package = pu.Name
						if pu.Namespace != "" {
							w2.Package = pu.Namespace + "/" + pu.Name
						}
						if pu.Version != "" {
							w2.Versions = "=" + pu.Version
						}
						withPURL = append(withPURL, w2)
					}
				}
				scoped = withPURL
			}
			for _, w := range scoped {
				if msgs := w.problems(); len(msgs) > 0 {
					warnings = append(warnings, fmt.Sprintf("%s: %s; not imported", src, strings.Join(msgs, "; ")))
					continue
				}
				ws = append(ws, w)
			}
		}
	}
	add("vulnerabilities", doc.Vulnerabilities)
	add("misconfigurations", doc.Misconfigurations)
	add("secrets", doc.Secrets)
	add("licenses", doc.Licenses)
	return ws, warnings, nil
}

// parseGitleaksignore reads gitleaks' fingerprint lines: [commit:]file:rule-id:line. Tollgate's
// fingerprints do not depend on the line, so an entry maps to rule + exact path; the commit and line
// are dropped, which the warnings say.
func parseGitleaksignore(name string, data []byte) (ws []Waiver, warnings []string) {
	sc := bufio.NewScanner(bytes.NewReader(trimBOM(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, widened := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) < 3 {
			warnings = append(warnings, fmt.Sprintf("%s:%d: not a gitleaks fingerprint (want [commit:]file:rule-id:line); not imported", name, n))
			continue
		}
		rule := parts[len(parts)-2]
		file := strings.Join(parts[:len(parts)-2], ":")
		if len(parts) >= 4 && isHex40(parts[0]) {
			file = strings.Join(parts[1:len(parts)-2], ":")
		}
		if file == "" || rule == "" {
			warnings = append(warnings, fmt.Sprintf("%s:%d: empty file or rule; not imported", name, n))
			continue
		}
		widened++
		ws = append(ws, Waiver{Rule: rule, Path: escapeGlob(file), imported: true, Line: n,
			Source: fmt.Sprintf("%s:%d", name, n), Reason: "imported from " + name})
	}
	if err := sc.Err(); err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: %v; the rest of the file was not imported", name, err))
	}
	if widened > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d entries imported as rule+file waivers (gitleaks' commit and line are not part of Tollgate fingerprints)", name, widened))
	}
	return ws, warnings
}

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// escapeGlob makes a literal path safe to use as a doublestar pattern.
func escapeGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
