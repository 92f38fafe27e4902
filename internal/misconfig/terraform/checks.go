package terraform

import (
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

// rule is one check's logic for some resource types.
type rule struct {
	id    string
	types []string
	fn    func(c *ctx)
}

// ctx is what a rule sees: the resource, its module (for companion resources) and an emitter.
type ctx struct {
	r    *resource
	n    node
	m    *module
	id   string
	hits *[]check.Hit
	pfx  string
}

// fire records a hit at line with a key path (no line numbers in keys: they feed fingerprints).
func (c *ctx) fire(line int, key, msg string) {
	if line == 0 {
		line = c.r.line
	}
	*c.hits = append(*c.hits, check.Hit{ID: c.id, Line: line, Resource: c.pfx + c.addr(), ResourceLine: c.r.line, Key: key, Message: msg})
}

func (c *ctx) addr() string {
	if c.r.data {
		return "data." + c.r.typ + "." + c.r.name
	}
	if c.r.typ == "provider" {
		return "provider." + c.r.name
	}
	if strings.HasPrefix(c.r.typ, "module:") {
		return "module." + c.r.name
	}
	return c.r.typ + "." + c.r.name
}

// companions lists module resources of typ whose attr references this resource (or names it literally).
func (c *ctx) companions(typ, attr string) []*resource {
	var out []*resource
	name, _, nameKnown := c.n.str("bucket")
	for _, o := range c.m.resources {
		if o.typ != typ {
			continue
		}
		on := o.node()
		on.ctx = c.n.ctx // same module, same pool
		if on.refersTo(attr, c.r.typ+"."+c.r.name) {
			out = append(out, o)
			continue
		}
		if v, _, ok := on.str(attr); ok && nameKnown && v == name {
			out = append(out, o)
		}
	}
	return out
}

var rules []rule

func cc(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.Terraform, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// def registers a check and its logic in one place.
func def(meta check.Check, types []string, fn func(c *ctx)) {
	check.Register(meta)
	rules = append(rules, rule{id: meta.ID, types: types, fn: fn})
}

var byType map[string][]rule

func index() map[string][]rule {
	if byType == nil {
		byType = map[string][]rule{}
		for _, r := range rules {
			for _, t := range r.types {
				byType[t] = append(byType[t], r)
			}
		}
	}
	return byType
}

// runChecks applies every rule to the resources defined in file. Their attributes are evaluated
// under one pool per call, so a hostile file cannot starve the checks of another file.
func runChecks(m *module, file, prefix string) []check.Hit {
	idx := index()
	pool := newPool()
	var hits []check.Hit
	all := append(append(append([]*resource{}, m.resources...), m.providers...), m.registry...)
	for _, r := range all {
		if r.file != file {
			continue
		}
		key := r.typ
		if r.data {
			key = "data." + r.typ
		}
		if r.typ == "provider" {
			key = "provider." + r.name
		}
		for _, ru := range idx[key] {
			n := r.node()
			n.ctx = withBudget(n.ctx, pool)
			ru.fn(&ctx{r: r, n: n, m: m, id: ru.id, hits: &hits, pfx: prefix})
		}
	}
	return hits
}

// Helpers shared by the platform files.

// registryModules are Terraform Registry modules whose inputs carry the same names and meaning as
// the attributes of the resource they wrap, so a check can read a call of one like the resource
// (their sources are never downloaded). A rule opts in by listing "module:<source>" as a type.
var registryModules = map[string]bool{
	"terraform-aws-modules/s3-bucket/aws": true,
	"terraform-aws-modules/rds/aws":       true,
}

var worldCIDRs = map[string]bool{"0.0.0.0/0": true, "::/0": true, "*": true, "internet": true, "any": true, "0.0.0.0": true}

func isWorld(s string) bool { return worldCIDRs[strings.ToLower(strings.TrimSpace(s))] }

func anyWorld(ss []string) bool {
	for _, s := range ss {
		if isWorld(s) {
			return true
		}
	}
	return false
}

var adminPorts = []int{22, 3389}
var dbPorts = []int{3306, 5432, 1433, 1521, 27017, 6379, 9200, 5984, 11211, 9042}

// portRange parses "22", "1000-2000", "*" (all).
func portRange(s string) (lo, hi int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "*" || s == "" {
		return 0, 65535, true
	}
	a, b, isRange := strings.Cut(s, "-")
	l, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return l, l, true
	}
	h, err := strconv.Atoi(b)
	if err != nil {
		return 0, 0, false
	}
	return l, h, true
}

func covers(lo, hi int, ports []int) (int, bool) {
	for _, p := range ports {
		if lo <= p && p <= hi {
			return p, true
		}
	}
	return 0, false
}

func hasStr(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// notTCP reports a protocol that cannot reach a TCP service (udp, icmp, by name or number).
func notTCP(proto string) bool {
	switch strings.ToLower(proto) {
	case "udp", "17", "icmp", "1", "icmpv6", "58", "esp", "ah":
		return true
	}
	return false
}
