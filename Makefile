# The two commands a new machine needs are `make run` and `make test` (see README.md).
GO ?= go
# kustomize links Go's plugin package, which makes the linker keep every exported method (+23 MB binary,
# +28 MB resident at start); Tollgate never loads Go plugins, so release builds leave that code out.
TAGS ?= kustomize_disable_go_plugin_support
STATICCHECK_VERSION ?= v0.8.2

.PHONY: run test build lint fuzz bench

build:
	$(GO) build -tags $(TAGS) -o tollgate ./cmd/tollgate

# The main job: scan Go's own source tree (a real, large tree) for secrets and misconfigurations.
run: build
	./tollgate scan --scanners secret,misconfig --format table "$$($(GO) env GOROOT)/src" || [ $$? -eq 1 ]

# Sets up what the tests need (Chromium, PostgreSQL), then runs every test with the race detector.
test:
	bash scripts/setup.sh
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOBIN=$$(pwd)/.bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	./.bin/staticcheck ./...

# A short run of every fuzz target (seed corpora always run as part of `make test`).
fuzz:
	bash scripts/fuzz.sh 20s
