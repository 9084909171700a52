#!/bin/bash
# SPDX-License-Identifier: MIT
# tickerd's units under a real systemd: a bookworm root made with
# debootstrap (cached) boots in systemd-nspawn; tickerd is installed into
# it with `cmake --install` (units, sysusers.d entry, default config,
# binary).  Then: the socket starts the service on the first connection,
# it becomes active (READY=1) with a STATUS= line, serves TCP and the unix
# socket as the tickerd user, survives `systemctl reload` with a client
# connected, stops cleanly, and a wedged loop is killed by the watchdog
# and restarted.  Then README "Under systemd" as printed: Debian's
# nats-server.service with JetStream and tickerd's drop-in, an ingest host
# publishing, then an edge host reading the stream back.
#
# nspawn needs --register=no --keep-unit on hosts without systemd as PID 1
# (doc/containers.md).  The container has its own network namespace;
# probes run there through nsenter -n.

. "$(dirname "$0")/lib.sh"

need_root_and_tools debootstrap systemd-nspawn nsenter "$PYTHON" cmake tar
ROOT=$TK_CACHE/nspawn-rootfs
# What a Debian system with tickerd's runtime libraries has; procps gives
# /bin/kill for ExecReload=; libnats3.4 is the NATS client and nats-server
# the server (scaling out).
ROOT_PACKAGES=systemd,systemd-sysv,dbus,procps,libwebsockets17,libjansson4,libnats3.4,nats-server,ca-certificates
make_rootfs "$ROOT" "$ROOT_PACKAGES"

WORK=$(mktemp -d /tmp/tk-nspawn.XXXXXX)
NSPAWN=
cleanup() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ -n "${LEADER:-}" ]; then
		log "journal of the container:"
		in_ct journalctl --no-pager -n 60 -u tickerd.service \
		    -u tickerd.socket >&2 || true
		tail -20 "$WORK/console.log" >&2 || true
	fi
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		kill -TERM "$NSPAWN"	# halts the container's systemd
		for _ in $(seq 100); do
			kill -0 "$NSPAWN" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$NSPAWN" 2>/dev/null || true
		wait "$NSPAWN" 2>/dev/null || true
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT

# A build without sanitizers (their runtime is not in the container, and
# LeakSanitizer needs ptrace, which the unit's seccomp filter denies),
# installed as a package would be.
BUILD=$TK_CACHE/build-plain
log "building tickerd (plain) and installing it into a stage"
cmake -S "$TK_SRC" -B "$BUILD" -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$BUILD" --target tickerd -j2 >"$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log" >&2; die "build failed"; }
DESTDIR=$WORK/stage cmake --install "$BUILD" >"$WORK/install.log"
for f in usr/bin/tickerd etc/tickerd/tickerd.json; do
	[ -e "$WORK/stage/$f" ] || die "cmake --install did not install /$f"
done
cmp -s "$WORK/stage/etc/tickerd/tickerd.json" "$TK_SRC/config/tickerd.json" ||
    die "the installed config is not config/tickerd.json"
ls "$WORK"/stage/*/systemd/system/tickerd.service \
    "$WORK"/stage/*/systemd/system/tickerd.socket \
    "$WORK"/stage/usr/lib/sysusers.d/tickerd.conf >/dev/null ||
    die "units or sysusers.d entry not installed: $(cat "$WORK/install.log")"
# The real exchanges are not reachable from here: local sources only.
sim_config '"tcp": "127.0.0.1:8765", "unix": "/run/tickerd/tickerd.sock"' \
    >"$WORK/stage/etc/tickerd/tickerd.json"
cp "$(dirname "$0")/probe.py" "$WORK/probe.py"

log "booting systemd in $ROOT"
systemd-nspawn -D "$ROOT" --volatile=overlay -b --register=no --keep-unit \
    --private-network --console=read-only -M "tkci$$" \
    --bind-ro="$WORK/stage:/mnt/stage" </dev/null >"$WORK/console.log" 2>&1 &
NSPAWN=$!

