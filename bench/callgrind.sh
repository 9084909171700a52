#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Instructions per delivered tick, counted by callgrind: unlike time, an
# instruction count hardly moves when other processes share the machine,
# so two builds can be compared on a busy host.
#
#   bench/callgrind.sh TICKERD [TICKERD...]
#
# Each binary runs under valgrind --tool=callgrind, fed by loadgen's fake
# exchange, with loadgen's subscribers reading it; the binaries take turns
# ROUNDS times.  It prints, per run, the instructions the daemon executed
# (startup included), the ticks it delivered (from /metrics) and their
# ratio.  Valgrind runs the daemon ~50x slower, so the load is light.
#
# Environment (defaults in brackets):
#   RATE CLIENTS EXCHANGES  trades/s, subscribers, fake exchanges [400 20 1]
#   DURATION                seconds of load [8]
#   ROUNDS                  turns of the binaries [1]
#   PORT                    daemon port; fake exchanges from PORT+10 [27750]
#   LOADGEN                 [build-bench/bench/loadgen]
#   OUT                     results directory [a new /tmp/tickerd-cg.*]
#
# Every process started here is stopped by its PID on exit.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-400}
CLIENTS=${CLIENTS:-20}
EXCHANGES=${EXCHANGES:-1}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-1}
PORT=${PORT:-27750}
LOADGEN=${LOADGEN:-$root/build-bench/bench/loadgen}
OUT=${OUT:-$(mktemp -d /tmp/tickerd-cg.XXXXXX)}
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT

[ $# -ge 1 ] || { echo "usage: $0 TICKERD [TICKERD...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is missing" >&2; exit 1; }

# delivered DIR: tickerd_delivered_total from the saved /metrics.
delivered() {
	awk '$1 == "tickerd_delivered_total" { print $2 }' "$1/metrics.txt"
}

# one_run BINARY DIR: the daemon under callgrind while loadgen feeds it.
one_run() {
	local bin=$1 dir=$2 ex=$((PORT + 10)) lg dpid ir n
	local common=(--exchanges "$EXCHANGES" --ex-port "$ex"
		--target "127.0.0.1:$PORT")

	mkdir -p "$dir"
	"$LOADGEN" "${common[@]}" --rate "$RATE" --clients "$CLIENTS" \
		--warmup 4 --duration "$DURATION" --drain 3 \
		--pid-file "$dir/pid" >"$dir/loadgen.out" 2>"$dir/loadgen.err" &
	lg=$!
	pids+=("$lg")
	sleep 0.3
	"$LOADGEN" --print-config "${common[@]}" >"$dir/tickerd.json"
	valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
		"$bin" -c "$dir/tickerd.json" 2>"$dir/daemon.log" &
	dpid=$!
	pids+=("$dpid")
	echo "$dpid" >"$dir/pid"
	wait "$lg" || echo "loadgen failed: see $dir/loadgen.err" >&2
	curl -s "http://127.0.0.1:$PORT/metrics" >"$dir/metrics.txt" || true
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	pids=()
	ir=$(sed -n 's/^summary: *//p' "$dir/callgrind.out")
	n=$(delivered "$dir")
	printf '%s Ir %s delivered %s Ir/delivery %s\n' "$bin" "$ir" "$n" \
	    "$(awk -v ir="$ir" -v n="$n" 'BEGIN { printf "%.1f", n ? ir / n : 0 }')" |
	    tee -a "$OUT/summary.txt"
	sleep 1
}

for r in $(seq 1 "$ROUNDS"); do
	i=0
	for bin in "$@"; do
		i=$((i + 1))
		one_run "$bin" "$OUT/r$r-b$i"
	done
done
echo "results in $OUT"
