#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end benchmark of tickerd, and of a Node.js `ws` broadcast relay as
# the baseline (bench/README.md explains the method and has the results).
#
#   bench/run.sh [SCENARIO...]      default: s1 s2 s3 s4
#
#   s1  tickerd: 3 exchanges x 20k trades/s x 100 clients (2M deliveries/s)
#   s2  tickerd vs Node: 1k trades/s x 100 clients (CPU per delivery)
#   s3  tickerd vs Node: 1k trades/s x 10 clients (latency), and the same
#       through bench/floor_relay.c, the least any relay can do (s3f)
#   s4  tickerd: 1k trades/s x 100 clients, then 10k idle clients (RSS)
#   s1h tickerd at half s1's rate: 3 x 10k trades/s x 100 clients (1M/s)
#   s1n Node at s1's load (s1h and s1n are not in the default set)
#   s1f the floor relay at s1's rate and clients, from one exchange (it
#       reads only one); s1 and s1f alternate with REPEAT
#   s5  tickerd at 1k trades/s x 100 clients, one of them with
#       max_delay_ms=0, then that client alone (s5a: what this machine
#       gives it without the others), then Node at the same load (s5n)
#       for CPU
#   s6  tickerd at 1k trades/s x 100 clients: a client resumes 10,000
#       messages 2 s before the window ends, then the same without (s6b)
#   s7  scaled out over NATS JetStream: 1 exchange x 10k trades/s into an
#       ingest tickerd publishing to a nats-server (JetStream, file store
#       unless S7_STORAGE says memory),
#       two edge tickerds reading the stream with 100 clients each; then
#       the direct tickerd at the same load with 100 clients (s7d), the
#       baseline; s7 and s7d alternate with REPEAT.  s7n runs the NATS
#       half alone, s7d the direct half alone
#
# Environment (defaults in brackets):
#   BUILD        build directory, configured Release here [build-bench]
#   TICKERD      a tickerd binary to measure instead of $BUILD's
#   NO_BUILD=1   use what is built (the Node relay's ws is still installed)
#   OUT          results directory [a new /tmp/tickerd-bench.*]
#   WARMUP DURATION DRAIN   seconds [3 10 5]
#   REPEAT       runs per scenario [1]
#   PORT         the daemon listens here, fake exchanges from PORT+10 [27650];
#                in s7 the ingest host listens on PORT, the edges on PORT+1
#                and PORT+2, nats-server on PORT+30 (monitor PORT+31)
#   QUEUE_TICKS  tickerd's clients.queue_ticks [65536]; the ring's slots
#                dominate its RSS once they have all been written
#   LG_THREADS   loadgen subscriber threads [1]
#   LG_CPUS      pin loadgen to these CPUs (taskset list, e.g. 1) [unpinned];
#                the daemon is never pinned
#   PERF=1       perf stat of the daemon into OUT/LABEL/perf-stat.txt (not
#                in s7's NATS half, which has four processes)
#   NATS_SERVER  the nats-server binary for s7 [nats-server]
#   S7_RATE      trades/s in s7, s7n and s7d [10000]
#   S7_CLIENTS   clients per edge, and of the direct tickerd, in s7 [100]
#   S7_STORAGE   the stream's storage in s7 and s7n: file or memory [file]
#   NICE         niceness of daemon and loadgen (negative: root) [0]; with
#                sched_autogroup on it only ranks them within this session
#   RETRIES MAX_OTHERS RETRY_WAIT [2 30 20]: the machine is shared, so a
#                run during which other processes used more than
#                MAX_OTHERS % of one core is redone after RETRY_WAIT s, at
#                most RETRIES times; the redone ones go to OUT/rejected.md
#
# Every process started here is stopped by its PID on exit.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build-bench}
OUT=${OUT:-$(mktemp -d /tmp/tickerd-bench.XXXXXX)}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-10}
DRAIN=${DRAIN:-5}
REPEAT=${REPEAT:-1}
PORT=${PORT:-27650}
LG_THREADS=${LG_THREADS:-1}
LG_CPUS=${LG_CPUS:-}
QUEUE_TICKS=${QUEUE_TICKS:-65536}
PERF=${PERF:-0}
NICE=${NICE:-0}
RETRIES=${RETRIES:-2}
MAX_OTHERS=${MAX_OTHERS:-30}
RETRY_WAIT=${RETRY_WAIT:-20}
NATS_SERVER=${NATS_SERVER:-nats-server}
S7_RATE=${S7_RATE:-10000}
S7_CLIENTS=${S7_CLIENTS:-100}
S7_STORAGE=${S7_STORAGE:-file}

