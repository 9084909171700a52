/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the bitstamp codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"bitstamp"
/* The symbols of tests/fixtures/bitstamp and a few more. */
#define FUZZ_SYMBOLS	"BTC-USD", "ETH-USD"

#include "fuzz_codec.h"
