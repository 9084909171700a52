#!/bin/sh
# The whole test suite, as CI runs it: installs what is missing, builds with
# -Werror under AddressSanitizer + UndefinedBehaviorSanitizer, runs every
# unit and integration test, then replays the fuzz corpora.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-test -DTICKERD_SANITIZE=ON -DTICKERD_WERROR=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build-test -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-test --output-on-failure -j2
# Fuzz targets (clang, own build dir): corpus replay + a short run each.
tests/fuzz/run.sh
# Static analysis: cppcheck, clang-tidy and gcc -fanalyzer must find nothing.
scripts/static-check.sh
