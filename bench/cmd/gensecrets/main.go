// Command gensecrets writes the labelled precision corpus for secret scanners: many small,
// realistic projects (.env, YAML, settings.py, application.properties, compose, Kubernetes
// Secrets, Terraform, JavaScript, Go, Markdown, workflows, lockfiles, key files) holding TRUE
// secrets of many providers — with valid structure and checksums — next to DECOYS that a precise
// scanner must not report (EXAMPLE keys, placeholders, variable references, hashes, public keys,
// certificates, test keys, tokens with a broken checksum).
//
//	gensecrets -out bench/work/secrets-corpus -labels bench/work/secrets-labels.tsv -projects 60
//
// The labels file has one row per labelled span: path, start line, end line, expected
// (secret|none), kind. Every line of the corpus that is not labelled "secret" is expected silent.
// The layout is seeded and reproducible; private-key bytes come from crypto/rand (see tokens.go).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

type label struct {
	path       string
	start, end int
	secret     bool
	kind       string
}

// doc is one file being written: its lines and the labels that point into them.
type doc struct {
	path   string
	lines  []string
	labels []label
}

func (d *doc) add(lines ...string) {
	for _, l := range lines {
		d.lines = append(d.lines, strings.Split(l, "\n")...)
	}
}

// mark adds lines and labels the span they occupy.
func (d *doc) mark(secret bool, kind string, lines ...string) {
	start := len(d.lines) + 1
	d.add(lines...)
	d.labels = append(d.labels, label{d.path, start, len(d.lines), secret, kind})
}

// item is one credential-shaped value: a true secret or a decoy.
type item struct {
	kind   string
	key    string // the variable name it is assigned to
	value  string
	secret bool
}

type corpus struct {
	g    gen
	docs []*doc
}

func (c *corpus) newDoc(path string) *doc {
	d := &doc{path: path}
	c.docs = append(c.docs, d)
	return d
}