tickerd=${TICKERD:-$BUILD/daemon/tickerd}
loadgen=$BUILD/bench/loadgen
floor=$BUILD/bench/floor_relay
relay=$here/node-relay/relay.js
results=$OUT/results.txt
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

build() {
	if [ ! -d "$here/node-relay/node_modules/ws" ]; then
		(cd "$here/node-relay" && npm ci --no-audit --no-fund >/dev/null)
	fi
	[ "${NO_BUILD:-0}" = 1 ] && return 0
	if [ ! -f "$BUILD/CMakeCache.txt" ]; then
		cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
			-DBUILD_TESTING=OFF >/dev/null
	fi
	if [ -n "${TICKERD:-}" ]; then
		cmake --build "$BUILD" --target loadgen floor_relay -j2 \
			>/dev/null
	else
		cmake --build "$BUILD" --target tickerd loadgen floor_relay \
			-j2 >/dev/null
	fi
}

port_busy() {
	ss -Hltn "sport = :$1" | grep -q .
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (0) or SECONDS have passed (1).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# The tickerd on port $1 found or created its stream.
stream_ready() {
	curl -s "http://127.0.0.1:$1/metrics" |
		grep -qx 'tickerd_nats_stream_ready 1'
}

# The edge tickerd on port $1 reads the stream.
edge_reading() {
	curl -s "http://127.0.0.1:$1/health" |
		grep -q '"name":"hub","adapter":"nats","state":"connected"'
}

# put_pid FILE PID: written at once, for loadgen's --pid-file.
put_pid() {
	echo "$2" >"$1.tmp" && mv "$1.tmp" "$1"
}

# finish_run KIND LABEL: prints the run's report and writes its RESULT
# line, with the kind and the load average before it, to result.txt.
finish_run() {
	local kind=$1 dir=$OUT/$2

	cat "$dir/loadgen.out" >&2
	sed -n 's/^RESULT /RESULT daemon='"$kind"' /p' "$dir/loadgen.out" |
		sed 's/$/ load='"$(cut -d' ' -f1 "$dir/loadavg.before")"'/' \
		>"$dir/result.txt"
	sleep 1		# let the sockets of this run close
}

# run_nats LABEL EXCHANGES RATE CLIENTS: the fake exchanges feed an ingest
# tickerd on PORT that publishes to the stream TICKS on a fresh nats-server
# (JetStream, its store in $OUT/LABEL/nats-store, removed after); two edge
# tickerds on PORT+1 and PORT+2 read the stream, CLIENTS subscribers each.
# loadgen measures the four processes.  Like run_once, the RESULT line
# goes to $OUT/LABEL/result.txt.
run_nats() {
	local label=$1 k=$2 rate=$3 m=$4
	local dir=$OUT/$1 ex=$((PORT + 10)) np=$((PORT + 30))
	local mon=$((PORT + 31)) url p i lg npid ipid epids=() ok=1
	local common=(--exchanges "$k" --ex-port "$ex")

	mkdir -p "$dir"
	if ! command -v "$NATS_SERVER" >/dev/null; then
		say "$label: $NATS_SERVER is not installed"
		return 1
	fi
	for p in "$PORT" $((PORT + 1)) $((PORT + 2)) "$np" "$mon" \
	    $(seq "$ex" $((ex + k - 1))); do
		if port_busy "$p"; then
			say "port $p is in use; set PORT to another base"
			return 1
		fi
	done
	rm -rf "$dir/nats-store"
	rm -f "$dir"/*.pid
	cat /proc/loadavg > "$dir/loadavg.before"
	url=nats://127.0.0.1:$np
	nice -n "$NICE" "$NATS_SERVER" -js -sd "$dir/nats-store" \
		-a 127.0.0.1 -p "$np" -m "$mon" >"$dir/nats.log" 2>&1 &
	npid=$!
	pids+=("$npid")
	if ! wait_for 10 curl -sf "http://127.0.0.1:$mon/varz"; then
		say "$label: nats-server did not start (see $dir/nats.log)"
		cleanup
		return 1
	fi
	pin=()
	[ -n "$LG_CPUS" ] && pin=(taskset -c "$LG_CPUS")
	nice -n "$NICE" "${pin[@]}" "$loadgen" "${common[@]}" --rate "$rate" \
		--clients "$m" --threads "$LG_THREADS" --warmup "$WARMUP" \
		--duration "$DURATION" --drain "$DRAIN" \
		--target "edge1=127.0.0.1:$((PORT + 1))" \
		--target "edge2=127.0.0.1:$((PORT + 2))" \
		--pid-file "ingest=$dir/ingest.pid" \
		--pid-file "nats=$dir/nats.pid" \
		--pid-file "edge1=$dir/edge1.pid" \
		--pid-file "edge2=$dir/edge2.pid" \
		--label "$label" >"$dir/loadgen.out" 2>"$dir/loadgen.err" &
	lg=$!
	pids+=("$lg")
	sleep 0.3	# the fake exchanges listen before the ingest dials
	"$loadgen" --print-config "${common[@]}" --target "127.0.0.1:$PORT" \
		--queue-ticks "$QUEUE_TICKS" --nats-publish "$url" \
		--nats-storage "$S7_STORAGE" >"$dir/ingest.json"
	nice -n "$NICE" "$tickerd" -c "$dir/ingest.json" 2>"$dir/ingest.log" &
	ipid=$!
	pids+=("$ipid")
	wait_for 20 stream_ready "$PORT" ||
		{ say "$label: the ingest host has no stream"; ok=0; }
	for i in 1 2; do
		"$loadgen" --print-config "${common[@]}" \
			--target "127.0.0.1:$((PORT + i))" \
			--queue-ticks "$QUEUE_TICKS" --nats-source "$url" \
			>"$dir/edge$i.json"
		nice -n "$NICE" "$tickerd" -c "$dir/edge$i.json" \
			2>"$dir/edge$i.log" &
		epids+=($!)
		pids+=($!)
	done
	for i in 1 2; do
		wait_for 20 edge_reading $((PORT + i)) ||
			{ say "$label: edge$i does not read the stream"; ok=0; }
	done
	if [ "$ok" = 1 ]; then
		put_pid "$dir/nats.pid" "$npid"
		put_pid "$dir/ingest.pid" "$ipid"
		put_pid "$dir/edge1.pid" "${epids[0]}"
		put_pid "$dir/edge2.pid" "${epids[1]}"
	else
		kill "$lg" 2>/dev/null || true
	fi
	wait "$lg" || say "$label: loadgen failed (see $dir/loadgen.err)"
	curl -s "http://127.0.0.1:$PORT/metrics" >"$dir/ingest.metrics.txt" ||
		true
	for i in 1 2; do
		curl -s "http://127.0.0.1:$((PORT + i))/metrics" \
			>"$dir/edge$i.metrics.txt" || true
	done
	# the tickerds first, so that they do not see NATS go away
	for p in "${epids[@]}" "$ipid" "$npid"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pids=()
	rm -rf "$dir/nats-store"
	finish_run nats "$label"
}

# run_once KIND LABEL EXCHANGES RATE CLIENTS IDLE: one loadgen run against
# a freshly started tickerd (KIND tickerd), Node relay (KIND node) or floor
# relay (KIND floor), or the NATS set-up of run_nats (KIND nats, IDLE 0);
# its RESULT line goes to $OUT/LABEL/result.txt.  Any further arguments go
# to loadgen.  $target_name, when set, names the daemon (its target and
# its process) in loadgen's report, which then has their t1_* and p1_* keys.
run_once() {
	local kind=$1 label=$2 k=$3 rate=$4 m=$5 idle=$6
	local extra=("${@:7}")
	local dir=$OUT/$label ex=$((PORT + 10)) p lg dpid perfpid=
	local common=(--exchanges "$k" --ex-port "$ex"
		--target "${target_name:+$target_name=}127.0.0.1:$PORT")

	if [ "$kind" = nats ]; then
		run_nats "$label" "$k" "$rate" "$m"
		return
	fi

	mkdir -p "$dir"
	for p in "$PORT" $(seq "$ex" $((ex + k - 1))); do
		if port_busy "$p"; then
			say "port $p is in use; set PORT to another base"
			return 1
		fi
	done
	rm -f "$dir/pid"
	cat /proc/loadavg > "$dir/loadavg.before"
	pin=()
	[ -n "$LG_CPUS" ] && pin=(taskset -c "$LG_CPUS")
	nice -n "$NICE" "${pin[@]}" "$loadgen" "${common[@]}" --rate "$rate" \
		--clients "$m" --idle "$idle" --threads "$LG_THREADS" --warmup "$WARMUP" \
		--duration "$DURATION" --drain "$DRAIN" \
		--pid-file "${target_name:+$target_name=}$dir/pid" \
		--label "$label" "${extra[@]}" >"$dir/loadgen.out" \
		2>"$dir/loadgen.err" &
	lg=$!
	pids+=("$lg")
	sleep 0.3	# the fake exchanges listen before the daemon dials
	if [ "$kind" = tickerd ]; then
		"$loadgen" --print-config "${common[@]}" \
			--queue-ticks "$QUEUE_TICKS" >"$dir/tickerd.json"
		nice -n "$NICE" "$tickerd" -c "$dir/tickerd.json" \
			2>"$dir/daemon.log" &
	elif [ "$kind" = floor ]; then
		nice -n "$NICE" "$floor" "$PORT" "$ex" >"$dir/daemon.log" 2>&1 &
	else
		nice -n "$NICE" node "$relay" "$PORT" "ws://127.0.0.1:$ex/ws" \
			>"$dir/daemon.log" 2>&1 &
	fi
	dpid=$!
	pids+=("$dpid")
	echo "$dpid" > "$dir/pid.tmp" && mv "$dir/pid.tmp" "$dir/pid"
	if [ "$PERF" = 1 ] && command -v perf >/dev/null; then
		perf stat -p "$dpid" -o "$dir/perf-stat.txt" &
		perfpid=$!
		pids+=("$perfpid")
	fi
	wait "$lg" || say "$label: loadgen failed (see $dir/loadgen.err)"
	if [ -n "$perfpid" ]; then
		kill -INT "$perfpid" 2>/dev/null || true
		wait "$perfpid" 2>/dev/null || true
	fi
	if [ "$kind" = tickerd ]; then
		curl -s "http://127.0.0.1:$PORT/metrics" >"$dir/metrics.txt" ||
			true
	fi
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	pids=()
	finish_run "$kind" "$label"
}

# run ARGS...: run_once, again (up to RETRIES times) while other processes
# used more than MAX_OTHERS % of a core during the measured window.  Only
# the last attempt counts; the others are kept in $OUT/rejected.txt.
run() {
	local label=$2 try line others
	for try in $(seq 0 "$RETRIES"); do
		rm -f "$OUT/$label/result.txt"
		run_once "$@" || true
		line=$(cat "$OUT/$label/result.txt" 2>/dev/null || true)
		others=$(printf '%s\n' "$line" |
			sed -n 's/.* others_pct=\([0-9.]*\).*/\1/p')
		if [ -n "$others" ] &&
		    awk -v o="$others" -v m="$MAX_OTHERS" 'BEGIN { exit !(o <= m) }'
		then
			break
		fi
		if [ "$try" -lt "$RETRIES" ]; then
			say "$label: other processes used ${others:-?}% of a" \
			    "core (> $MAX_OTHERS); again in ${RETRY_WAIT}s"
			[ -z "$line" ] || printf '%s\n' "$line" >>"$OUT/rejected.txt"
			sleep "$RETRY_WAIT"
		fi
	done
	[ -z "$line" ] || printf '%s\n' "$line" >>"$results"
}

scenario() {
	local i suffix
	for i in $(seq "$REPEAT"); do
		suffix=$([ "$REPEAT" -gt 1 ] && echo ".$i" || true)
		case $1 in
		s1)  run tickerd "s1$suffix" 3 20000 100 0 ;;
		s2)  run tickerd "s2$suffix" 1 1000 100 0
		     run node "s2n$suffix" 1 1000 100 0 ;;
		s3)  run tickerd "s3$suffix" 1 1000 10 0
		     run node "s3n$suffix" 1 1000 10 0
		     run floor "s3f$suffix" 1 1000 10 0 ;;
		s4)  run tickerd "s4$suffix" 1 1000 100 10000 ;;
		s1h) run tickerd "s1h$suffix" 3 10000 100 0 ;;
		s1n) run node "s1n$suffix" 1 20000 100 0 ;;
		s1f) run tickerd "s1$suffix" 3 20000 100 0
		     run floor "s1f$suffix" 1 20000 100 0 ;;
		s5)  run tickerd "s5$suffix" 1 1000 100 0 --fast-clients 1
		     run tickerd "s5a$suffix" 1 1000 1 0 --fast-clients 1
		     run node "s5n$suffix" 1 1000 100 0 ;;
		s6)  run tickerd "s6$suffix" 1 1000 100 0 --resume 10000 \
			--resume-at $((DURATION - 2))
		     run tickerd "s6b$suffix" 1 1000 100 0 ;;
		s7)  run nats "s7$suffix" 1 "$S7_RATE" "$S7_CLIENTS" 0
		     target_name=direct run tickerd "s7d$suffix" 1 "$S7_RATE" \
			"$S7_CLIENTS" 0 ;;
		s7n) run nats "s7$suffix" 1 "$S7_RATE" "$S7_CLIENTS" 0 ;;
		s7d) target_name=direct run tickerd "s7d$suffix" 1 "$S7_RATE" \
			"$S7_CLIENTS" 0 ;;
		*)   say "unknown scenario $1"; exit 2 ;;
		esac
	done
}

