#!/usr/bin/env bash
# Crash safety (docs/reliability.md): builds rbxemu and scripts/crashdriver,
# then kills the daemon with SIGKILL ROUNDS times (default 20) while several
# sessions write, restarting it on the same data directory each time, and
# checks that every acknowledged write is there with its exact value and
# version. Prints how many kills and writes it checked; exits 1 on a loss.
#
#   scripts/crash-test.sh            # 20 kills
#   scripts/crash-test.sh 50 -seed 7 # 50 kills, more flags for crashdriver
set -euo pipefail
rounds=${1:-20}
shift || true
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/rbxemu-crash-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== building rbxemu and crashdriver"
CGO_ENABLED=0 go build -o "$work/rbxemu" ./cmd/rbxemu
go build -o "$work/crashdriver" ./scripts/crashdriver
echo "== $rounds kills, data in $work/data"
"$work/crashdriver" -bin "$work/rbxemu" -dir "$work/data" -rounds "$rounds" "$@"
