#!/bin/sh
# Installs the Debian 12 packages tickerd needs to build and test, if any
# are missing.  Run as root (or with sudo available).  Safe to run again.
set -eu

PKGS="build-essential cmake pkg-config ca-certificates
libwebsockets-dev libjansson-dev libsystemd-dev check
libnats-dev nats-server
python3 python3-websockets chromium
systemd systemd-container podman runc debootstrap iptables uidmap
clang libclang-rt-14-dev openssl cppcheck clang-tidy"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
