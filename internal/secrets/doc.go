/*
Package secrets is Tollgate's secret scanner.

# How a file is scanned

 1. One pass of a keyword automaton (prefilter.go) over the raw bytes, case-insensitively, without
    copying or lowercasing the file. Every rule has keywords; a hit names the rules to try.
 2. For each hit, the rule's regex runs in a window: the hit's line, from `before` bytes ahead of
    the keyword (default 32) to at most 640 bytes after it; multi-line rules (private keys) run
    `window` bytes on. A rule is searched at most once per line, whatever the number of hits.
 3. Each match goes through, in order: the entropy floor, the offline validator (a failing
    checksum drops the match), placeholder filters (EXAMPLE, xxxx, ${VAR}, {{ .Values.x }},
    process.env, degenerate strings…), for generic rules the decoy filters (UUIDs, hex digests
    under a hash-ish name — TOKEN_SHA, commit_id, password_hash, the name's last word decides — or
    on hash lines, bcrypt, paths, URLs, plain words; no generic rule runs in lockfiles), stopwords,
    the rule's and the global allowlists. A survivor on a line with `tollgate:ignore` or
    `gitleaks:allow` is reported as suppressed (Status "suppressed", Suppression kind "inline").

# Rules

Built-in rules live in rules/*.toml (embedded), one [[rule]] table each:

	[[rule]]
	id = "pulumi-access-token"           # kebab-case, unique
	title = "Pulumi access token"
	severity = "critical"                # critical, high, medium, low
	keywords = ["pul-"]                  # lowercase, >= 3 chars; at least one is required
	regex = '''(?:^|[^A-Za-z0-9])(pul-[a-f0-9]{40})(?:[^A-Za-z0-9_-]|$)'''
	group = 0                            # capture group of the secret; 0 = first non-empty group
	entropy = 3.0                        # optional Shannon floor (bits/char) on the secret
	validator = ""                       # optional: github, github-ghs, npm, aws-key-id, jwt, pypi,
	                                     # pem, openssh, pgp, putty, age (see validate.go)
	before = 32                          # optional: bytes before the keyword the regex may start
	window = 0                           # optional: > 0 makes a multi-line rule
	generic = false                      # assignment-style: stricter decoy filters
	path = ''                            # optional: the rule only runs on matching paths
	stopwords = []                       # optional: secrets containing one are dropped
	allow = []                           # optional: regexes on the secret that allow it
	remediation = "Revoke the token at … and …"
	tp = ['PULUMI_ACCESS_TOKEN=pul-{{hex 40}}']   # true hits: each must produce this rule
	fp = ['PULUMI_ACCESS_TOKEN=pul-{{hex 20}}']   # near misses: none may

To add a rule: find the provider's documented token format, write the regex so that it can match
starting within `before` bytes of a keyword, pick the most specific keyword (a literal prefix such
as "pul-" beats a context word such as "pulumi"), and give at least one tp and one fp. The tp/fp
strings are templates expanded at test time (gen_test.go: {{alnum N}}, {{hex N}}, {{ghtoken}} for
a valid GitHub/npm checksum, {{awsid AKIA}}, {{jwt}}, {{pem RSA}}, {{age}}…), so no literal token
is ever committed. `go test -run TestRuleCases/<id>` runs one rule's cases.

# gitleaks configs

Options.ConfigPath reads a gitleaks v8 TOML file unchanged (gitleaks.go): [extend] useDefault,
path and disabledRules; [[rules]] with id, description, regex, secretGroup, entropy, keywords,
path, [rules.allowlist] and [[rules.allowlists]]; the global [allowlist] and [[allowlists]] with
targetRules. As in gitleaks, a config that defines rules without [extend] useDefault replaces the
built-in rules; a config with only allowlists keeps them. A user rule with a built-in id refines
it. User rules without keywords get keywords derived from their regex literals, or run over the
whole file when none can be derived.
*/
package secrets
