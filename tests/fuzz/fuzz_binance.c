/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the binance codec (see fuzz_codec.h). */

#include <ticker/adapter.h>

#define FUZZ_ADAPTER	"binance"
/* The symbols of tests/fixtures/binance and a few more. */
#define FUZZ_SYMBOLS	"BTC-USDT", "ETH-USDT", "BNB-BTC", "BNB-USDT", \
			"NKN-USDT", "OMG-BUSD", "LRC-BTC"

#include "fuzz_codec.h"
