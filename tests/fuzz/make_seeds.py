#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed inputs of every fuzz target into DIR/<target>/: the
real frames of tests/fixtures, the shipped configs and recording, and a
few hand-written inputs for the corners the fixtures do not reach.
run.sh merges them into corpus/<target>/ (libFuzzer -merge=1), which is
what the repository keeps."""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
FIX = os.path.join(ROOT, "tests", "fixtures")
# The exchange codecs: one folder of tests/fixtures/ each, named after its
# adapter, as the fuzz_<exchange> targets are (CMakeLists.txt).
CODECS = sorted(d for d in os.listdir(FIX)
                if os.path.isdir(os.path.join(FIX, d)))

# Hand seeds per codec: several frames per input (one per line) where the
# codec keeps state, and the shapes that only a broken exchange sends.
HAND = {
    "bybit": [
        '{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":'
        '{"s":"BTCUSDT","b":[["100","1"]],"a":[["101","2"]],"u":1,"seq":1},'
        '"cts":1}\n'
        '{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":2,"data":'
        '{"s":"BTCUSDT","b":[["100","0"]],"a":[],"u":2,"seq":2},"cts":2}\n'
        '{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":3,"data":'
        '{"s":"BTCUSDT","b":[["99.5","3"]],"a":[["101","0"]],"u":3,'
        '"seq":3},"cts":3}',
    ],
    "binance": [
        '{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1e-8","q":"5","T":1,'
        '"m":false}',
        '{"e":"trade","E":"x","s":"BTCUSDT","t":-1,"p":1.5,"q":null,"T":1}',
    ],
    "binance_usdm": [
        '{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"",'
        '"r":"-0.0001","T":0}',
    ],
    # tickers deltas are read against the connection's state: a snapshot,
    # then deltas naming some funding fields, and the book beside them
    "bybit_linear": [
        '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":'
        '"BTCUSDT","markPrice":"2","indexPrice":"3","fundingRate":"0.0001",'
        '"nextFundingTime":"1786320000000"},"cs":1,"ts":1}\n'
        '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":'
        '"BTCUSDT","markPrice":"2.5"},"cs":2,"ts":2}\n'
        '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":'
        '"BTCUSDT","fundingRate":"-0.0002","lastPrice":"2"},"cs":3,"ts":3}\n'
        '{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":4,"data":'
        '{"s":"BTCUSDT","b":[["100","1"]],"a":[["101","2"]],"u":1,"seq":1},'
        '"cts":4}\n'
        '{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":5,"data":'
        '{"s":"BTCUSDT","b":[],"a":[["100.5","1"]],"u":2,"seq":2},"cts":5}',
    ],
}

DECIMAL = ["37123.45000000", "0", "-0", "-0.5", "1E-8", "9.2e-7", "1e+3",
           "5.0", "123|123.0", "1e18|1000000000000000000",
           "0.000000000000000000000000000001", "999999999999999999",
           "-999999999999999999|1", "1e-30|0", "1.5e999999999999",
           "0.1|0.10000000000000000001", "12345678901234567890"]

FILTER = ['{"op":"ping"}',
          '{"op":"subscribe","symbols":["BTC-USD","ETH-USD"],'
          '"exchanges":["binance","kraken"],"types":["trade","quote"]}',
          '{"op":"subscribe","symbols":null}',
          '{"op":"subscribe","symbols":[]}',
          '{"op":"unsubscribe"}', '[1,2]', '{"op":1}',
          'BTC-USD,ETH-USD\nbinance,kraken\ntrade,quote',
          '\x01\nbinance\n\x01', 'BTC-USD,,BTC-USD\n\ntrade,trade']

# Bytes as exchanges and clients may send them: each class of ill-formed
# UTF-8, characters at every length, and the controls a log must escape.
UTF8 = [b"BTC-USD", "5 \u20ac \u00e9\U0001d11e".encode("utf-8"),
        b"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
        b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
        b"\x80\xbf\xc0\xaf\xc1\xbf\xf5\xfe\xff",
        b"\xe0\x80\xaf\xf0\x8f\xbf\xbf\xed\xa0\x80\xf4\x90\x80\x80",
        b"\xe2\x82\xf0\x9f\x98A\xc3",
        b"x\n<0>forged\r\x1b[2J\x7f\xc2\x9b\x00\"\\"]


def write(folder, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main(out):
    for ex in CODECS:
        d = os.path.join(FIX, ex)
        for name in sorted(os.listdir(d)):
            if name.endswith((".json", ".txt")):
                with open(os.path.join(d, name), "rb") as f:
                    write(os.path.join(out, "fuzz_" + ex),
                          f.read().rstrip(b"\n"))
        for text in HAND.get(ex, []):
            write(os.path.join(out, "fuzz_" + ex), text)
    for text in DECIMAL:
        write(os.path.join(out, "fuzz_decimal"), text)
    for name in ("tickerd.json", "sim.json", "replay.json", "docker.json"):
        with open(os.path.join(ROOT, "config", name), "rb") as f:
            write(os.path.join(out, "fuzz_config"), f.read())
    write(os.path.join(out, "fuzz_config"), json.dumps({
        "listen": {"tcp": "[::1]:8765", "unix": "/run/t.sock",
                   "hosts": ["Tickerd.example", "192.0.2.7", "::1"]},
        "exchanges": [{"name": "s", "adapter": "sim", "symbols": ["A-B"],
                       "rate": 5, "seed": 7, "channels": ["trade"]},
                      {"name": "k", "adapter": "kraken",
                       "symbols": ["BTC-USD"], "url": "ws://127.0.0.1:1/v2",
                       "stale_s": 2.5, "tls_verify": False},
                      {"name": "o", "adapter": "okx", "symbols": ["A-B"],
                       "url": "ws://u@[2001:db8::1]:1/x"}],
        "clients": {"max": 5, "max_message_bytes": 64,
                    "queue_ticks": 100}}))
    # scaling out: an edge that publishes on to another stream
    write(os.path.join(out, "fuzz_config"), json.dumps({
        "listen": {"tcp": "127.0.0.1:8765"},
        "exchanges": [{"name": "hub", "adapter": "nats",
                       "servers": ["nats://127.0.0.1:4222", "nats://[::1]"],
                       "stream": "TICKS", "subject": "md.ticks",
                       "symbols": ["BTC-USDT"], "channels": ["quote"]}],
        "publish": {"nats": {"servers": ["nats://127.0.0.1:4222"],
                             "stream": "EDGE", "replicas": 3,
                             "max_age_s": 60, "duplicate_window_s": 30,
                             "max_pending": 16}}}))
    for text in FILTER:
        write(os.path.join(out, "fuzz_filter"), text)
    for data in UTF8:
        write(os.path.join(out, "fuzz_utf8"), data)
    with open(os.path.join(ROOT, "config", "sample-recording.jsonl"),
              "rb") as f:
        for line in f:
            write(os.path.join(out, "fuzz_record"), line)
    write(os.path.join(out, "fuzz_record"),
          '{ "f" : "\\u00ff\\ud83d\\ude00\\n", "ad":"x", "ex":"y", "t":-1}')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "seeds"))
