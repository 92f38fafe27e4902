#!/usr/bin/env bash
# Tollgate's misconfiguration checks on KICS's labelled samples (recall and false hits per
# platform). Needs the KICS module in the Go module cache: bench/install-peers.sh puts it there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
q=$(go env GOMODCACHE)/github.com/!checkmarx/kics/v2@v2.2.0/assets/queries
if [ ! -d "$q" ]; then
	echo "accuracy-kics: $q is missing; run bench/install-peers.sh (or go mod download github.com/Checkmarx/kics/v2@v2.2.0)" >&2
	exit 2
fi
mkdir -p bench/work/bin bench/out
[ -f bench/work/go.mod ] || printf 'module benchwork\n' >bench/work/go.mod
[ -n "${BENCH_NO_BUILD:-}" ] || go build -tags kustomize_disable_go_plugin_support -o bench/work/bin/tollgate ./cmd/tollgate
go run ./bench/cmd/kicsacc -queries "$q" -tollgate bench/work/bin/tollgate -work bench/work/kics-samples -md bench/out/kics-accuracy.md
