// Package rego runs custom checks written in Rego (Open Policy Agent), conftest-style, over the
// same parsed documents the built-in checks read.
//
// # Policies
//
// `tollgate scan --scanners misconfig --policy DIR` loads every *.rego file under DIR (files ending
// in _test.rego are skipped). Each file may be written in Rego v1 syntax (`deny contains msg if`)
// or the older v0 syntax (`deny[msg] { … }`) that existing conftest policy directories use; the
// version is detected per file. Rules named deny, warn or violation, optionally suffixed
// `_something` (deny_no_root), in package `main` run by default; `--namespace NS` (repeatable)
// picks other packages and `--namespace '*'` runs every package. A rule may yield strings or
// objects; an object's `msg` is the message and the optional keys `id`, `severity`, `title` and
// `line` set the finding's rule id, severity, title and line. Without them the rule id is
// REGO-<package>.<rule>, deny/violation findings are HIGH and warn findings LOW. Built-ins that
// reach the network (http.send, net.lookup_ip_addr) or the runtime (opa.runtime) are refused at
// load time: a scan never calls out.
//
// # Input documents
//
// Every recognised file is parsed once and handed to the policies as `input`, shaped as conftest
// shapes it so existing policies work unchanged:
//
//   - YAML and JSON (Kubernetes manifests, docker-compose, GitHub Actions workflows and action.yml,
//     .gitlab-ci.yml, and — when policies are given — any other *.yaml/*.yml/*.json file): each
//     document of a multi-document stream is one input, the document as JSON (anchors and merge
//     keys expanded, within a 1,000,000-node budget). Example: input.kind, input.spec.template.spec.
//   - Dockerfile/Containerfile: an array of instructions, one object each:
//     {"Cmd": "from", "SubCmd": "", "JSON": false, "Flags": ["--platform=linux/amd64"],
//     "Value": ["alpine:3.20", "AS", "build"], "Stage": 0, "Original": "FROM …", "StartLine": 1}.
//     Cmd is lower-case; Stage counts FROM instructions from 0. Example: input[i].Cmd == "user".
//   - Terraform (*.tf, one input per file): blocks keyed by type, then by each label, then the body
//     as an object — input.resource.aws_s3_bucket.logs.acl, input.variable.region.default,
//     input.provider.aws.region, input.module.vpc.source. A nested block is an object
//     (input.resource.aws_instance.web.metadata_options.http_tokens); a block type repeated under
//     the same keys becomes an array (several ingress blocks). Literal values are JSON values;
//     expressions that need evaluation (var.x, references, function calls) are given as their
//     source text wrapped in "${…}", as conftest's hcl2 parser does.
//
// Findings from policies point at the document's first line (or the `line` the rule returns) and,
// for Kubernetes objects, at the resource Kind/name.
package rego
