/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the bybit codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"bybit"
/* The symbols of tests/fixtures/bybit and a few more. */
#define FUZZ_SYMBOLS	"BTC-USDT", "ETH-USDT"

#include "fuzz_codec.h"