# The container's init, seen from here: the child of nspawn that became
# systemd (an intermediate child comes and goes first).
LEADER=
for _ in $(seq 200); do
	for c in $(cat "/proc/$NSPAWN/task/$NSPAWN/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] && LEADER=$c
	done
	[ -n "$LEADER" ] && break
	kill -0 "$NSPAWN" 2>/dev/null ||
	    { cat "$WORK/console.log" >&2; die "systemd-nspawn exited"; }
	sleep 0.05
done
[ -n "$LEADER" ] || die "no container init"

in_ct() { nsenter -t "$LEADER" -a "$@"; }	# the container's programs
in_net() { nsenter -t "$LEADER" -n "$@"; }	# ours, in its network
probe() { in_net timeout 20 "$PYTHON" "$WORK/probe.py" "$@"; }
show() { in_ct systemctl show -P "$1" tickerd.service; }
expect() {	# expect WHAT GOT WANTED
	[ "$2" = "$3" ] || die "$1: got '$2', expected '$3'"
	log "ok: $1 = $2"
}

# --wait needs the manager's socket, which comes a moment after init
state=
for _ in $(seq 100); do
	state=$(in_ct timeout 60 systemctl is-system-running --wait 2>/dev/null) ||
	    true
	[ -n "$state" ] && break
	sleep 0.1
done
case $state in
running|degraded) log "container systemd is $state" ;;
*) die "container systemd: $state" ;;
esac

# -- install: what a package's postinst would do
in_ct sh -c 'tar -C /mnt/stage -c . |
    tar -C / -x --keep-directory-symlink --no-same-owner &&
    systemd-sysusers && systemctl daemon-reload'
in_ct getent group tickerd >/dev/null || die "no tickerd group"

# -- socket activation: the socket listens, the service waits
in_ct systemctl start tickerd.socket
expect "tickerd.socket" "$(in_ct systemctl is-active tickerd.socket)" active
expect "service before any connection" \
    "$(in_ct systemctl is-active tickerd.service || true)" inactive
expect "unix socket mode and group" \
    "$(in_ct stat -c '%a %G' /run/tickerd/tickerd.sock)" "660 tickerd"

log "first connection: GET /health"
health=$(probe health 127.0.0.1:8765) || die "no /health over TCP"
log "$health"
case $health in *'"status":"ok"'*) ;; *) die "/health: $health" ;; esac
# Type=notify: active only once READY=1 came
expect "service after the first connection" "$(show ActiveState)" active
status=$(show StatusText)
case $status in
"ok: "*"exchanges delivering"*"clients"*"ticks/s") log "ok: STATUS=$status" ;;
*) die "StatusText: '$status'" ;;
esac
pid=$(show MainPID)
expect "user of the main process" "$(in_ct stat -c %U "/proc/$pid")" tickerd
in_ct journalctl --no-pager -u tickerd.service | grep "socket activation" >/dev/null ||
    die "tickerd did not log socket activation"

probe health "/proc/$LEADER/root/run/tickerd/tickerd.sock" >/dev/null ||
    die "no /health over the unix socket"
probe ticks 127.0.0.1:8765 3 >/dev/null || die "no ticks over TCP"
log "ok: /health over the unix socket, ticks over TCP"

# -- reload: SIGHUP, same process, a client connected all along
probe hold 127.0.0.1:8765 4 >"$WORK/hold.out" 2>&1 &
hold=$!
sleep 1
in_ct systemctl reload tickerd.service || die "systemctl reload failed"
expect "state after reload" "$(show ActiveState)" active
expect "main pid after reload" "$(show MainPID)" "$pid"
in_ct journalctl --no-pager -u tickerd.service | grep "SIGHUP\|reload" >/dev/null ||
    die "tickerd logged nothing about the reload"
wait "$hold" || die "a client lost its stream across the reload: $(cat "$WORK/hold.out")"
log "ok: reload; a client kept streaming ($(cat "$WORK/hold.out"))"

# -- stop: SIGTERM, exit 0 within a second
t0=$(now_ms)
in_ct systemctl stop tickerd.service
dt=$(($(now_ms) - t0))
expect "state after stop" "$(show ActiveState)" inactive
expect "result of the stop" "$(show Result)" success
expect "exit status" "$(show ExecMainStatus)" 0
[ "$dt" -lt 2000 ] || die "systemctl stop took $dt ms"
log "ok: stopped in $dt ms"

# -- the watchdog: a wedged loop is killed (SIGABRT) and restarted
in_ct sh -c 'mkdir -p /etc/systemd/system/tickerd.service.d &&
cat >/etc/systemd/system/tickerd.service.d/wedge.conf <<CONF
[Service]
WatchdogSec=2s
ExecStart=
ExecStart=/usr/bin/tickerd -c /etc/tickerd/tickerd.json --test-wedge-after 2
CONF
systemctl daemon-reload'
in_ct systemctl start tickerd.service
pid=$(show MainPID)
probe health 127.0.0.1:8765 >/dev/null || die "no /health before the wedge"
for _ in $(seq 150); do
	[ "$(show NRestarts)" -ge 1 ] && break
	sleep 0.1
