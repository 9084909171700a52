/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kraken codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"kraken"
/* The symbols of tests/fixtures/kraken and a few more. */
#define FUZZ_SYMBOLS	"BTC-USD", "ETH-USD", "ALGO-USD", "MATIC-USD"

#include "fuzz_codec.h"
