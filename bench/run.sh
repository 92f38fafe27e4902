#!/usr/bin/env bash
# Whole-process comparisons of Tollgate against its peers, each in ONE run: every tool on the same
# input, runs interleaved (bench/cmd/timeit), N runs each (BENCH_RUNS, default 5), median wall time
# and median peak RSS (/usr/bin/time), ratios against the peer. Tables go to bench/out/<name>.md.
#
#   bench/install-peers.sh            # once: gitleaks, osv-scanner, trivy, kics into bench/work/bin
#   bench/run.sh [secrets|precision|history|vuln|misconfig|all]
#
# Environment: BENCH_RUNS (5), KICS_RUNS (3; kics takes minutes per run), TRIVY_RUNS (1, on 10k), MISCONFIG_N (10000),
# KICS_N (1000: manifests in the subset kics and trivy also get), OSV_DIR (/work/shared/osv).
# Never give a peer /dev/null as its report path: gitleaks checks the path is writable by creating
# and then REMOVING it, which as root deletes /dev/null for the whole machine. Peers write to
# stdout, and the shell sends that to /dev/null.
# Tollgate exits 1 when the gate fails: 0 and 1 are successes, 2 is an error (the row says FAILED).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
W=bench/work
O=bench/out
B=$W/bin
N=${BENCH_RUNS:-5}
OSV_DIR=${OSV_DIR:-/work/shared/osv}
mkdir -p "$W" "$O" "$B"
# Corpora contain .go files: a go.mod here keeps them out of the main module's ./...
[ -f "$W/go.mod" ] || printf 'module benchwork\n' >"$W/go.mod"

log() { printf '\n== %s\n' "$*" >&2; }

build() {
	log "building tollgate and the bench tools"
	go build -tags kustomize_disable_go_plugin_support -o "$B/tollgate" ./cmd/tollgate  # as the Makefile builds releases
	for t in timeit gensecrets scoresecrets genlockfiles vulndiff genmisconfig genhistory; do
		[ -d "bench/cmd/$t" ] && go build -o "$B/$t" "./bench/cmd/$t"
	done
}

have() { [ -x "$B/$1" ]; }

machine() {
	{
		echo "### Machine and versions"
		echo
		echo "- date: $(date -u +%FT%TZ)"
		echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
		echo "- memory: $(free -g | awk '/Mem:/{print $2}') GiB; kernel $(uname -r); $(go version)"
		echo "- tollgate: $($B/tollgate version 2>/dev/null | head -1) (built from $(git rev-parse --short HEAD))"
		# go install leaves the version strings of gitleaks and kics unset; the pins are in install-peers.sh.
		have gitleaks && echo "- gitleaks: v8.30.1 ($(go version -m $B/gitleaks | head -1 | cut -d' ' -f2))"
		have osv-scanner && echo "- osv-scanner: v2.6.0 ($(go version -m $B/osv-scanner | head -1 | cut -d' ' -f2))"
		have trivy && echo "- trivy: v0.74.0 ($(go version -m $B/trivy | head -1 | cut -d' ' -f2))"
		have kics && echo "- kics: v2.2.0 ($(go version -m $B/kics | head -1 | cut -d' ' -f2); queries from the module's assets/)"
		echo "- git: $(git --version)"
		echo
	} >"$O/machine.md"
	cat "$O/machine.md"
}

secrets() {
	local src
	src=$(go env GOROOT)/src
	local files size
	files=$(find "$src" -type f | wc -l)
	size=$(du -sh "$src" | cut -f1)
	log "secrets: $src ($files files, $size)"
	"$B/timeit" -n "$N" -base gitleaks -md "$O/secrets.md" -json "$O/secrets.json" \
		-title "Secrets: Go source tree ($files files, $size)" \
		-c "tollgate|0,1|$B/tollgate scan --scanners secret -f json -o /dev/null --no-progress -q $src" \
		-c "gitleaks|0,1|$B/gitleaks dir --no-banner --log-level error -f json --report-path - $src >/dev/null" \
		-c "raw read|0|find $src -type f -exec cat {} + >/dev/null"
}

precision() {
	# Seed 1 is the corpus the rules were tuned beside; seed 4242 is held out, drawn from the same
	# templates with other values.
	local seed name
	for seed in 1 4242; do
		name=precision
		[ "$seed" = 1 ] || name=precision-heldout
		log "$name: labelled corpus, seed $seed"
		"$B/gensecrets" -seed "$seed" -out "$W/$name-corpus" -labels "$W/$name-labels.tsv"
		"$B/tollgate" scan --scanners secret -f json -o "$O/$name-tollgate.json" --no-progress -q "$W/$name-corpus" || [ $? -eq 1 ]
		local runs=(-r "tollgate=tollgate:$O/$name-tollgate.json")
		if have gitleaks; then
			"$B/gitleaks" dir --no-banner --log-level error -f json --report-path "$O/$name-gitleaks.json" "$W/$name-corpus" || [ $? -eq 1 ]
			runs+=(-r "gitleaks=gitleaks:$O/$name-gitleaks.json")
		fi
		"$B/scoresecrets" -labels "$W/$name-labels.tsv" -root "$W/$name-corpus" -md "$O/$name.md" "${runs[@]}"
	done
}

