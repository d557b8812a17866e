#!/usr/bin/env bash
# bench-vs-redis.sh: rbxemu's GetAsync/SetAsync against Redis GET/SET on the
# same machine, with the same load: C clients, N requests per test, D-byte
# values, no pipelining. redis-benchmark drives Redis; rbxemu bench drives
# an in-memory rbxemu with throttling off. Each side runs REPEAT times,
# alternating, so that both see the same machine. It reports the best run of
# each (other work on the machine only ever slows a run down) and, as a check
# on noise, the median of the ratios of runs made back to back.
#
# Usage: scripts/bench-vs-redis.sh   (env: C=50 N=100000 D=100 REPEAT=3 KEYSPACE=)
#
# Without KEYSPACE both use one key, as redis-benchmark does by default; with
# KEYSPACE=K each request picks one of K keys at random (redis-benchmark -r K,
# rbxemu bench --keyspace K).
#
# Installs redis-server and redis-tools from Debian with apt-get when they
# are missing (apt-get update only if the package lists do not know them).
set -euo pipefail

C=${C:-50}
N=${N:-100000}
D=${D:-100}
REPEAT=${REPEAT:-3}
KEYSPACE=${KEYSPACE:-}
redis_r=() rbx_r=()
if [ -n "$KEYSPACE" ]; then
	redis_r=(-r "$KEYSPACE") rbx_r=(--keyspace "$KEYSPACE")
fi

cd "$(dirname "$0")/.."
work=$(mktemp -d)
redis_pid=
rbxemu_pid=
cleanup() {
	[ -n "$rbxemu_pid" ] && kill "$rbxemu_pid" 2>/dev/null && wait "$rbxemu_pid" 2>/dev/null
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# --- Redis from Debian ------------------------------------------------------
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	sudo=
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	if ! apt-cache show redis-server redis-tools >/dev/null 2>&1; then
		$sudo apt-get update -qq
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
fi

# free_port START: the first port from START up that nothing listens on.
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

# --- start both -------------------------------------------------------------
redis_port=$(free_port 6390)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
	--daemonize no --logfile "$work/redis.log" &
redis_pid=$!

go build -o "$work/rbxemu" ./cmd/rbxemu
rbxemu_port=$(free_port 34990)
"$work/rbxemu" serve --in-memory --throttle off --port "$rbxemu_port" --log-level warn \
	>"$work/serve.out" 2>"$work/serve.err" &
rbxemu_pid=$!

for _ in $(seq 100); do
	if redis-cli -p "$redis_port" ping >/dev/null 2>&1 && grep -q listening "$work/serve.out"; then
		break
	fi
	sleep 0.1
done
grep -q listening "$work/serve.out" || { echo "rbxemu did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }

# --- run --------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# rps FILE NAME: the requests per second on the line "NAME: <rps> requests per second".
rps() { tr '\r' '\n' <"$1" | sed -n "s/^$2: \([0-9.]*\) requests per second.*/\1/p" | tail -1; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

redis_get=() redis_set=() rbx_get=() rbx_set=() ratio_get=() ratio_set=()
for i in $(seq "$REPEAT"); do
	redis-benchmark -h 127.0.0.1 -p "$redis_port" -q -t get,set -c "$C" -n "$N" -d "$D" "${redis_r[@]}" >"$work/redis.$i" 2>&1
	"$work/rbxemu" bench --url "http://127.0.0.1:$rbxemu_port" -q -t get,set -c "$C" -n "$N" -d "$D" "${rbx_r[@]}" >"$work/rbxemu.$i" 2>&1
	redis_get+=("$(rps "$work/redis.$i" GET)") redis_set+=("$(rps "$work/redis.$i" SET)")
	rbx_get+=("$(rps "$work/rbxemu.$i" GetAsync)") rbx_set+=("$(rps "$work/rbxemu.$i" SetAsync)")
	ratio_get+=("$(ratio "${rbx_get[-1]}" "${redis_get[-1]}")") ratio_set+=("$(ratio "${rbx_set[-1]}" "${redis_set[-1]}")")
	echo "run $i: redis GET ${redis_get[-1]} SET ${redis_set[-1]}; rbxemu GetAsync ${rbx_get[-1]} SetAsync ${rbx_set[-1]}; ratios get ${ratio_get[-1]} set ${ratio_set[-1]}"
	grep -h "p50" "$work/redis.$i" "$work/rbxemu.$i" | tr '\r' '\n' | grep "requests per second" | sed 's/^/    /'
done

rg=$(best "${redis_get[@]}") rs=$(best "${redis_set[@]}")
bg=$(best "${rbx_get[@]}") bs=$(best "${rbx_set[@]}")
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ)  $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), rbxemu $(git describe --always --dirty 2>/dev/null || echo dev), go $(go env GOVERSION)"
echo "clients $C, requests $N per test, value $D bytes, no pipelining, keyspace ${KEYSPACE:-1}; best of $REPEAT runs each"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %14s %14s %12s %20s\n' test "redis req/s" "rbxemu req/s" "best ratio" "median run ratio"
printf '%-4s %14s %14s %12s %20s\n' get "$rg" "$bg" "$(ratio "$bg" "$rg")" "$(median "${ratio_get[@]}")"
printf '%-4s %14s %14s %12s %20s\n' set "$rs" "$bs" "$(ratio "$bs" "$rs")" "$(median "${ratio_set[@]}")"
