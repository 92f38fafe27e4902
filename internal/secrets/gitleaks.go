package secrets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"

	"github.com/tollgate-dev/tollgate/internal/finding"
)

// The gitleaks configuration format (v8), read so a team's .gitleaks.toml works unchanged:
// [extend] useDefault/path/disabledRules, [[rules]] with [rules.allowlist] (older) and
// [[rules.allowlists]] (newer), and the global [allowlist] / [[allowlists]].

type glConfig struct {
	Title  string `toml:"title"`
	Extend struct {
		UseDefault    bool     `toml:"useDefault"`
		Path          string   `toml:"path"`
		DisabledRules []string `toml:"disabledRules"`
	} `toml:"extend"`
	Rules      []glRule      `toml:"rules"`
	Allowlist  *glAllowlist  `toml:"allowlist"`
	Allowlists []glAllowlist `toml:"allowlists"`
}

type glRule struct {
	ID          string        `toml:"id"`
	Description string        `toml:"description"`
	Regex       string        `toml:"regex"`
	SecretGroup int           `toml:"secretGroup"`
	Entropy     float64       `toml:"entropy"`
	Keywords    []string      `toml:"keywords"`
	Path        string        `toml:"path"`
	Tags        []string      `toml:"tags"`
	Allowlist   *glAllowlist  `toml:"allowlist"`
	Allowlists  []glAllowlist `toml:"allowlists"`
}

type glAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	Commits     []string `toml:"commits"`
	Paths       []string `toml:"paths"`
	RegexTarget string   `toml:"regexTarget"`
	Regexes     []string `toml:"regexes"`
	StopWords   []string `toml:"stopwords"`
	TargetRules []string `toml:"targetRules"`
}

// config is a loaded gitleaks file, ready to merge with the built-in rules.
type config struct {
	useDefault bool
	disabled   map[string]bool
	base       *config // [extend] path
	rules      []*Rule
	overrides  map[string]glRule // rules that share an id with the base: merged, not replaced
	pathRules  []*pathRule
	global     []*allowlist
}

// gitleaksAliases maps gitleaks' default rule ids to Tollgate rule ids where the names differ, so
// disabledRules and targetRules written for gitleaks keep working.
var gitleaksAliases = map[string][]string{
	"generic-api-key":        {"generic-secret-assignment", "generic-password-assignment"},
	"github-app-token":       {"github-app-token", "github-installation-token"},
	"aws-access-token":       {"aws-access-key-id"},
	"private-key":            {"private-key-rsa", "private-key-ec", "private-key-pkcs8", "private-key-openssh", "private-key-dsa", "private-key-encrypted"},
	"slack-webhook-url":      {"slack-webhook"},
	"stripe-access-token":    {"stripe-live-secret-key", "stripe-restricted-key"},
	"gcp-api-key":            {"gcp-api-key"},
	"openai-api-key":         {"openai-project-key", "openai-legacy-key", "openai-service-account-key"},
	"anthropic-api-key":      {"anthropic-api-key"},
	"pypi-upload-token":      {"pypi-token"},
	"hashicorp-tf-api-token": {"terraform-cloud-token"},
}

const maxExtendDepth = 3

// maxConfigSize bounds one config file: real ones are kilobytes.
const maxConfigSize = 4 << 20

func loadGitleaksFile(path, root string) (*config, error) {
	return loadGitleaksDepth(path, root, 0)
}

