#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes config/sample-recording.jsonl: real exchange frames from
tests/fixtures/<exchange>/ (every frame whose golden output has ticks,
after the exchange's prelude.jsonl if it has one), in
tickerd's recording format (one JSON object per line: t, ex, ad, f), 250 ms
apart.  config/replay.json plays it.  Run from anywhere; rewrites the file.

Exchanges whose goldens depend on a REST answer (tests/fixtures/<ex>/rest/,
OKX's contract values) keep only their frames of spot symbols: recordings
hold no REST answers, so a replayed swap's sizes are contracts, not the
golden's, and such quotes stay out of the bbo beside other venues'."""

import glob
import json
import os
import re

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
START_US = 1700000000000000


def exchanges():
    """Every exchange with fixtures, in the order of the registry's list
    (TK__EXCHANGES in lib/exchange/exchange.h), which is the order of the
    interleaving."""
    with open(os.path.join(REPO, "lib", "exchange", "exchange.h"),
              encoding="utf-8") as f:
        table = re.findall(r"^\tX\((\w+)\)", f.read(), re.M)
    return [ex for ex in table
            if os.path.isdir(os.path.join(REPO, "tests", "fixtures", ex))]


def prelude(exchange):
    """The frames a connection must have seen before the fixtures can be
    read (tests/fixtures/<exchange>/prelude.jsonl: Bitfinex's subscribe
    acks, which say what each channel id is), or none."""
    path = os.path.join(REPO, "tests", "fixtures", exchange,
                        "prelude.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def frames_with_ticks(exchange):
    fixtures = os.path.join(REPO, "tests", "fixtures", exchange)
    rest = os.path.isdir(os.path.join(fixtures, "rest"))
    for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
        name = os.path.splitext(os.path.basename(path))[0]
        golden = os.path.join(fixtures, "expected", name + ".out")
        if not os.path.exists(golden):
            continue
        with open(golden, encoding="utf-8") as f:
            ticks = [json.loads(line) for line in f
                     if line.startswith("{")]
        if not ticks or (rest and any(t["symbol"].endswith("-PERP")
                                      for t in ticks)):
            continue
        with open(path, encoding="utf-8") as f:
            yield f.read().strip(), ticks


def main():
    per_exchange, symbols = [], set()
    for ex in exchanges():
        frames = [(ex, frame) for frame in prelude(ex)]
        for frame, ticks in frames_with_ticks(ex):
            frames.append((ex, frame))
            symbols.update(t["symbol"] for t in ticks)
        per_exchange.append(frames)
    # interleave exchanges so that a short replay shows all of them
    records = []
    while any(per_exchange):
        for frames in per_exchange:
            if frames:
                records.append(frames.pop(0))
    out = os.path.join(REPO, "config", "sample-recording.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for i, (ex, frame) in enumerate(records):
            line = {"t": START_US + i * 250000, "ex": ex, "ad": ex,
                    "f": frame}
            f.write(json.dumps(line, ensure_ascii=False,
                               separators=(",", ":")) + "\n")
    print("%s: %d frames; symbols: %s" % (out, len(records),
                                           ", ".join(sorted(symbols))))


if __name__ == "__main__":
    main()