done
restarts=$(show NRestarts)
[ "$restarts" -ge 1 ] || die "no restart within 15 s of the wedge"
[ "$(show MainPID)" != "$pid" ] || die "the wedged process was not replaced"
journal=$(in_ct journalctl --no-pager -u tickerd.service)
grep -q "Watchdog timeout" <<<"$journal" || die "no watchdog timeout logged"
grep -q "Failed with result 'watchdog'" <<<"$journal" ||
    die "the service did not fail with result 'watchdog'"
log "ok: $(grep -m1 "Watchdog timeout" <<<"$journal")"
in_ct systemctl stop tickerd.service tickerd.socket
in_ct rm -r /etc/systemd/system/tickerd.service.d

# -- scaling out, README "Under systemd": its blocks, as printed
readme_block() {	# the fenced block below <!-- readme-example: $1 ... -->
	awk -v name="$1" '
		index($0, "<!-- readme-example: " name " ") == 1 { hit = 1; next }
		hit == 1 && /^```/ { hit = 2; next }
		hit == 2 && /^```/ { exit }
		hit == 2 { print }
		hit == 1 { exit }' "$TK_SRC/README.md"
}
for b in nats-dropin nats-jetstream nats-store; do
	readme_block "$b" >"$WORK/$b"
	[ -s "$WORK/$b" ] || die "README.md has no block marked readme-example: $b"
done
dropin=$(sed -n '1s/^# //p' "$WORK/nats-dropin")
case $dropin in
/etc/systemd/system/tickerd.service.d/*.conf) ;;
*) die "the README's drop-in does not start with its path: '$dropin'" ;;
esac
cp "$WORK/nats-dropin" "$WORK/nats-jetstream" "$WORK/nats-store" \
    "$WORK/stage/"
nats_config_ingest >"$WORK/stage/ingest.json"
nats_config_edge >"$WORK/stage/edge.json"
in_ct sh -c "mkdir -p '$(dirname "$dropin")' &&
    cp /mnt/stage/nats-dropin '$dropin' &&
    cat /mnt/stage/nats-jetstream >>/etc/nats-server.conf &&
    cp /mnt/stage/ingest.json /etc/tickerd/tickerd.json" ||
    die "installing the README's drop-in and JetStream config failed"
in_ct sh -e /mnt/stage/nats-store || die "the README's nats-store commands failed"
expect "nats-server.service" "$(in_ct systemctl is-active nats-server.service)" active
expect "tickerd.service (ingest)" "$(show ActiveState)" active
metric() {	# metric NAME: its value on the container's 127.0.0.1:8765
	in_net curl -sf --max-time 5 http://127.0.0.1:8765/metrics |
	    awk -v n="$1" '$1 == n { print $2 }'
}
for _ in $(seq 150); do
	[ "$(metric tickerd_nats_acked_total)" != "" ] &&
	    [ "$(metric tickerd_nats_acked_total)" != 0 ] && break
	sleep 0.1
done
expect "stream ready (ingest)" "$(metric tickerd_nats_stream_ready)" 1
acked=$(metric tickerd_nats_acked_total)
[ -n "$acked" ] && [ "$acked" != 0 ] || die "the ingest host published nothing the stream acknowledged"
log "ok: ingest under systemd, $acked publishes acknowledged by JetStream"

in_ct sh -c 'cp /mnt/stage/edge.json /etc/tickerd/tickerd.json'
in_ct systemctl restart tickerd.service
expect "tickerd.service (edge)" "$(show ActiveState)" active
for _ in $(seq 150); do
	[ "$(metric 'tickerd_nats_source_snapshot_ticks_total{exchange="hub"}')" != "" ] &&
	    [ "$(metric 'tickerd_nats_source_snapshot_ticks_total{exchange="hub"}')" != 0 ] &&
	    break
	sleep 0.1
done
snap=$(metric 'tickerd_nats_source_snapshot_ticks_total{exchange="hub"}')
[ -n "$snap" ] && [ "$snap" != 0 ] || die "the edge took no snapshot from the stream"
health=$(probe health 127.0.0.1:8765) || die "no /health from the edge"
case $health in *'"name":"hub","adapter":"nats","state":"connected"'*) ;;
*) die "edge /health: $health" ;; esac
log "ok: edge under systemd, $snap ticks of the snapshot from the stream"
in_ct systemctl stop tickerd.service nats-server.service

# -- the hardening as the real systemd rates it
exposure=$(in_ct systemd-analyze security --no-pager tickerd.service |
    awk '/Overall exposure level/ { print $(NF - 2) }')
log "systemd-analyze security (live): $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e < 2.0) }' ||
    die "exposure $exposure is not below 2.0"

log "all checks passed"
