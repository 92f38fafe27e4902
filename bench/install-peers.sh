#!/usr/bin/env bash
# Installs the peer scanners Tollgate is measured against into a bench-local GOBIN
# (bench/work/bin), so nothing leaks into the user's PATH and reruns are cheap.
# Idempotent: a peer whose binary already exists is skipped. Each install is
# logged to bench/work/install.log; a failed install is noted, not fatal.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work="$here/work"
export GOBIN="$work/bin"
mkdir -p "$GOBIN"
log="$work/install.log"

install() { # name binary [env...] -- module@version
	local name=$1 bin=$2
	shift 2
	if [ -x "$GOBIN/$bin" ]; then
		echo "== $name: already installed ($GOBIN/$bin)" | tee -a "$log"
		return 0
	fi
	echo "== $name: installing $* ($(date -u +%FT%TZ))" | tee -a "$log"
	if env "$@" >>"$log" 2>&1; then
		echo "== $name: ok ($(date -u +%FT%TZ))" | tee -a "$log"
	else
		echo "== $name: FAILED (see $log)" | tee -a "$log"
		return 1
	fi
}

# The peers build slowly on 2 cores; run them one after another so they do not
# starve each other (and the helpers sharing the machine) of memory.
install gitleaks gitleaks go install github.com/zricethezav/gitleaks/v8@v8.30.1
install osv-scanner osv-scanner GOTOOLCHAIN=go1.27.3 go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.6.0
# trivy v0.74 imports encoding/json/v2, which Go 1.26 builds only under the jsonv2 experiment.
install trivy trivy GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0
# kics's main package is cmd/console, so go install names the binary "console".
if install kics console go install github.com/Checkmarx/kics/v2/cmd/console@v2.2.0; then
	ln -sf console "$GOBIN/kics"
fi

# Timing: /usr/bin/time -v is what bench/cmd/timeit uses; hyperfine is optional.
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null; then
	apt-get install -y time >>"$log" 2>&1 || echo "== time: apt install failed" | tee -a "$log"
fi
echo "== done ($(date -u +%FT%TZ))" | tee -a "$log"
