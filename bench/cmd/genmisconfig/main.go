// Command genmisconfig writes a tree of realistic infrastructure and pipeline manifests for the
// misconfiguration benchmark: Dockerfiles, Kubernetes YAML (every workload kind, RBAC, Services,
// multi-document files), Terraform (AWS, GCP, Azure), docker-compose, GitHub Actions workflows
// and GitLab CI — each drawn with seeded knobs so that some are hardened and some are not.
//
//	genmisconfig -out bench/work/misconfig-tree -n 10000
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

type g struct{ r *rand.Rand }

func (x g) p(xs ...string) string { return xs[x.r.IntN(len(xs))] }
func (x g) b(pct int) bool        { return x.r.IntN(100) < pct }
func (x g) n(lo, hi int) int      { return lo + x.r.IntN(hi-lo+1) }

var (
	bases   = []string{"alpine:3.20", "ubuntu:24.04", "debian:bookworm-slim", "node:22-alpine", "python:3.12-slim", "golang:1.23", "nginx:latest", "redis", "gcr.io/distroless/static:nonroot", "eclipse-temurin:21-jre"}
	images  = []string{"ghcr.io/acme/api:1.4.2", "nginx:latest", "redis:7.2", "postgres:16.4", "busybox", "ghcr.io/acme/worker@sha256:2f1c0e5a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e", "quay.io/prometheus/node-exporter:v1.8.1", "mysql:8"}
	apps    = []string{"api", "worker", "web", "billing", "search", "auth", "gateway", "reports", "ingest", "scheduler"}
	regions = []string{"eu-west-1", "us-east-1", "ap-southeast-2"}
)

func (x g) dockerfile() string {
	var b strings.Builder
	base := x.p(bases...)
	if x.b(30) {
		fmt.Fprintf(&b, "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./cmd/app\n\n")
	}
	fmt.Fprintf(&b, "FROM %s\n", base)
	if x.b(40) {
		b.WriteString("LABEL org.opencontainers.image.source=\"https://github.com/acme/app\"\n")
	}
	switch {
	case strings.Contains(base, "ubuntu") || strings.Contains(base, "debian") || strings.Contains(base, "python") || strings.Contains(base, "temurin"):
		if x.b(50) {
			b.WriteString("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*\n")
		} else {
			b.WriteString("RUN apt-get update\nRUN apt-get install -y curl git sudo\n")
		}
	case strings.Contains(base, "alpine"):
		b.WriteString(x.p("RUN apk add --no-cache ca-certificates\n", "RUN apk update && apk add curl bash\n"))
	}
	if x.b(15) {
		b.WriteString("RUN curl -fsSL https://get.example.sh/install.sh | sh\n")
	}
	if x.b(15) {
		b.WriteString("ADD https://releases.example.org/tool-1.2.3.tar.gz /opt/\n")
	}
	if x.b(20) {
		b.WriteString(x.p("ENV DB_PASSWORD=supersecret\n", "ARG NPM_TOKEN\n", "ENV API_KEY=${API_KEY}\n"))
	}
	b.WriteString("WORKDIR /app\n")
	b.WriteString(x.p("COPY . .\n", "COPY --from=build /out/app /app/app\n", "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"))
	if x.b(10) {
		b.WriteString("RUN chmod 777 /app\n")
	}
	fmt.Fprintf(&b, "EXPOSE %s\n", x.p("8080", "80", "22", "443", "3000"))
	if x.b(50) {
		b.WriteString("HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/healthz || exit 1\n")
	}
	if x.b(60) {
		b.WriteString(x.p("USER 10001\n", "USER app\n", "USER nonroot:nonroot\n", "USER root\n"))
	}
	b.WriteString(x.p("ENTRYPOINT [\"/app/app\"]\n", "CMD [\"python\", \"main.py\"]\n", "CMD npm start\n"))
	return b.String()
}