// secretItem draws one true secret, with a variable name a real project would give it.
func (c *corpus) secretItem() item {
	g := c.g
	type mk struct {
		kind string
		keys []string
		val  func() string
	}
	table := []mk{
		{"github-pat", []string{"GITHUB_TOKEN", "GH_TOKEN", "github_token"}, g.githubPAT},
		{"github-oauth", []string{"GITHUB_OAUTH_TOKEN", "gh_oauth"}, g.githubOAuth},
		{"github-app", []string{"GITHUB_APP_TOKEN", "installation_token"}, g.githubApp},
		{"github-fine-grained", []string{"GITHUB_PAT", "github_pat"}, g.githubFine},
		{"npm", []string{"NPM_TOKEN", "npm_auth_token"}, g.npm},
		{"aws-key-id", []string{"AWS_ACCESS_KEY_ID", "aws_access_key_id"}, g.awsKeyID},
		{"aws-secret", []string{"AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"}, g.awsSecret},
		{"slack-bot", []string{"SLACK_BOT_TOKEN", "slack_token"}, g.slackBot},
		{"slack-webhook", []string{"SLACK_WEBHOOK_URL", "alerts_webhook"}, g.slackWebhook},
		{"stripe-live", []string{"STRIPE_SECRET_KEY", "stripe_api_key"}, g.stripeLive},
		{"openai", []string{"OPENAI_API_KEY", "openai_key"}, g.openAI},
		{"anthropic", []string{"ANTHROPIC_API_KEY", "claude_key"}, g.anthropic},
		{"gitlab-pat", []string{"GITLAB_TOKEN", "gitlab_private_token"}, g.gitlab},
		{"gcp-api-key", []string{"GOOGLE_MAPS_API_KEY", "firebase_api_key"}, g.googleAPI},
		{"sendgrid", []string{"SENDGRID_API_KEY", "mail_api_key"}, g.sendgrid},
		{"twilio", []string{"TWILIO_API_KEY", "twilio_key_sid"}, g.twilio},
		{"huggingface", []string{"HF_TOKEN", "HUGGINGFACE_TOKEN"}, g.huggingface},
		{"digitalocean", []string{"DIGITALOCEAN_TOKEN", "do_token"}, g.digitalocean},
		{"shopify", []string{"SHOPIFY_ACCESS_TOKEN", "shopify_token"}, g.shopify},
		{"dockerhub", []string{"DOCKERHUB_TOKEN", "docker_password"}, g.dockerhub},
		{"vault", []string{"VAULT_TOKEN", "vault_token"}, g.vault},
		{"linear", []string{"LINEAR_API_KEY", "linear_key"}, g.linear},
		{"databricks", []string{"DATABRICKS_TOKEN", "databricks_token"}, g.databricks},
		{"newrelic", []string{"NEW_RELIC_API_KEY", "newrelic_user_key"}, g.newrelic},
		{"pulumi", []string{"PULUMI_ACCESS_TOKEN", "pulumi_token"}, g.pulumi},
		{"age", []string{"SOPS_AGE_KEY", "age_identity"}, g.age},
		{"pypi", []string{"PYPI_TOKEN", "TWINE_PASSWORD"}, g.pypi},
		{"terraform-cloud", []string{"TFE_TOKEN", "tf_api_token"}, g.tfcloud},
		{"azure-storage", []string{"AZURE_STORAGE_CONNECTION_STRING", "storage_connection"}, g.azureStorage},
		{"discord-webhook", []string{"DISCORD_WEBHOOK", "discord_webhook_url"}, g.discordWebhook},
		{"jwt", []string{"SERVICE_JWT", "auth_token", "bearer_token"}, g.jwt},
		{"db-uri", []string{"DATABASE_URL", "MONGO_URI", "REDIS_URL", "db_url"}, g.dbURI},
		{"generic-password", []string{"DB_PASSWORD", "db_password", "password", "SMTP_PASSWORD", "admin_password"}, g.password},
		{"generic-secret", []string{"API_SECRET", "client_secret", "SESSION_SECRET", "webhook_secret"}, func() string { return g.hexSecret(32 + 8*g.r.IntN(5)) }},
	}
	m := table[g.r.IntN(len(table))]
	return item{kind: m.kind, key: g.pick(m.keys...), value: m.val(), secret: true}
}

// decoyItem draws one literal that looks like a credential but is not one.
func (c *corpus) decoyItem() item {
	g := c.g
	type mk struct {
		kind string
		keys []string
		val  func() string
	}
	table := []mk{
		{"aws-example", []string{"AWS_ACCESS_KEY_ID"}, func() string { return "AKIAIOSFODNN7EXAMPLE" }},
		{"aws-example", []string{"AWS_SECRET_ACCESS_KEY"}, func() string { return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }},
		{"placeholder-x", []string{"GITHUB_TOKEN"}, func() string { return "ghp_" + strings.Repeat("x", 36) }},
		{"placeholder-x", []string{"API_KEY", "password"}, func() string { return strings.Repeat(g.pick("x", "X", "*"), 12+g.r.IntN(20)) }},
		{"placeholder-angle", []string{"STRIPE_SECRET_KEY", "api_token", "password"}, func() string { return g.pick("<token>", "<your-api-key>", "<PASSWORD>", "<insert secret here>") }},
		{"env-ref", []string{"DB_PASSWORD", "API_TOKEN", "SECRET_KEY"}, func() string {
			return g.pick("${DB_PASSWORD}", "${API_TOKEN:?required}", "$SECRET_KEY", "${env:OPENAI_API_KEY}")
		}},
		{"helm-ref", []string{"password", "apiKey"}, func() string {
			return g.pick("{{ .Values.db.password }}", "{{ .Values.secrets.apiKey | b64enc }}", "{{ required \"token\" .Values.token }}")
		}},
		{"changeme", []string{"password", "ADMIN_PASSWORD", "secret"}, func() string {
			return g.pick("changeme", "change-me", "CHANGE_ME", "your_password_here", "password", "secret")
		}},
		{"repeated", []string{"api_key", "SECRET_TOKEN"}, func() string { return strings.Repeat(g.pick("a", "0", "1", "z"), 24+g.r.IntN(16)) }},
		{"uuid", []string{"tenant_id", "subscription_id", "request_id", "client_id"}, g.uuid},
		{"git-sha", []string{"commit", "revision", "base_sha", "GIT_COMMIT"}, g.gitSHA},
		{"bcrypt", []string{"password_hash", "admin_password_bcrypt"}, g.bcrypt},
		{"stripe-test", []string{"STRIPE_SECRET_KEY", "stripe_test_key"}, g.stripeTest},
		{"github-bad-checksum", []string{"GITHUB_TOKEN", "gh_token"}, func() string { return g.badChecksum("ghp_") }},
		{"npm-bad-checksum", []string{"NPM_TOKEN"}, func() string { return g.badChecksum("npm_") }},
		{"image-digest", []string{"image_digest", "base_image_sha"}, func() string { return "sha256:" + g.sha256Hex() }},
		{"secret-ref", []string{"password_secret_arn", "db_password_ref"}, func() string {
			return g.pick("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-"+g.str(alnum, 6), "vault:secret/data/prod/db#password", "projects/acme/secrets/db-password/versions/latest")
		}},
		{"empty-or-flag", []string{"password", "token", "secret"}, func() string { return g.pick("", "null", "true", "none", "false") }},
	}
	m := table[g.r.IntN(len(table))]
	return item{kind: m.kind, key: g.pick(m.keys...), value: m.val()}
}

