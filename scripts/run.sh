#!/bin/sh
# Installs what is missing, builds tickerd into build/ (only the daemon, and
# only what changed: a second run takes seconds), and runs it in the
# foreground with the given config (default: config/tickerd.json, the real
# exchanges).  Works whether or not scripts/test.sh has run before.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)" --target tickerd
exec build/daemon/tickerd -c "${1:-config/tickerd.json}"
