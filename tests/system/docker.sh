#!/bin/bash
# SPDX-License-Identifier: MIT
# The Dockerfile, built and run with podman: FROM debian:bookworm is a
# base image made here with debootstrap (no registry is reachable), the
# build stage compiles tickerd, the runtime stage runs it as a non-root
# PID 1.  Checks: /health through a published port (the container listens
# on 0.0.0.0), ticks, the HEALTHCHECK, a mounted config, the shipped
# config, and `podman stop` (SIGTERM) within a second with exit code 0.

. "$(dirname "$0")/lib.sh"

need_root_and_tools podman runc debootstrap "$PYTHON" tar
podman_env

IMAGE=localhost/tickerd:ci-test
NAME=tickerd-ci-$$
WORK=$(mktemp -d /tmp/tk-docker.XXXXXX)
cleanup() {
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		podman logs "$NAME" 2>&1 | tail -30 >&2 || true
		podman logs "$NAME-shipped" 2>&1 | tail -10 >&2 || true
	fi
	podman rm -f -i -t 0 "$NAME" >/dev/null 2>&1 || true
	podman rm -f -i -t 0 "$NAME-shipped" >/dev/null 2>&1 || true
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT

# -- the base image: an existing debian:bookworm is kept (re-importing
# would change its ID and invalidate every build cache made from it)
if ! podman image exists debian:bookworm; then
	tarball=$TK_CACHE/debian-bookworm-minbase.tar
	if [ ! -s "$tarball" ]; then
		make_rootfs "$TK_CACHE/minbase"
		tar -C "$TK_CACHE/minbase" --exclude=./.tickerd-complete \
		    -cf "$tarball.tmp" .
		mv "$tarball.tmp" "$tarball"
		rm -rf "$TK_CACHE/minbase"
	fi
	log "importing $tarball as debian:bookworm"
	podman import -q "$tarball" debian:bookworm >/dev/null
fi

log "podman build"
t0=$(now_ms)
# --format docker: the OCI format drops HEALTHCHECK
podman build -q --format docker --network host --pull=never -t "$IMAGE" \
    -f "$TK_SRC/Dockerfile" "$TK_SRC" >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; die "podman build failed"; }
log "built $IMAGE in $(($(now_ms) - t0)) ms"
[ "$(podman image inspect -f '{{.Config.User}}' "$IMAGE")" = "tickerd:tickerd" ] ||
    die "the image does not run as the tickerd user"
podman image inspect -f '{{.Config.Healthcheck}}' "$IMAGE" | grep /health >/dev/null ||
    die "the image has no HEALTHCHECK on /health"

# -- a mounted config (local sources; nothing leaves the machine)
sim_config '"tcp": "0.0.0.0:8765"' >"$WORK/tickerd.json"
chmod 644 "$WORK/tickerd.json"
port=$(free_port)
podman run -d --name "$NAME" -p "127.0.0.1:$port:8765" \
    -v "$WORK/tickerd.json:/etc/tickerd/tickerd.json:ro" "$IMAGE" >/dev/null
health=
for _ in $(seq 100); do
	health=$(timeout 5 "$PYTHON" "$TK_SRC/tests/system/probe.py" health \
	    "127.0.0.1:$port" 2>/dev/null) && break
	sleep 0.1
done
[ -n "$health" ] || die "no /health on 127.0.0.1:$port"
case $health in *'"status":"ok"'*'"simex"'*) ;; *) die "/health: $health" ;; esac
log "ok: /health through the published port: $health"
timeout 20 "$PYTHON" "$TK_SRC/tests/system/probe.py" ticks "127.0.0.1:$port" 3 \
    >/dev/null || die "no ticks through the published port"
log "ok: ticks"
podman healthcheck run "$NAME" >/dev/null || die "HEALTHCHECK says unhealthy"
log "ok: HEALTHCHECK"
[ "$(podman exec "$NAME" cat /proc/1/comm)" = tickerd ] ||
    die "PID 1 is not tickerd"
uid=$(podman exec "$NAME" id -u)
[ "$uid" != 0 ] || die "tickerd runs as root"
log "ok: tickerd is PID 1, uid $uid"

t0=$(now_ms)
podman stop -t 10 "$NAME" >/dev/null
dt=$(($(now_ms) - t0))
code=$(podman inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || die "exit code $code after SIGTERM"
[ "$dt" -lt 1000 ] || die "podman stop took $dt ms"
podman logs "$NAME" 2>&1 | grep "stopping" >/dev/null || die "no stop in the log"
log "ok: stopped by SIGTERM in $dt ms, exit code 0"

# -- the shipped config: listens on 0.0.0.0 inside the container (no
# network at all here, so the exchanges are simply unreachable)
podman run -d --name "$NAME-shipped" \
    --network none "$IMAGE" >/dev/null
pid=$(podman inspect -f '{{.State.Pid}}' "$NAME-shipped")
listening=
for _ in $(seq 50); do
	# 0.0.0.0:8765 (0x223D) in state LISTEN (0A), in its namespace
	if awk '$2 == "00000000:223D" && $4 == "0A" { f = 1 } END { exit !f }' \
	    "/proc/$pid/net/tcp" 2>/dev/null; then
		listening=1
		break
	fi
	sleep 0.1
done
[ -n "$listening" ] || die "the shipped config does not listen on 0.0.0.0:8765"
# No network, so no exchange delivers: /health says down (503), and the
# HEALTHCHECK says so too.
if podman healthcheck run "$NAME-shipped" >/dev/null; then
	die "HEALTHCHECK passes while no exchange delivers"
fi
podman stop -t 10 "$NAME-shipped" >/dev/null
[ "$(podman inspect -f '{{.State.ExitCode}}' "$NAME-shipped")" = 0 ] ||
    die "the shipped config's container did not exit 0"
log "ok: the shipped config listens on 0.0.0.0:8765; unhealthy without network"

log "all checks passed"