func loadGitleaksDepth(path, root string, depth int) (*config, error) {
	b, err := readConfig(path, root)
	if err != nil {
		return nil, fmt.Errorf("secret config: %w", err)
	}
	cfg, err := parseGitleaks(b)
	if err != nil {
		return nil, fmt.Errorf("secret config %s: %w", path, err)
	}
	if p := cfg.extendPath; p != "" {
		if depth >= maxExtendDepth {
			return nil, fmt.Errorf("secret config %s: [extend] nested deeper than %d", path, maxExtendDepth)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		if cfg.base, err = loadGitleaksDepth(p, root, depth+1); err != nil {
			return nil, err
		}
	}
	return cfg.config, nil
}

// readConfig reads a regular file of bounded size. With a root, the path must lie inside it and is
// opened through os.Root, so neither a symlink nor an [extend] path can leave the scanned tree.
func readConfig(path, root string) ([]byte, error) {
	var f *os.File
	var err error
	if root == "" {
		f, err = os.Open(path)
	} else {
		var rel string
		if rel, err = filepath.Rel(root, path); err == nil {
			var r *os.Root
			if r, err = os.OpenRoot(root); err == nil {
				defer r.Close()
				f, err = r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err == nil && len(b) > maxConfigSize {
		err = fmt.Errorf("%s: larger than %d bytes", path, maxConfigSize)
	}
	return b, err
}

type parsed struct {
	*config
	extendPath string
}

// parseGitleaks decodes and compiles one gitleaks TOML document. Unknown keys are ignored, as
// gitleaks does, so configs written for newer gitleaks versions still load.
func parseGitleaks(b []byte) (parsed, error) {
	var gc glConfig
	if _, err := toml.Decode(string(b), &gc); err != nil {
		return parsed{}, err
	}
	cfg := &config{useDefault: gc.Extend.UseDefault, disabled: map[string]bool{}, overrides: map[string]glRule{}}
	for _, id := range gc.Extend.DisabledRules {
		cfg.disabled[id] = true
		for _, a := range gitleaksAliases[id] {
			cfg.disabled[a] = true
		}
	}
	var globals []glAllowlist
	if gc.Allowlist != nil {
		globals = append(globals, *gc.Allowlist)
	}
	globals = append(globals, gc.Allowlists...)
	for i, g := range globals {
		a, err := compileAllowlist(g)
		if err != nil {
			return parsed{}, fmt.Errorf("allowlist %d: %w", i+1, err)
		}
		if len(g.TargetRules) > 0 {
			a.targetRules = map[string]bool{}
			for _, id := range g.TargetRules {
				a.targetRules[id] = true
				for _, al := range gitleaksAliases[id] {
					a.targetRules[al] = true
				}
			}
		}
		cfg.global = append(cfg.global, a)
	}
	seen := map[string]bool{}
	for i, gr := range gc.Rules {
		if gr.ID == "" {
			return parsed{}, fmt.Errorf("rule %d has no id", i+1)
		}
		if seen[gr.ID] {
			return parsed{}, fmt.Errorf("rule %s defined twice", gr.ID)
		}
		seen[gr.ID] = true
		if gr.Regex == "" && gr.Path == "" {
			// Only allowlists/keywords: it refines a rule of the base config.
			cfg.overrides[gr.ID] = gr
			continue
		}
		if gr.Regex == "" {
			pr, err := regexp.Compile(gr.Path)
			if err != nil {
				return parsed{}, fmt.Errorf("rule %s: path: %w", gr.ID, err)
			}
			cfg.pathRules = append(cfg.pathRules, &pathRule{id: gr.ID, title: titleOf(gr), severity: finding.High, path: pr})
			continue
		}
		r, err := compileGitleaksRule(gr)
		if err != nil {
			return parsed{}, err
		}
		cfg.rules = append(cfg.rules, r)
		cfg.overrides[gr.ID] = gr
	}
	return parsed{config: cfg, extendPath: gc.Extend.Path}, nil
}

func titleOf(gr glRule) string {
	if gr.Description != "" {
		return gr.Description
	}
	return gr.ID
}

func compileGitleaksRule(gr glRule) (*Rule, error) {
	re, err := regexp.Compile(gr.Regex)
	if err != nil {
		return nil, fmt.Errorf("rule %s: regex: %w", gr.ID, err)
	}
	if gr.SecretGroup < 0 || gr.SecretGroup > re.NumSubexp() {
		return nil, fmt.Errorf("rule %s: secretGroup %d but the regex has %d groups", gr.ID, gr.SecretGroup, re.NumSubexp())
	}
	// gitleaks runs a rule over whole lines; the window starts at the line for user rules.
	r := &Rule{ID: gr.ID, Title: titleOf(gr), Severity: finding.High, re: re, group: gr.SecretGroup, entropy: gr.Entropy, before: 1024}
	r.Keywords = lowerAll(gr.Keywords)
	if len(r.Keywords) == 0 {
		r.Keywords = deriveKeywords(gr.Regex)
	}
	if len(r.Keywords) == 0 {
		r.fullScan = true
	}
	if crossesLines(gr.Regex) {
		r.window = 4096
	}
	if gr.Path != "" {
		if r.path, err = regexp.Compile(gr.Path); err != nil {
			return nil, fmt.Errorf("rule %s: path: %w", gr.ID, err)
		}
	}
	if err := addAllowlists(r, gr); err != nil {
		return nil, err
	}
	return r, nil
}

func addAllowlists(r *Rule, gr glRule) error {
	var all []glAllowlist
	if gr.Allowlist != nil {
		all = append(all, *gr.Allowlist)
	}
	all = append(all, gr.Allowlists...)
	for _, g := range all {
		a, err := compileAllowlist(g)
		if err != nil {
			return fmt.Errorf("rule %s: allowlist: %w", gr.ID, err)
		}
		r.allow = append(r.allow, a)
	}
	return nil
}

// crossesLines guesses whether a user regex means to span lines; such rules get a wider window.
func crossesLines(expr string) bool {
	return strings.Contains(expr, `\n`) || strings.Contains(expr, `(?s`) || strings.Contains(expr, `\s\S`) || strings.Contains(expr, `\S\s`)
}

func compileAllowlist(g glAllowlist) (*allowlist, error) {
	a := &allowlist{description: g.Description, commits: g.Commits, target: "secret", stopwords: lowerAll(g.StopWords)}
	switch strings.ToUpper(strings.TrimSpace(g.Condition)) {
	case "", "OR":
	case "AND", "&&":
		a.and = true
	default:
		return nil, fmt.Errorf("condition %q (want OR or AND)", g.Condition)
	}
	switch g.RegexTarget {
	case "", "secret":
	case "match", "line":
		a.target = g.RegexTarget
	default:
		return nil, fmt.Errorf("regexTarget %q (want secret, match or line)", g.RegexTarget)
	}
	for _, p := range g.Paths {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", p, err)
		}
		a.paths = append(a.paths, re)
	}
	for _, x := range g.Regexes {
		re, err := regexp.Compile(x)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %w", x, err)
		}
		a.regexes = append(a.regexes, re)
	}
	return a, nil
}

// apply merges the config with the built-in rules following gitleaks: without [extend] a config
// that defines rules replaces the defaults (a config with only allowlists keeps them); a rule that
// shares an id with a base rule refines it.
func (c *config) apply(builtin []*Rule) ([]*Rule, error) {
	base, err := c.baseRules(builtin)
	if err != nil {
		return nil, err
	}
	if c.base != nil {
		c.global = append(c.base.global, c.global...)
		c.pathRules = append(c.base.pathRules, c.pathRules...)
	}
	byID := map[string]int{}
	out := make([]*Rule, 0, len(base)+len(c.rules))
	for _, r := range base {
		if c.disabled[r.ID] {
			continue
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	for id, gr := range c.overrides {
		i, ok := byID[id]
		if !ok {
			continue
		}
		merged, err := mergeRule(out[i], gr)
		if err != nil {
			return nil, err
		}
		out[i] = merged
	}
	for _, r := range c.rules {
		if _, ok := byID[r.ID]; ok {
			continue // merged above
		}
		out = append(out, r)
	}
	if len(out) == 0 && len(c.pathRules) == 0 {
		return nil, errors.New("secret config: no rules left (set [extend] useDefault = true to keep the built-in rules)")
	}
	return out, nil
}

func (c *config) baseRules(builtin []*Rule) ([]*Rule, error) {
	switch {
	case c.base != nil:
		b, err := c.base.apply(builtin)
		if err != nil {
			return nil, err
		}
		if c.useDefault {
			return appendMissing(b, builtin), nil
		}
		return b, nil
	case c.useDefault || len(c.rules) == 0 && len(c.pathRules) == 0:
		return builtin, nil
	}
	return nil, nil
}

func appendMissing(a, b []*Rule) []*Rule {
	have := map[string]bool{}
	for _, r := range a {
		have[r.ID] = true
	}
	for _, r := range b {
		if !have[r.ID] {
			a = append(a, r)
		}
	}
	return a
}

// mergeRule applies a gitleaks rule on top of a base rule with the same id: set fields replace,
// keywords and allowlists add up. The base rule is shared, so it is copied first.
func mergeRule(base *Rule, gr glRule) (*Rule, error) {
	r := *base
	r.allow = append([]*allowlist(nil), base.allow...)
	if gr.Description != "" {
		r.Title = gr.Description
	}
	if gr.Regex != "" {
		re, err := regexp.Compile(gr.Regex)
		if err != nil {
			return nil, fmt.Errorf("rule %s: regex: %w", gr.ID, err)
		}
		r.re, r.group = re, gr.SecretGroup
		if r.group > re.NumSubexp() {
			return nil, fmt.Errorf("rule %s: secretGroup %d but the regex has %d groups", gr.ID, r.group, re.NumSubexp())
		}
	}
	if gr.Entropy > 0 {
		r.entropy = gr.Entropy
	}
	if gr.Path != "" {
		p, err := regexp.Compile(gr.Path)
		if err != nil {
			return nil, fmt.Errorf("rule %s: path: %w", gr.ID, err)
		}
		r.path = p
	}
	r.Keywords = append(append([]string(nil), base.Keywords...), lowerAll(gr.Keywords)...)
	if err := addAllowlists(&r, gr); err != nil {
		return nil, err
	}
	return &r, nil
}
