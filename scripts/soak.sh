#!/usr/bin/env bash
# Soak (docs/reliability.md): builds rbxemu and scripts/soakdriver, runs a
# bounded mixed load (every op, several sessions, throttling on) against a
# daemon on a fresh data directory for DURATION (default 60s), and reports
# the daemon's goroutines, open files and memory at the start and the end.
# Exits 1 when a figure grew beyond its tolerance or a request failed with
# anything but a throttling error.
#
#   scripts/soak.sh          # 60 s
#   scripts/soak.sh 10m -rate 80
set -euo pipefail
duration=${1:-60s}
shift || true
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/rbxemu-soak.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== building rbxemu and soakdriver"
CGO_ENABLED=0 go build -o "$work/rbxemu" ./cmd/rbxemu
go build -o "$work/soakdriver" ./scripts/soakdriver
echo "== soak for $duration, data in $work/data"
"$work/soakdriver" -bin "$work/rbxemu" -dir "$work/data" -duration "$duration" "$@"