func (c *corpus) items(n int) []item {
	var out []item
	for i := 0; i < n; i++ {
		if c.g.r.IntN(2) == 0 {
			out = append(out, c.secretItem())
		} else {
			out = append(out, c.decoyItem())
		}
	}
	return out
}

func (d *doc) emit(it item, line string) { d.mark(it.secret, it.kind, line) }

func upper(k string) string { return strings.ToUpper(k) }
func lower(k string) string { return strings.ToLower(k) }

func (c *corpus) project(dir string) {
	g := c.g
	// .env
	d := c.newDoc(dir + "/.env")
	d.add("# local settings — loaded by docker compose and the app", "APP_ENV=production", "LOG_LEVEL=info", "PORT=8080")
	for _, it := range c.items(3 + g.r.IntN(4)) {
		d.emit(it, upper(it.key)+"="+it.value)
	}
	if g.r.IntN(2) == 0 {
		it := item{kind: "env-ref", key: "DB_PASSWORD", value: "${POSTGRES_PASSWORD}"}
		d.emit(it, "DB_PASSWORD=${POSTGRES_PASSWORD}")
	}

	// config/app.yaml
	d = c.newDoc(dir + "/config/app.yaml")
	d.add("server:", "  port: 8080", "  read_timeout: 15s", "database:", "  host: db.internal", "  port: 5432", "  pool_size: 20")
	its := c.items(3 + g.r.IntN(3))
	d.add("integrations:")
	for _, it := range its {
		q := g.pick(`"`, "'", "")
		if it.value == "" || strings.ContainsAny(it.value, "{}:#*&!%") {
			q = `"`
		}
		d.emit(it, "  "+lower(it.key)+": "+q+it.value+q)
	}
	d.add("features:", "  new_checkout: true", "  password_min_length: 12", "  token_ttl: 3600")

	switch g.r.IntN(3) {
	case 0: // Django settings
		d = c.newDoc(dir + "/app/settings.py")
		d.add("import os", "from pathlib import Path", "", "BASE_DIR = Path(__file__).resolve().parent.parent", "DEBUG = False", "ALLOWED_HOSTS = [\"api.example.org\"]")
		for _, it := range c.items(2 + g.r.IntN(3)) {
			d.emit(it, upper(it.key)+" = \""+it.value+"\"")
		}
		code := item{kind: "os-environ", key: "SECRET_KEY"}
		d.emit(code, "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]")
		code.kind = "os-getenv"
		d.emit(code, "DATABASE_PASSWORD = os.getenv(\"DATABASE_PASSWORD\", \"\")")
		d.add("DATABASES = {", "    \"default\": {", "        \"ENGINE\": \"django.db.backends.postgresql\",", "        \"NAME\": \"orders\",")
		it := c.pickOne()
		d.emit(it, "        \"PASSWORD\": \""+it.value+"\",")
		d.add("    }", "}")
	case 1: // Spring
		d = c.newDoc(dir + "/src/main/resources/application.properties")
		d.add("spring.application.name=orders", "server.port=8080", "spring.datasource.url=jdbc:postgresql://db.internal:5432/orders", "spring.datasource.username=orders")
		it := c.pickOne()
		d.emit(it, "spring.datasource.password="+it.value)
		for _, it := range c.items(2 + g.r.IntN(3)) {
			d.emit(it, "app."+strings.ReplaceAll(lower(it.key), "_", "-")+"="+it.value)
		}
		d.emit(item{kind: "env-ref"}, "spring.mail.password=${MAIL_PASSWORD}")
	default: // Rails-ish YAML
		d = c.newDoc(dir + "/config/secrets.yml")
		d.add("production:")
		for _, it := range c.items(2 + g.r.IntN(3)) {
			d.emit(it, "  "+lower(it.key)+": \""+it.value+"\"")
		}
		d.emit(item{kind: "erb-ref"}, "  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>")
	}

	// docker-compose.yml
	d = c.newDoc(dir + "/docker-compose.yml")
	d.add("services:", "  api:", "    image: ghcr.io/acme/api:1.4.2", "    ports:", "      - \"8080:8080\"", "    environment:")
	for _, it := range c.items(2 + g.r.IntN(3)) {
		d.emit(it, "      - "+upper(it.key)+"="+it.value)
	}
	d.emit(item{kind: "env-ref"}, "      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD}")
	d.add("  db:", "    image: postgres:16.4", "    environment:")
	it := c.pickOne()
	d.emit(it, "      POSTGRES_PASSWORD: \""+it.value+"\"")

	// Kubernetes Secret (stringData) and a Deployment that references it.
	d = c.newDoc(dir + "/k8s/secret.yaml")
	d.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: api-secrets", "  namespace: prod", "type: Opaque", "stringData:")
	for _, it := range c.items(2 + g.r.IntN(2)) {
		d.emit(it, "  "+lower(it.key)+": \""+it.value+"\"")
	}
	if g.r.IntN(3) == 0 {
		key := c.privateKey()
		d.mark(true, key.kind, "  tls.key: |\n"+indent(key.value, "    "))
	}
	if g.r.IntN(3) == 0 {
		d.mark(false, "certificate", "  tls.crt: |\n"+indent(certPEM(), "    "))
	}
	d = c.newDoc(dir + "/k8s/deployment.yaml")
	d.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: api", "spec:", "  template:", "    spec:", "      containers:", "        - name: api", "          image: ghcr.io/acme/api@sha256:"+g.sha256Hex(), "          env:")
	d.add("            - name: DB_PASSWORD", "              valueFrom:", "                secretKeyRef:", "                  name: api-secrets", "                  key: db_password")
	it = c.pickOne()
	d.emit(it, "            - name: "+upper(it.key)+"\n              value: \""+it.value+"\"")
	// Helm-style template
	d = c.newDoc(dir + "/chart/templates/secret.yaml")
	d.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: {{ include \"api.fullname\" . }}", "stringData:")
	d.emit(item{kind: "helm-ref"}, "  password: {{ .Values.db.password | quote }}")
	d.emit(item{kind: "helm-ref"}, "  api-token: {{ .Values.apiToken | quote }}")

	// Terraform
	d = c.newDoc(dir + "/infra/main.tf")
	d.add("terraform {", "  required_version = \">= 1.6\"", "}", "", "provider \"aws\" {", "  region = \"eu-west-1\"")
	if g.r.IntN(2) == 0 {
		it := c.secretItem()
		it.kind, it.value = "aws-key-id", g.awsKeyID()
		d.emit(it, "  access_key = \""+it.value+"\"")
		it.kind, it.value = "aws-secret", g.awsSecret()
		d.emit(it, "  secret_key = \""+it.value+"\"")
	} else {
		d.emit(item{kind: "aws-example"}, "  access_key = \"AKIAIOSFODNN7EXAMPLE\"")
		d.emit(item{kind: "aws-example"}, "  secret_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"")
	}
	d.add("}", "", "resource \"aws_db_instance\" \"orders\" {", "  engine         = \"postgres\"", "  instance_class = \"db.t4g.medium\"", "  username       = \"orders\"")
	if g.r.IntN(2) == 0 {
		it := c.pickOne()
		d.emit(it, "  password       = \""+it.value+"\"")
	} else {
		d.emit(item{kind: "tf-var-ref"}, "  password       = var.db_password")
	}
	d.add("}", "", "variable \"db_password\" {", "  type      = string", "  sensitive = true", "}")

	// JavaScript
	d = c.newDoc(dir + "/web/src/client.js")
	d.add("'use strict';", "", "const express = require('express');")
	d.emit(item{kind: "process-env"}, "const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);")
	for _, it := range c.items(1 + g.r.IntN(3)) {
		d.emit(it, "const "+camel(it.key)+" = '"+it.value+"';")
	}
	d.add("", "module.exports = { stripe };")

	// Go
	d = c.newDoc(dir + "/internal/config/config.go")
	d.add("package config", "", "import \"os\"", "")
	d.emit(item{kind: "os-getenv"}, "var apiToken = os.Getenv(\"API_TOKEN\")")
	for _, it := range c.items(1 + g.r.IntN(3)) {
		d.emit(it, "const "+camel(it.key)+" = \""+it.value+"\"")
	}

	// Workflow
	d = c.newDoc(dir + "/.github/workflows/release.yml")
	d.add("name: release", "on:", "  push:", "    tags: ['v*']", "jobs:", "  publish:", "    runs-on: ubuntu-latest", "    steps:")
	d.emit(item{kind: "git-sha"}, "      - uses: actions/checkout@"+g.gitSHA()+" # v4.2.2")
	d.add("      - run: npm publish", "        env:")
	d.emit(item{kind: "gha-secret"}, "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}")
	d.emit(item{kind: "gha-secret"}, "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}")

	// Docs with mostly decoys and sometimes a pasted real key.
	d = c.newDoc(dir + "/docs/setup.md")
	d.add("# Setting up", "", "Export your credentials before running the service:", "", "```sh")
	d.emit(item{kind: "aws-example"}, "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")
	d.emit(item{kind: "placeholder-angle"}, "export OPENAI_API_KEY=<your-openai-key>")
	d.emit(item{kind: "placeholder-x"}, "export GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	if g.r.IntN(3) == 0 {
		it := c.secretItem()
		d.emit(it, "export "+upper(it.key)+"="+it.value)
	}
	d.add("```", "", "Calls need a bearer token:", "", "```http", "GET /v1/orders HTTP/1.1")
	if g.r.IntN(2) == 0 {
		d.emit(item{kind: "jwt", secret: true}, "Authorization: Bearer "+g.jwt())
	} else {
		d.emit(item{kind: "placeholder-angle"}, "Authorization: Bearer <token>")
	}
	d.add("```", "", "The deploy key's public half goes in `authorized_keys`:", "", "```")
	d.emit(item{kind: "public-key"}, g.sshPublic())
	d.add("```")

	// Lockfiles: integrity hashes and go.sum lines are high-entropy but not secrets.
	d = c.newDoc(dir + "/web/package-lock.json")
	d.add("{", "  \"name\": \"web\",", "  \"lockfileVersion\": 3,", "  \"packages\": {")
	for i, p := range []string{"express", "debug", "ms", "qs"} {
		d.add(fmt.Sprintf("    \"node_modules/%s\": {", p), fmt.Sprintf("      \"version\": \"%d.%d.%d\",", 1+i, g.r.IntN(20), g.r.IntN(10)))
		d.emit(item{kind: "lockfile-hash"}, "      \"integrity\": \""+g.sha512Integrity()+"\"")
		d.add("    },")
	}
	d.add("    \"node_modules/zz\": {}", "  }", "}")
	d = c.newDoc(dir + "/go.sum")
	for _, m := range []string{"github.com/google/uuid v1.6.0", "golang.org/x/sys v0.30.0", "github.com/spf13/cobra v1.9.1"} {
		d.emit(item{kind: "lockfile-hash"}, m+" "+g.goSumHash())
		d.emit(item{kind: "lockfile-hash"}, strings.Replace(m, " v", " v", 1)+"/go.mod "+g.goSumHash())
	}

	// Key files.
	switch g.r.IntN(4) {
	case 0:
		k := c.privateKey()
		d = c.newDoc(dir + "/deploy/id_deploy")
		d.mark(true, k.kind, strings.TrimRight(k.value, "\n"))
	case 1:
		d = c.newDoc(dir + "/deploy/server.crt")
		d.mark(false, "certificate", strings.TrimRight(certPEM(), "\n"))
	case 2:
		d = c.newDoc(dir + "/deploy/signing.pub")
		d.mark(false, "public-key", strings.TrimRight(publicPEM(), "\n"))
	default:
		d = c.newDoc(dir + "/deploy/id_ed25519.pub")
		d.mark(false, "public-key", c.g.sshPublic())
	}
}

func (c *corpus) pickOne() item {
	if c.g.r.IntN(2) == 0 {
		it := c.secretItem()
		if it.kind != "generic-password" {
			it.kind, it.value = "generic-password", c.g.password()
		}
		return it
	}
	it := c.decoyItem()
	return it
}

func (c *corpus) privateKey() item {
	switch c.g.r.IntN(4) {
	case 0:
		return item{kind: "private-key-rsa", value: rsaPEM(), secret: true}
	case 1:
		return item{kind: "private-key-ec", value: ecPEM(), secret: true}
	case 2:
		return item{kind: "private-key-pkcs8", value: c.g.ed25519PKCS8(), secret: true}
	default:
		return item{kind: "private-key-openssh", value: c.g.openSSH(), secret: true}
	}
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n")
}

func camel(k string) string {
	parts := strings.Split(strings.ToLower(k), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func main() {
	out := flag.String("out", "bench/work/secrets-corpus", "corpus directory (replaced)")
	labels := flag.String("labels", "bench/work/secrets-labels.tsv", "labels file (written outside the corpus)")
	projects := flag.Int("projects", 60, "number of projects")
	seed := flag.Uint64("seed", 1, "seed")
	flag.Parse()

	c := &corpus{g: gen{rand.New(rand.NewPCG(*seed, 0x70119a7e))}}
	for i := 0; i < *projects; i++ {
		c.project(fmt.Sprintf("svc-%02d", i))
	}
	if err := os.RemoveAll(*out); err != nil {
		fail(err)
	}
	var rows []string
	nSecret, nNone := 0, 0
	for _, d := range c.docs {
		p := filepath.Join(*out, filepath.FromSlash(d.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(p, []byte(strings.Join(d.lines, "\n")+"\n"), 0o644); err != nil {
			fail(err)
		}
		for _, l := range d.labels {
			exp := "none"
			if l.secret {
				exp = "secret"
				nSecret++
			} else {
				nNone++
			}
			rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t%s\t%s", l.path, l.start, l.end, exp, l.kind))
		}
	}
	body := "# path\tstart\tend\texpected\tkind\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(*labels, []byte(body), 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "gensecrets: %d files, %d secret spans, %d decoy spans -> %s\n", len(c.docs), nSecret, nNone, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gensecrets:", err)
	os.Exit(2)
}
