#!/bin/sh
# Installs what is missing, builds, and runs tickerd in the foreground with
# the given config (default: config/tickerd.json, the real exchanges).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
exec build/daemon/tickerd -c "${1:-config/tickerd.json}"