func (x g) container(name string, ind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s- name: %s\n%s  image: %s\n", ind, name, ind, x.p(images...))
	if x.b(40) {
		fmt.Fprintf(&b, "%s  imagePullPolicy: %s\n", ind, x.p("Always", "IfNotPresent"))
	}
	fmt.Fprintf(&b, "%s  ports:\n%s    - containerPort: %s\n", ind, ind, x.p("8080", "80", "9090", "5432"))
	if x.b(55) {
		fmt.Fprintf(&b, "%s  resources:\n%s    requests:\n%s      cpu: 100m\n%s      memory: 128Mi\n", ind, ind, ind, ind)
		if x.b(70) {
			fmt.Fprintf(&b, "%s    limits:\n%s      cpu: 500m\n%s      memory: 512Mi\n", ind, ind, ind)
		}
	}
	if x.b(60) {
		fmt.Fprintf(&b, "%s  securityContext:\n", ind)
		if x.b(20) {
			fmt.Fprintf(&b, "%s    privileged: true\n", ind)
		}
		fmt.Fprintf(&b, "%s    allowPrivilegeEscalation: %v\n", ind, x.b(25))
		fmt.Fprintf(&b, "%s    readOnlyRootFilesystem: %v\n", ind, x.b(60))
		if x.b(60) {
			fmt.Fprintf(&b, "%s    runAsNonRoot: true\n%s    runAsUser: %s\n", ind, ind, x.p("10001", "1000", "0"))
		}
		if x.b(50) {
			fmt.Fprintf(&b, "%s    capabilities:\n%s      drop: [\"ALL\"]\n", ind, ind)
			if x.b(25) {
				fmt.Fprintf(&b, "%s      add: [\"%s\"]\n", ind, x.p("NET_ADMIN", "SYS_ADMIN", "NET_BIND_SERVICE"))
			}
		}
	}
	if x.b(50) {
		fmt.Fprintf(&b, "%s  env:\n%s    - name: LOG_LEVEL\n%s      value: info\n", ind, ind, ind)
		if x.b(20) {
			fmt.Fprintf(&b, "%s    - name: DB_PASSWORD\n%s      value: \"hunter2-prod\"\n", ind, ind)
		} else {
			fmt.Fprintf(&b, "%s    - name: DB_PASSWORD\n%s      valueFrom:\n%s        secretKeyRef:\n%s          name: db\n%s          key: password\n", ind, ind, ind, ind, ind)
		}
	}
	if x.b(30) {
		fmt.Fprintf(&b, "%s  volumeMounts:\n%s    - name: data\n%s      mountPath: /data\n", ind, ind, ind)
	}
	if x.b(45) {
		fmt.Fprintf(&b, "%s  livenessProbe:\n%s    httpGet:\n%s      path: /healthz\n%s      port: 8080\n", ind, ind, ind, ind)
	}
	return b.String()
}

func (x g) podSpec(ind string) string {
	var b strings.Builder
	if x.b(15) {
		fmt.Fprintf(&b, "%shostNetwork: true\n", ind)
	}
	if x.b(8) {
		fmt.Fprintf(&b, "%shostPID: true\n", ind)
	}
	if x.b(30) {
		fmt.Fprintf(&b, "%sautomountServiceAccountToken: false\n", ind)
	}
	if x.b(30) {
		fmt.Fprintf(&b, "%ssecurityContext:\n%s  runAsNonRoot: true\n%s  seccompProfile:\n%s    type: RuntimeDefault\n", ind, ind, ind, ind)
	}
	if x.b(25) {
		fmt.Fprintf(&b, "%sserviceAccountName: %s\n", ind, x.p(apps...))
	}
	fmt.Fprintf(&b, "%scontainers:\n", ind)
	for i := 0; i < x.n(1, 2); i++ {
		b.WriteString(x.container(x.p(apps...)+fmt.Sprint(i), ind))
	}
	if x.b(30) {
		fmt.Fprintf(&b, "%svolumes:\n%s  - name: data\n", ind, ind)
		if x.b(40) {
			fmt.Fprintf(&b, "%s    hostPath:\n%s      path: %s\n", ind, ind, x.p("/var/run/docker.sock", "/var/log", "/"))
		} else {
			fmt.Fprintf(&b, "%s    emptyDir: {}\n", ind)
		}
	}
	return b.String()
}

