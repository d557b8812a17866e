#!/usr/bin/env bash
# bench-shim-lune.sh: what the shim costs under real Lune (issue 19,
# docs/performance.md). For each transport, one Lune process sends N GetAsync
# requests, 32 in flight, first raw through @lune/net, then through the shim,
# against a fresh in-memory daemon with throttling off; it prints both rates
# and their ratio (target: shim / raw >= 0.7).
#
#   scripts/bench-shim-lune.sh [N]    (default 20000 requests per phase)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
lune=$(scripts/install-lune.sh)
go build -o bin/rbxemu ./cmd/rbxemu
for transport in websocket http; do
	echo "== $transport ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
	bin/rbxemu run --lune "$lune" --throttle off --transport "$transport" \
		scripts/lunebench/ShimVsRaw.server.luau "$n"
done
