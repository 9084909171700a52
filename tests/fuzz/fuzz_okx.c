/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the okx codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"okx"
/* The symbols of tests/fixtures/okx and a few more. */
#define FUZZ_SYMBOLS	"BTC-USDT", "ETH-USDT"

#include "fuzz_codec.h"