func (x g) k8s() string {
	name := x.p(apps...)
	ns := ""
	if x.b(60) {
		ns = "  namespace: " + x.p("prod", "staging", "default", "payments") + "\n"
	}
	meta := fmt.Sprintf("metadata:\n  name: %s\n%s  labels:\n    app: %s\n", name, ns, name)
	var docs []string
	switch x.r.IntN(8) {
	case 0, 1, 2:
		kind := x.p("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
		docs = append(docs, fmt.Sprintf("apiVersion: apps/v1\nkind: %s\n%sspec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n%s",
			kind, meta, x.n(1, 5), name, name, x.podSpec("      ")))
	case 3:
		docs = append(docs, fmt.Sprintf("apiVersion: batch/v1\nkind: CronJob\n%sspec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n%s",
			meta, x.podSpec("          ")))
	case 4:
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Pod\n%sspec:\n%s", meta, x.podSpec("  ")))
	case 5:
		verbs := x.p(`["get", "list", "watch"]`, `["*"]`, `["get", "create", "delete"]`)
		res := x.p(`["pods"]`, `["secrets"]`, `["*"]`, `["configmaps", "services"]`)
		kind := x.p("Role", "ClusterRole")
		docs = append(docs, fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: %s\n%srules:\n  - apiGroups: [\"\"]\n    resources: %s\n    verbs: %s\n", kind, meta, res, verbs))
		role := x.p(name, "cluster-admin", "view")
		docs = append(docs, fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: %sBinding\n%sroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: %s\n  name: %s\nsubjects:\n  - kind: ServiceAccount\n    name: %s\n    namespace: prod\n",
			kind, meta, kind, role, name))
	case 6:
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Service\n%sspec:\n  type: %s\n  selector:\n    app: %s\n  ports:\n    - port: 80\n      targetPort: 8080\n", meta, x.p("ClusterIP", "NodePort", "LoadBalancer"), name))
		docs = append(docs, fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: Ingress\n%sspec:\n  rules:\n    - host: %s.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: %s\n                port:\n                  number: 80\n", meta, name, name))
	default:
		docs = append(docs, fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\n%sspec:\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n%s", meta, name, name, x.podSpec("      ")))
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\n%sdata:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n", meta))
	}
	return strings.Join(docs, "---\n")
}

func (x g) terraform() string {
	var b strings.Builder
	name := x.p(apps...)
	switch x.r.IntN(3) {
	case 0:
		fmt.Fprintf(&b, "provider \"aws\" {\n  region = %q\n}\n\n", x.p(regions...))
		fmt.Fprintf(&b, "resource \"aws_s3_bucket\" %q {\n  bucket = \"acme-%s-%d\"\n", name, name, x.n(1, 999))
		if x.b(20) {
			b.WriteString("  acl    = \"public-read\"\n")
		}
		b.WriteString("}\n\n")
		if x.b(50) {
			fmt.Fprintf(&b, "resource \"aws_s3_bucket_versioning\" %q {\n  bucket = aws_s3_bucket.%s.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n\n", name, name)
		}
		if x.b(50) {
			fmt.Fprintf(&b, "resource \"aws_s3_bucket_public_access_block\" %q {\n  bucket                  = aws_s3_bucket.%s.id\n  block_public_acls       = true\n  block_public_policy     = %v\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\n", name, name, x.b(80))
		}
		fmt.Fprintf(&b, "resource \"aws_security_group\" \"%s_sg\" {\n  name = \"%s\"\n  ingress {\n    from_port   = %s\n    to_port     = %s\n    protocol    = \"tcp\"\n    cidr_blocks = [%q]\n  }\n  egress {\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n\n",
			name, name, x.p("22", "443", "3389", "5432"), x.p("22", "443", "3389", "5432"), x.p("0.0.0.0/0", "10.0.0.0/8"))
		if x.b(50) {
			fmt.Fprintf(&b, "resource \"aws_db_instance\" %q {\n  engine              = \"postgres\"\n  instance_class      = \"db.t4g.medium\"\n  allocated_storage   = 20\n  storage_encrypted   = %v\n  publicly_accessible = %v\n  username            = \"app\"\n  password            = var.db_password\n  skip_final_snapshot = true\n}\n\nvariable \"db_password\" {\n  type      = string\n  sensitive = true\n}\n\n",
				name, x.b(70), x.b(15))
		}
		if x.b(40) {
			fmt.Fprintf(&b, "resource \"aws_instance\" %q {\n  ami           = \"ami-0abcdef1234567890\"\n  instance_type = \"t3.micro\"\n", name)
			if x.b(50) {
				b.WriteString("  metadata_options {\n    http_tokens = \"required\"\n  }\n")
			}
			b.WriteString("}\n\n")
		}
		if x.b(30) {
			fmt.Fprintf(&b, "resource \"aws_iam_policy\" %q {\n  name   = \"%s-policy\"\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{\n      Effect   = \"Allow\"\n      Action   = %q\n      Resource = \"*\"\n    }]\n  })\n}\n",
				name, name, x.p("*", "s3:*", "s3:GetObject"))
		}
	case 1:
		fmt.Fprintf(&b, "provider \"google\" {\n  project = \"acme-prod\"\n  region  = \"europe-west1\"\n}\n\n")
		fmt.Fprintf(&b, "resource \"google_storage_bucket\" %q {\n  name     = \"acme-%s\"\n  location = \"EU\"\n  uniform_bucket_level_access = %v\n}\n\n", name, name, x.b(60))
		if x.b(30) {
			fmt.Fprintf(&b, "resource \"google_storage_bucket_iam_member\" \"%s_public\" {\n  bucket = google_storage_bucket.%s.name\n  role   = \"roles/storage.objectViewer\"\n  member = \"allUsers\"\n}\n\n", name, name)
		}
		fmt.Fprintf(&b, "resource \"google_compute_firewall\" \"%s_fw\" {\n  name    = \"%s-allow\"\n  network = \"default\"\n  allow {\n    protocol = \"tcp\"\n    ports    = [%q]\n  }\n  source_ranges = [%q]\n}\n\n", name, name, x.p("22", "443", "3389"), x.p("0.0.0.0/0", "10.10.0.0/16"))
		if x.b(50) {
			fmt.Fprintf(&b, "resource \"google_sql_database_instance\" %q {\n  database_version = \"POSTGRES_16\"\n  region           = \"europe-west1\"\n  settings {\n    tier = \"db-f1-micro\"\n    ip_configuration {\n      ipv4_enabled = %v\n      require_ssl  = %v\n    }\n  }\n}\n", name, x.b(40), x.b(60))
		}
	default:
		fmt.Fprintf(&b, "provider \"azurerm\" {\n  features {}\n}\n\n")
		fmt.Fprintf(&b, "resource \"azurerm_storage_account\" %q {\n  name                     = \"acme%s\"\n  resource_group_name      = \"rg-prod\"\n  location                 = \"westeurope\"\n  account_tier             = \"Standard\"\n  account_replication_type = \"GRS\"\n  min_tls_version          = %q\n  enable_https_traffic_only = %v\n  allow_nested_items_to_be_public = %v\n}\n\n",
			name, name, x.p("TLS1_2", "TLS1_0"), x.b(80), x.b(30))
		fmt.Fprintf(&b, "resource \"azurerm_network_security_rule\" \"%s_ssh\" {\n  name                        = \"allow-admin\"\n  priority                    = 100\n  direction                   = \"Inbound\"\n  access                      = \"Allow\"\n  protocol                    = \"Tcp\"\n  source_port_range           = \"*\"\n  destination_port_range      = %q\n  source_address_prefix       = %q\n  destination_address_prefix  = \"*\"\n  resource_group_name         = \"rg-prod\"\n  network_security_group_name = \"nsg-prod\"\n}\n\n",
			name, x.p("22", "3389", "443"), x.p("*", "Internet", "10.0.0.0/8"))
		if x.b(40) {
			fmt.Fprintf(&b, "resource \"azurerm_key_vault\" %q {\n  name                       = \"kv-%s\"\n  location                   = \"westeurope\"\n  resource_group_name        = \"rg-prod\"\n  tenant_id                  = \"00000000-0000-0000-0000-000000000000\"\n  sku_name                   = \"standard\"\n  purge_protection_enabled   = %v\n  soft_delete_retention_days = 7\n}\n", name, name, x.b(50))
		}
	}
	return b.String()
}

func (x g) compose() string {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 0; i < x.n(1, 4); i++ {
		name := x.p(apps...) + fmt.Sprint(i)
		fmt.Fprintf(&b, "  %s:\n    image: %s\n", name, x.p(images...))
		if x.b(15) {
			b.WriteString("    privileged: true\n")
		}
		if x.b(10) {
			b.WriteString("    network_mode: host\n")
		}
		if x.b(60) {
			fmt.Fprintf(&b, "    ports:\n      - %q\n", x.p("8080:8080", "5432:5432", "127.0.0.1:6379:6379", "3306:3306", "80:80"))
		}
		if x.b(20) {
			b.WriteString("    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n")
		}
		if x.b(50) {
			b.WriteString("    environment:\n      LOG_LEVEL: info\n")
			if x.b(30) {
				b.WriteString("      POSTGRES_PASSWORD: example-prod-pw\n")
			} else {
				b.WriteString("      POSTGRES_PASSWORD_FILE: /run/secrets/db\n")
			}
		}
		if x.b(30) {
			b.WriteString("    cap_add:\n      - SYS_ADMIN\n")
		}
		if x.b(40) {
			b.WriteString("    restart: unless-stopped\n")
		}
	}
	return b.String()
}

func (x g) workflow() string {
	var b strings.Builder
	trig := x.p("push", "pull_request", "pull_request_target", "workflow_run", "issues", "issue_comment")
	fmt.Fprintf(&b, "name: %s\non:\n  %s:\n", x.p("ci", "release", "triage", "deploy"), trig)
	if trig == "workflow_run" {
		b.WriteString("    workflows: [ci]\n    types: [completed]\n")
	}
	if x.b(50) {
		b.WriteString(x.p("permissions:\n  contents: read\n", "permissions: write-all\n", "permissions:\n  contents: write\n  pull-requests: write\n"))
	}
	if x.b(10) {
		b.WriteString("env:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true\n")
	}
	fmt.Fprintf(&b, "jobs:\n  build:\n    runs-on: %s\n    steps:\n", x.p("ubuntu-latest", "ubuntu-24.04", "self-hosted", "[self-hosted, linux]"))
	b.WriteString(x.p("      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n", "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"))
	if x.b(50) {
		b.WriteString(x.p("      - uses: actions/setup-node@v4\n        with:\n          node-version: 22\n", "      - uses: some-org/deploy-action@main\n", "      - uses: docker/login-action@9780b0c442fbb1117ed29e0efdff1e18412f7567\n        with:\n          password: ${{ secrets.DOCKERHUB_TOKEN }}\n"))
	}
	if x.b(30) {
		b.WriteString(x.p("      - run: echo \"Title: ${{ github.event.pull_request.title }}\"\n", "      - run: echo \"${{ github.event.issue.body }}\" > body.txt\n", "      - run: echo \"BRANCH=${{ github.head_ref }}\" >> $GITHUB_ENV\n"))
	}
	if x.b(15) {
		b.WriteString("      - run: curl -sSL https://install.example.sh | bash\n")
	}
	b.WriteString("      - run: make test\n")
	if x.b(20) {
		b.WriteString("  call:\n    uses: acme/shared/.github/workflows/deploy.yml@main\n    secrets: inherit\n")
	}
	return b.String()
}

func (x g) gitlab() string {
	var b strings.Builder
	if x.b(40) {
		b.WriteString(x.p("include:\n  - remote: https://example.org/ci/templates.yml\n", "include:\n  - project: acme/ci-templates\n    ref: main\n    file: /build.yml\n", "include:\n  - project: acme/ci-templates\n    ref: 8f3c2a1b9d0e7f6a5b4c3d2e1f0a9b8c7d6e5f4a\n    file: /build.yml\n"))
	}
	fmt.Fprintf(&b, "image: %s\n\nstages: [build, test, deploy]\n\n", x.p("node:22", "golang:latest", "python:3.12-slim", "alpine"))
	b.WriteString("build:\n  stage: build\n  script:\n    - make build\n")
	if x.b(20) {
		b.WriteString("    - echo $CI_JOB_TOKEN\n")
	}
	if x.b(15) {
		b.WriteString("    - curl -s https://install.example.sh | bash\n")
	}
	b.WriteString("\ntest:\n  stage: test\n  script:\n    - make test\n")
	if x.b(30) {
		b.WriteString("  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  tags: [protected-runner]\n")
	}
	b.WriteString("\ndeploy:\n  stage: deploy\n  script:\n    - ./deploy.sh\n  environment: production\n")
	return b.String()
}

func main() {
	out := flag.String("out", "bench/work/misconfig-tree", "output directory (replaced)")
	n := flag.Int("n", 10000, "number of manifests")
	seed := flag.Uint64("seed", 3, "seed")
	flag.Parse()
	x := g{rand.New(rand.NewPCG(*seed, 0xc0ffee))}
	if err := os.RemoveAll(*out); err != nil {
		fail(err)
	}
	write := func(p, body string) {
		p = filepath.Join(*out, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			fail(err)
		}
	}
	counts := map[string]int{}
	for i := 0; i < *n; {
		repo := fmt.Sprintf("repo-%04d", i/10)
		// One repository holds about ten manifests of mixed kinds, as a service repo does.
		for j := 0; j < 10 && i < *n; j, i = j+1, i+1 {
			var kind, path, body string
			switch k := x.r.IntN(100); {
			case k < 18:
				kind, path, body = "dockerfile", fmt.Sprintf("%s/%s/Dockerfile", repo, x.p(apps...)+fmt.Sprint(j)), x.dockerfile()
			case k < 48:
				kind, path, body = "kubernetes", fmt.Sprintf("%s/deploy/k8s/%s-%d.yaml", repo, x.p(apps...), j), x.k8s()
			case k < 68:
				kind, path, body = "terraform", fmt.Sprintf("%s/infra/mod%d/main.tf", repo, j), x.terraform()
			case k < 78:
				kind, path, body = "compose", fmt.Sprintf("%s/compose/%d/docker-compose.yml", repo, j), x.compose()
			case k < 92:
				kind, path, body = "github-actions", fmt.Sprintf("%s/.github/workflows/%s-%d.yml", repo, x.p("ci", "release", "triage", "deploy"), j), x.workflow()
			default:
				kind, path, body = "gitlab-ci", fmt.Sprintf("%s/ci/%d/.gitlab-ci.yml", repo, j), x.gitlab()
			}
			counts[kind]++
			write(path, body)
		}
	}
	fmt.Fprintf(os.Stderr, "genmisconfig: %d manifests %v -> %s\n", *n, counts, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genmisconfig:", err)
	os.Exit(2)
}
