# shellcheck shell=bash
# Shared by the container tests (nspawn.sh, docker.sh): logging, skips,
# the Debian mirror this machine uses, debootstrap with a cache, podman
# settings that work on hosts without systemd and with hybrid cgroups.
#
# Environment: TK_SRC (source tree) and TK_CACHE (a directory under the
# build tree kept between runs) are set by ctest; TK_CACHE may be shared.

set -euo pipefail
# (no "grep -q" at the end of a pipe: it exits early, and the writer's SIGPIPE
# then fails the whole pipeline)

TK_SRC=${TK_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TK_CACHE=${TK_CACHE:-$TK_SRC/build/system-cache}
SUITE=bookworm
# Debian's python3 (with python3-websockets), not whatever is first in PATH
PYTHON=${TK_PYTHON:-/usr/bin/python3}

log() { printf '%s %s: %s\n' "$(date +%T.%3N)" "${0##*/}" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
# ctest's SKIP_RETURN_CODE: only for prerequisites that cannot be had.
skip() { log "SKIP: $*"; exit 77; }

# Root is needed for debootstrap, nspawn and rootful podman; the packages
# come from scripts/deps.sh (as in CI), which installs what is missing.
need_root_and_tools() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, containers)"
	local missing="" c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -z "$missing" ] && return 0
	log "missing:$missing; running scripts/deps.sh"
	sh "$TK_SRC/scripts/deps.sh" >&2 ||
	    skip "cannot install$missing (scripts/deps.sh failed)"
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    skip "$c is not available even after scripts/deps.sh"
	done
}

# The URI this machine's apt uses for suite $1 (deb822 .sources files
# first, then one-line .list files).  Never a name written in here.
apt_uri() {
	local suite=$1 f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk -v s="$suite" '
			BEGIN { RS = ""; FS = "\n" }
			{
				uri = ""; ok = 0; deb = 0
				for (i = 1; i <= NF; i++) {
					n = split($i, w, /[ \t]+/)
					if (w[1] == "URIs:") uri = w[2]
					if (w[1] == "Types:")
						for (j = 2; j <= n; j++) if (w[j] == "deb") deb = 1
					if (w[1] == "Suites:")
						for (j = 2; j <= n; j++) if (w[j] == s) ok = 1
				}
				if (ok && deb && uri != "") { print uri; exit }
			}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	    awk -v s="$suite" '$1 == "deb" {
		i = 2
		if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
		if ($(i + 1) == s) { print $i; exit }
	    }'
}

# debootstrap --variant=minbase into $1 (kept: a cache), with extra
# packages $2 (comma-separated).  A half-made root from an interrupted run,
# or one made with other packages, is made again.  Writes apt sources for
# the suite, -updates and -security.
make_rootfs() {
	local dir=$1 include=${2:-} mirror security tmp
	[ "$(cat "$dir/.tickerd-complete" 2>/dev/null)" = "$SUITE $include" ] &&
	    return 0
	mirror=$(apt_uri "$SUITE")
	[ -n "$mirror" ] || skip "no apt source for $SUITE on this machine"
	security=$(apt_uri "$SUITE-security")
	tmp=$dir.tmp
	rm -rf "$tmp" "$dir"
	mkdir -p "$(dirname "$dir")"
	log "debootstrap $SUITE into $dir${include:+ (+ $include)}"
	debootstrap --variant=minbase ${include:+--include="$include"} \
	    "$SUITE" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
	    { tail -20 "$tmp.log" >&2; die "debootstrap failed"; }
	{
		echo "deb $mirror $SUITE main"
		echo "deb $mirror $SUITE-updates main"
		[ -n "$security" ] && echo "deb $security $SUITE-security main"
	} >"$tmp/etc/apt/sources.list"
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
	echo "$SUITE $include" >"$tmp/.tickerd-complete"
	mv "$tmp" "$dir"
	rm -f "$tmp.log"
}

# podman on hosts like this one: runc (crun refuses hybrid cgroups) and
# ulimits within the hard limits (root may lack CAP_SYS_RESOURCE).
podman_env() {
	local nofile nproc
	nofile=$(ulimit -Hn)
	nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] && nofile=1048576
	if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then
		nproc=32768
	fi
	mkdir -p "$TK_CACHE"
	cat >"$TK_CACHE/containers.conf" <<CONF
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
CONF
	export CONTAINERS_CONF=$TK_CACHE/containers.conf
}

free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A config with local sources only: tests never reach an exchange.
sim_config() {
	local listen=$1
	cat <<CONF
{
  "listen": { $listen },
  "exchanges": [
    { "name": "simex", "adapter": "sim", "symbols": ["BTC-USD", "ETH-USD"], "rate": 20, "seed": 1 }
  ]
}
CONF
}

# An ingest host on the simulated exchange, publishing to the local NATS
# server, and an edge host reading the stream back (scaling out).
nats_config_ingest() {
	cat <<CONF
{
  "listen": { "tcp": "127.0.0.1:8765" },
  "exchanges": [
    { "name": "simex", "adapter": "sim", "symbols": ["BTC-USD", "ETH-USD"], "rate": 20, "seed": 1 }
  ],
  "publish": { "nats": { "servers": ["nats://127.0.0.1:4222"], "stream": "TICKS" } }
}
CONF
}

nats_config_edge() {
	cat <<CONF
{
  "listen": { "tcp": "127.0.0.1:8765" },
  "exchanges": [
    { "name": "hub", "adapter": "nats", "servers": ["nats://127.0.0.1:4222"],
      "stream": "TICKS", "symbols": ["BTC-USD", "ETH-USD"] }
  ]
}
CONF
}

# now in ms (for durations)
now_ms() { date +%s%3N; }
