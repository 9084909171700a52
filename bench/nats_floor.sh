#!/bin/bash
# SPDX-License-Identifier: MIT
# The floor under s7's NATS hop: starts a JetStream nats-server (a
# temporary store, loopback ports from PORT+30 as in s7), runs
# bench/nats_floor against it REPEAT times with the arguments given, and
# stops the server.  Example, s7's rate and both storages:
#     bench/nats_floor.sh --rate 10000
#     bench/nats_floor.sh --rate 10000 --memory
#
# Environment: BUILD [build-bench], NATS_SERVER [nats-server],
# PORT [27650], REPEAT [3].

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build-bench}
NATS_SERVER=${NATS_SERVER:-nats-server}
PORT=${PORT:-27650}
REPEAT=${REPEAT:-3}
np=$((PORT + 30))
mon=$((PORT + 31))

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
		-DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$BUILD" --target nats_floor -j2 >/dev/null

store=$(mktemp -d /tmp/nats-floor.XXXXXX)
"$NATS_SERVER" -js -sd "$store" -a 127.0.0.1 -p "$np" -m "$mon" \
	>"$store/nats.log" 2>&1 &
npid=$!
trap 'kill "$npid" 2>/dev/null || true; wait "$npid" 2>/dev/null || true; rm -rf "$store"' EXIT
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$mon/varz" >/dev/null && break
	sleep 0.1
done
for _ in $(seq "$REPEAT"); do
	"$BUILD/bench/nats_floor" --url "nats://127.0.0.1:$np" "$@"
done