# The RESULT lines as a Markdown table, then the ratios the targets use.
table() {
	awk '
	function v(k,  i, kv) {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k) return kv[2]
		}
		return ""
	}
	BEGIN {
		print "| run | daemon | ex x trades/s x clients | deliveries/s | missing | seq gaps | p50 ms | p99 ms | p99.9 ms | max ms | CPU % | CPU-us/delivery | waited % | RSS MiB | idle KiB/client | loadgen % | others % | steal % | load |"
		print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	}
	/^RESULT/ {
		idle = v("idle") > 0 ? sprintf("%.2f (%d)", v("idle_kib_each"), v("idle")) : "-"
		printf "| %s | %s | %s x %s x %s | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.3f | %.1f | %.1f | %s | %.1f | %.1f | %.1f | %s |\n",
		    v("label"), v("daemon"), v("exchanges"), v("rate"), v("clients"),
		    v("deliv_s"), v("missing"), v("gaps"), v("p50") / 1000,
		    v("p99") / 1000, v("p999") / 1000, v("max") / 1000,
		    v("cpu_pct"), v("cpu_us_per_deliv"), v("wait_pct"),
		    v("rss_kib") / 1024, idle, v("lg_cpu_pct"), v("others_pct"),
		    v("steal_pct"), v("load")
		lbl = v("label"); d = v("daemon")
		parts(lbl)
		cpu[lbl] = v("cpu_us_per_deliv"); p99[lbl] = v("p99")
		fp99[lbl] = v("fast_p99"); frp99[lbl] = v("fast_recv_p99")
		rmsgs[lbl] = v("resume_msgs"); rus[lbl] = v("resume_us")
		rgap[lbl] = v("resume_gap")
	}
	# The t<i>_* and p<i>_* keys of a run with several targets or
	# processes: rows of the two tables printed at the end, and the
	# figures s7 compares.
	function parts(l,  i, t, per) {
		for (i = 1; (t = v("t" i "_name")) != ""; i++) {
			trows = trows sprintf("| %s | %s | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f |\n",
			    l, t, v("t" i "_clients"), v("t" i "_deliv_s"),
			    v("t" i "_missing"), v("t" i "_gaps"),
			    v("t" i "_p50") / 1000, v("t" i "_p99") / 1000,
			    v("t" i "_p999") / 1000, v("t" i "_max") / 1000)
			tp99[l, t] = v("t" i "_p99")
		}
		for (i = 1; (t = v("p" i "_name")) != ""; i++) {
			per = "-"
			if (v("p" i "_target") != "-")
				per = sprintf("%.3f", v("p" i "_us_per_deliv"))
			prows = prows sprintf("| %s | %s | %.1f | %.3f | %s | %.1f | %.1f |\n",
			    l, t, v("p" i "_cpu_pct"), v("p" i "_us_per_tick"),
			    per, v("p" i "_wait_pct"), v("p" i "_rss_kib") / 1024)
			pdeliv[l, t] = v("p" i "_us_per_deliv")
		}
	}
	# the median of a[1..n]
	function median(a, n,  i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		ns3 = 0
		for (l in cpu) {
			if (l ~ /^s3(\.|$)/) {
				n = l; sub(/^s3/, "s3n", n)
				f = l; sub(/^s3/, "s3f", f)
				if ((n in p99) && (f in p99) && p99[n] > 0 && p99[f] > 0) {
					ns3++
					vn[ns3] = p99[l] / p99[n]; vf[ns3] = p99[l] / p99[f]
				}
			}
			if (l ~ /^s1(\.|$)/) {
				f = l; sub(/^s1/, "s1f", f)
				if (f in p99) {
					ns1++; t1[ns1] = p99[l]; f1[ns1] = p99[f]
				}
			}
			if (l ~ /^s5(\.|$)/) {
				n = l; sub(/^s5/, "s5n", n)
				printf "\n%s: max_delay_ms=0 client p99 %.2f ms from the exchange, %.2f ms from recv_ts (target <= 1)", l, fp99[l] / 1000, frp99[l] / 1000
				if ((n in cpu) && cpu[n] > 0)
					printf "; CPU per delivery / Node = %.3f (target <= 0.1)", cpu[l] / cpu[n]
				a = l; sub(/^s5/, "s5a", a)
				if (a in fp99)
					printf "; alone (s5a) %.2f ms and %.2f ms", fp99[a] / 1000, frp99[a] / 1000
			}
			if (l ~ /^s6(\.|$)/ && rus[l] > 0) {
				b = l; sub(/^s6/, "s6b", b)
				printf "\n%s: resumed %d messages at %.0f/s%s (target >= 200000)", l, rmsgs[l], rmsgs[l] * 1e6 / rus[l], rgap[l] ? " (a gap)" : ""
				if (b in p99)
					printf "; the others p99 %.2f ms against %.2f without: %+.2f ms (target <= +1)", p99[l] / 1000, p99[b] / 1000, (p99[l] - p99[b]) / 1000
			}
		}
		for (l in cpu) {
			if (l !~ /^s7(\.|$)/)
				continue
			d = l; sub(/^s7/, "s7d", d)
			if (!(d in p99) || !(d in cpu) || cpu[d] <= 0)
				continue
			ns7++
			h7[ns7] = (p99[l] - p99[d]) / 1000
			c7[ns7] = pdeliv[l, "edge1"]
			if (pdeliv[l, "edge2"] > c7[ns7])
				c7[ns7] = pdeliv[l, "edge2"]
			c7[ns7] /= cpu[d]
			printf "\n%s: p99 over %s: all edge clients %+.2f ms (edge1 %+.2f, edge2 %+.2f) (target <= +1); edge CPU per delivery / direct: edge1 %.3f, edge2 %.3f (target <= 1.2)", l, d, h7[ns7], (tp99[l, "edge1"] - p99[d]) / 1000, (tp99[l, "edge2"] - p99[d]) / 1000, pdeliv[l, "edge1"] / cpu[d], pdeliv[l, "edge2"] / cpu[d]
		}
		if (ns7 > 1)
			printf "\ns7 median of %d pairs: p99 over direct %+.2f ms, the larger edge CPU per delivery / direct %.3f", ns7, median(h7, ns7), median(c7, ns7)
		if (ns1 > 0)
			printf "\ns1 median of %d pairs: tickerd p99 %.2f ms, floor relay p99 %.2f ms", ns1, median(t1, ns1) / 1000, median(f1, ns1) / 1000
		if (ns3 > 0)
			printf "\ns3 median of %d: tickerd p99 / Node p99 = %.3f (target <= 1), tickerd p99 / floor p99 = %.3f (target <= 1.25)", ns3, median(vn, ns3), median(vf, ns3)
		for (l in cpu) {
			n = l; sub(/^s2/, "s2n", n); sub(/^s3/, "s3n", n)
			f = l; sub(/^s3/, "s3f", f)
			if (l ~ /^s2(\.|$)/ && (n in cpu) && cpu[n] > 0)
				printf "\n%s: tickerd CPU per delivery / Node = %.3f (target <= 0.1)", l, cpu[l] / cpu[n]
			if (l ~ /^s3(\.|$)/ && (n in p99) && p99[n] > 0)
				printf "\n%s: tickerd p99 / Node p99 = %.3f (target <= 1)", l, p99[l] / p99[n]
			if (l ~ /^s3(\.|$)/ && (f in p99) && p99[f] > 0)
				printf "\n%s: p99 / floor p99: tickerd %.3f, Node %.3f", l, p99[l] / p99[f], (n in p99) ? p99[n] / p99[f] : 0
		}
		print ""
		if (trows != "") {
			print "\n| run | target | clients | deliveries/s | missing | seq gaps | p50 ms | p99 ms | p99.9 ms | max ms |"
			print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
			printf "%s", trows
		}
		if (prows != "") {
			print "\n| run | process | CPU % | CPU-us/tick | CPU-us/delivery | waited % | RSS MiB |"
			print "|---|---|---:|---:|---:|---:|---:|"
			printf "%s", prows
		}
	}' "$1"
}

main() {
	local s
	[ $# -gt 0 ] || set -- s1 s2 s3 s4
	mkdir -p "$OUT"
	build >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
	ulimit -n "$(ulimit -Hn)"
	: >"$results"
	say "results in $OUT; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for s in "$@"; do
		scenario "$s"
	done
	table "$results" | tee "$OUT/table.md"
	if [ -s "$OUT/rejected.txt" ]; then
		say "runs redone because the machine was busy:"
		table "$OUT/rejected.txt" | tee "$OUT/rejected.md" >&2
	fi
}

main "$@"
