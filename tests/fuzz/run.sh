#!/bin/sh
# The fuzz targets as CI runs them: builds them with clang (libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer) in a build directory of
# their own, replays every input of tests/fuzz/corpus/<target>/, then fuzzes
# each target for FUZZ_SECONDS (default 6) from that corpus.  New inputs go
# to a scratch directory, never into the repository.  Any crash, leak,
# sanitizer report or broken invariant fails the run and leaves the input in
# $FUZZ_BUILD/fuzz-artifacts/.
#
#   tests/fuzz/run.sh                 CI: replay + short run of every target
#   tests/fuzz/run.sh fuzz_okx ...    only those targets
#   tests/fuzz/run.sh --merge DIR...  minimise DIR(s) plus the current corpus
#                                     into tests/fuzz/corpus/<target>/
#                                     (libFuzzer -merge=1); one target only
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-6}
TARGETS="fuzz_binance fuzz_coinbase fuzz_kraken fuzz_bitstamp fuzz_okx
fuzz_bybit fuzz_decimal fuzz_config fuzz_filter fuzz_record fuzz_utf8"

merge=""
if [ "${1:-}" = "--merge" ]; then
	merge=1
	shift
fi

CC=${FUZZ_CC:-clang} cmake -S . -B "$B" -DTICKERD_FUZZ=ON \
	-DTICKERD_SANITIZE=ON -DTICKERD_WERROR=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$B" -j"$(nproc)" --target $TARGETS

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ART="$ROOT/$B/fuzz-artifacts"
mkdir -p "$ART"

if [ -n "$merge" ]; then
	t=$1
	shift
	mkdir -p "tests/fuzz/corpus/$t"
	old=$(mktemp -d)
	cp -r "tests/fuzz/corpus/$t/." "$old/" 2>/dev/null || true
	rm -f "tests/fuzz/corpus/$t"/*
	"$B/tests/fuzz/$t" -merge=1 -max_len=4096 \
		"tests/fuzz/corpus/$t" "$old" "$@"
	rm -rf "$old"
	echo "$t: $(ls "tests/fuzz/corpus/$t" | wc -l) files"
	exit 0
fi

[ $# -gt 0 ] && TARGETS="$*"
FLAGS="-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1"
fail=0
for t in $TARGETS; do
	bin="$B/tests/fuzz/$t"
	corpus="tests/fuzz/corpus/$t"
	scratch=$(mktemp -d)
	log="$ART/$t.log"
	# shellcheck disable=SC2086
	if "$bin" $FLAGS -runs=0 -artifact_prefix="$ART/$t-" "$corpus" \
	    >"$log" 2>&1 &&
	    "$bin" $FLAGS -max_total_time="$SECS" \
	    -artifact_prefix="$ART/$t-" "$scratch" "$corpus" >>"$log" 2>&1
	then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		    tail -1)
		echo "fuzz: $t ok ($(ls "$corpus" | wc -l) corpus inputs," \
		    "$runs runs)"
	else
		echo "fuzz: $t FAILED; log: $log"
		tail -40 "$log"
		fail=1
	fi
	rm -rf "$scratch"
done
exit $fail