history() {
	local repo=$W/history-repo
	if [ ! -d "$repo" ]; then
		log "history: generating a 5,000-commit repository"
		"$B/genhistory" -out "$repo" -commits 5000 -manifest "$W/history-secrets.tsv"
	fi
	local commits
	commits=$(git -C "$repo" rev-list --all | wc -l)
	log "history: $repo ($commits commits)"
	"$B/timeit" -n "$N" -base gitleaks -md "$O/history.md" -json "$O/history.json" \
		-title "Secrets in git history: generated repository ($commits commits, all refs)" \
		-c "tollgate|0,1|$B/tollgate scan --history -f json -o /dev/null --no-progress -q $repo" \
		-c "gitleaks|0,1|$B/gitleaks git --no-banner --log-level error -f json --report-path - $repo >/dev/null" \
		-c "git log -p|0|git -C $repo log -p -U0 --all >/dev/null"
	# Which planted secrets each tool finds (the manifest lists them by path and line).
	"$B/tollgate" scan --history -f json -o "$O/history-tollgate.json" --no-progress -q "$repo" || [ $? -eq 1 ]
	"$B/gitleaks" git --no-banner --log-level error -f json --report-path "$O/history-gitleaks.json" "$repo" || [ $? -eq 1 ]
	python3 - "$W/history-secrets.tsv" "$O/history-tollgate.json" "$O/history-gitleaks.json" >"$O/history-found.md" <<'PY' || true
import json, sys
rows = [r for r in (l.rstrip("\n").split("\t") for l in open(sys.argv[1])) if len(r) >= 3 and r[2].isdigit()]
tg = {(f["location"]["path"], f["location"].get("startLine")) for f in json.load(open(sys.argv[2])).get("findings") or [] if f["kind"] == "secret"}
gl = {(f["File"], f["StartLine"]) for f in json.load(open(sys.argv[3]))}
def found(s, p, l): return any(x[0] == p and x[1] == l for x in s)
print(f"Planted secrets: {len(rows)}; found by tollgate: {sum(found(tg, r[1], int(r[2])) for r in rows)}, by gitleaks: {sum(found(gl, r[1], int(r[2])) for r in rows)}. Total findings: tollgate {len(tg)}, gitleaks {len(gl)}.")
PY
	cat "$O/history-found.md"
}

