package secrets

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed rules/*.toml
var ruleFiles embed.FS

// ruleFile is the shape of one rules/*.toml file.
type ruleFile struct {
	Rules []ruleSpec `toml:"rule"`
}

var builtin struct {
	once  sync.Once
	rules []*Rule
	err   error
}

// builtinRules compiles the embedded table once per process; compiled rules are immutable and shared.
func builtinRules() ([]*Rule, error) {
	builtin.once.Do(func() {
		builtin.rules, builtin.err = loadRuleFS(ruleFiles)
	})
	out := make([]*Rule, len(builtin.rules))
	copy(out, builtin.rules)
	return out, builtin.err
}

func loadRuleFS(fsys fs.FS) ([]*Rule, error) {
	names, err := fs.Glob(fsys, "rules/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var rules []*Rule
	ids := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		var rf ruleFile
		md, err := toml.Decode(string(b), &rf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if un := md.Undecoded(); len(un) > 0 {
			return nil, fmt.Errorf("%s: unknown fields %v", n, un)
		}
		for _, spec := range rf.Rules {
			r, err := spec.compile()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			if prev, dup := ids[r.ID]; dup {
				return nil, fmt.Errorf("%s: rule %s already defined in %s", n, r.ID, prev)
			}
			ids[r.ID] = n
			rules = append(rules, r)
		}
	}
	return rules, nil
}
