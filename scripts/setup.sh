#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh machine; safe to run again.
set -euo pipefail

# Browser tests drive Debian's Chromium (the HTML report); git builds history fixtures.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v git >/dev/null 2>&1 || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: please install ${need[*]} (tests that need them will be skipped)" >&2
  fi
fi

# PostgreSQL backs the server's store tests; start the local cluster if it is down.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
