/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the coinbase codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"coinbase"
/* The symbols of tests/fixtures/coinbase and a few more. */
#define FUZZ_SYMBOLS	"BTC-USD", "ETH-USD", "BAND-GBP", \
			"SKL-BTC", "SKL-GBP", "SKL-USD"

#include "fuzz_codec.h"