vuln() {
	local mono=$W/monorepo diffc=$W/lockfiles-diff db=$W/tollgate-db cache=$W/osv-cache
	[ -d "$mono" ] || "$B/genlockfiles" -osv "$OSV_DIR" -out "$mono" 2>&1 | tee "$W/monorepo.info"
	[ -d "$diffc" ] || "$B/genlockfiles" -osv "$OSV_DIR" -out "$diffc" -scale 0.15 -seed 11
	# osv-scanner offline reads <cache>/osv-scalibr/<Ecosystem>/all.zip; npm has no data in the
	# snapshot, so it gets an empty zip (osv-scanner refuses to run without one).
	mkdir -p "$cache/osv-scalibr/npm"
	for z in "$OSV_DIR"/*/all.zip; do
		e=$(basename "$(dirname "$z")")
		mkdir -p "$cache/osv-scalibr/$e"
		ln -sf "$(readlink -f "$z")" "$cache/osv-scalibr/$e/all.zip"
	done
	[ -f "$cache/osv-scalibr/npm/all.zip" ] || python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'w').close()" "$cache/osv-scalibr/npm/all.zip"

	log "vuln: importing $OSV_DIR"
	rm -rf "$db"
	/usr/bin/time -f "%e s, %M KiB peak RSS" -o "$O/db-import.txt" "$B/tollgate" db import --db-dir "$db" "$OSV_DIR"
	echo "tollgate db import $OSV_DIR: $(cat "$O/db-import.txt")" | tee "$O/db-import.md"

	local pk lf
	lf=$(find "$mono" -type f ! -name README.md | wc -l)
	pk=$(grep -o '[0-9]* packages ->' "$W/monorepo.info" 2>/dev/null | grep -o '[0-9]*' || echo "≥20000")
	local osv="OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$root/$cache $B/osv-scanner scan source --offline --no-ignore --no-call-analysis=go --format json"
	local tg="$B/tollgate scan --scanners vuln --db-dir $db --offline --skip-db-update -f json --no-progress -q"
	"$B/timeit" -n "$N" -base osv-scanner -md "$O/vuln.md" -json "$O/vuln.json" \
		-title "Vulnerabilities: monorepo of $lf lockfiles, $pk packages, full OSV snapshot" \
		-c "tollgate|0,1|$tg -o /dev/null $mono" \
		-c "osv-scanner|0,1|$osv -r $mono >/dev/null"
	"$B/timeit" -n "$N" -base osv-scanner -md "$O/vuln-one.md" \
		-title "Vulnerabilities: one typical repository (one go.mod, ~320 modules), warm DB" \
		-c "tollgate|0,1|$tg -o /dev/null $mono/services/go-00" \
		-c "osv-scanner|0,1|$osv -r $mono/services/go-00 >/dev/null"

	log "vuln: differential against osv-scanner"
	for c in "$mono" "$diffc"; do
		n=$(basename "$c")
		eval "$tg -o $O/vulndiff-$n-tollgate.json $c" || [ $? -eq 1 ]
		eval "$osv --output-file $O/vulndiff-$n-osv.json -r $c" 2>/dev/null || [ $? -eq 1 ]
		"$B/vulndiff" -root "$c" -tollgate "$O/vulndiff-$n-tollgate.json" -osv "$O/vulndiff-$n-osv.json" -md "$O/vulndiff-$n.md" | head -20
	done
}

misconfig() {
	local tree=$W/misconfig-tree sub=$W/misconfig-subset n=${MISCONFIG_N:-10000} kn=${KICS_N:-1000}
	if [ ! -d "$tree" ] || [ "$(cat "$W/.misconfig-n" 2>/dev/null)" != "$n" ]; then
		"$B/genmisconfig" -out "$tree" -n "$n"
		echo "$n" >"$W/.misconfig-n"
		rm -rf "$sub"
	fi
	if [ ! -d "$sub" ]; then
		mkdir -p "$sub"
		# The first kn/10 repositories: the same mix of kinds as the whole tree.
		# awk reads all of ls's output: head would stop early, ls would die of SIGPIPE, and pipefail
		# would end the script.
		(cd "$tree" && ls | awk -v k=$((kn / 10)) 'NR <= k' | xargs -I{} cp -r {} "$root/$sub/")
	fi
	local q
	q=$(go env GOMODCACHE)/github.com/!checkmarx/kics/v2@v2.2.0/assets
	local tg="$B/tollgate scan --scanners misconfig -f json -o /dev/null --no-progress -q"
	local trivy="$B/trivy config --quiet --skip-check-update --cache-dir $root/$W/trivy-cache -f json"
	local kics="$B/kics scan --no-progress --silent --disable-secrets --exclude-gitignore -q $q/queries -b $q/libraries --report-formats json -o $root/$W/kics-out"
	# trivy takes minutes on 10,000 manifests and kics far longer, so the peers get fewer runs:
	# tollgate against the raw read with N runs, then tollgate against trivy (TRIVY_RUNS, default 1)
	# on the whole tree, then all three on the KICS_N subset (KICS_RUNS, default 3).
	log "misconfig: $n manifests"
	"$B/timeit" -n "$N" -base "raw read" -md "$O/misconfig.md" -json "$O/misconfig.json" \
		-title "Misconfigurations: $n manifests (Dockerfile, Kubernetes, Terraform, compose, GitHub Actions, GitLab CI)" \
		-c "tollgate|0,1|$tg $tree" -c "raw read|0|find $tree -type f -exec cat {} + >/dev/null"
	if have trivy; then
		"$B/timeit" -n "${TRIVY_RUNS:-1}" -warmup 0 -base "trivy config" -md "$O/misconfig-trivy.md" -json "$O/misconfig-trivy.json" \
			-title "Misconfigurations: $n manifests, against trivy config" \
			-c "tollgate|0,1|$tg $tree" -c "trivy config|0|$trivy $tree >/dev/null"
	fi
	if have kics; then
		log "misconfig: $kn-manifest subset with kics"
		local args=(-c "tollgate|0,1|$tg $sub" -c "kics|0,20,30,40,50,60|$kics -p $sub")
		have trivy && args+=(-c "trivy config|0|$trivy $sub >/dev/null")
		"$B/timeit" -n "${KICS_RUNS:-3}" -warmup 0 -base kics -md "$O/misconfig-kics.md" -json "$O/misconfig-kics.json" \
			-title "Misconfigurations: $kn-manifest subset, against kics" "${args[@]}"
	fi
}

what=${1:-all}
if [ -z "${BENCH_NO_BUILD:-}" ]; then
	build
	machine
fi
case "$what" in
secrets) secrets ;;
precision) precision ;;
history) history ;;
vuln) vuln ;;
misconfig) misconfig ;;
all)
	# Each section in its own process, so one tool's failure does not stop the others.
	for s in secrets precision history vuln misconfig; do
		BENCH_NO_BUILD=1 "$0" "$s" || log "$s: FAILED (exit $?)"
	done
	;;
*)
	echo "usage: bench/run.sh [secrets|precision|history|vuln|misconfig|all]" >&2
	exit 2
	;;
esac
