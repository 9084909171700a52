# SPDX-License-Identifier: MIT
"""Funding ticks (SPEC "Ticks", type funding) through the publisher, from
the sim source with its funding channel: their shape, snapshots, the
types filter, and their counts in /metrics and /health."""

import json

import tkharness as h

FUNDING_KEYS = ["type", "exchange", "symbol", "mark_price", "index_price",
                "rate", "next_funding_ts", "ts", "recv_ts", "seq"]
EIGHT_HOURS_US = 8 * 3600 * 10**6


class TestFunding(h.TkTestCase):

    async def start(self, channels):
        port = h.free_port()
        conf = {"listen": {"tcp": "127.0.0.1:%d" % port}, "exchanges": [
                {"name": "perps", "adapter": "sim", "channels": channels,
                 "symbols": ["BTC-USD", "ETH-USD"], "rate": 200}]}
        self.daemon = await self.start_daemon(conf, self.make_tmpdir())

    def assertFunding(self, t):
        """SPEC's funding shape (a snapshot adds "snapshot":true)."""
        self.assertEqual([k for k in t if k != "snapshot"], FUNDING_KEYS, t)
        self.assertEqual(t["exchange"], "perps")
        for k in ("mark_price", "index_price", "rate"):
            self.assertIsInstance(t[k], str, t)
            float(t[k])
        self.assertGreater(t["next_funding_ts"], t["ts"])
        self.assertEqual(t["next_funding_ts"] % EIGHT_HOURS_US, 0)
        self.assertRecent(t["recv_ts"])

    async def test_funding_ticks_snapshot_and_counts(self):
        await self.start(["funding"])
        ws = await self.client(self.daemon)
        seen = {}
        while len(seen) < 2:
            _, t = await h.recv_until(ws, lambda m: "seq" in m)
            self.assertEqual(t["type"], "funding", t)
            self.assertFunding(t)
            seen[t["symbol"]] = t
        # A fresh client's snapshot has the latest of each symbol.
        fresh = await self.client(self.daemon, "?types=funding")
        snaps = [s for s in await h.roundtrip_ping(fresh)
                 if s.get("snapshot")]
        self.assertEqual(sorted(s["symbol"] for s in snaps),
                         ["BTC-USD", "ETH-USD"], snaps)
        for s in snaps:
            self.assertFunding(s)
        # Counted as the exchange's funding ticks, in /metrics and in
        # /health's ticks (every type of the exchange's).
        funding = await h.metric(self.daemon, "tickerd_ticks_total",
                                 exchange="perps", type="funding")
        self.assertGreater(funding, 0)
        code, body = await h.http_get(self.daemon, "/health")
        (ex,) = json.loads(body)["exchanges"]
        self.assertEqual(code, 200)
        self.assertGreaterEqual(ex["ticks"], funding)

    async def test_types_filter(self):
        await self.start(["trade", "quote", "funding"])
        ws = await self.client(self.daemon, "?types=funding,trade")
        _, t = await h.recv_until(ws, lambda m: m.get("type") == "funding")
        self.assertFunding(t)
        ticks = []
        while len(ticks) < 50:
            _, t = await h.recv_until(ws, lambda m: "seq" in m)
            ticks.append(t)
        self.assertEqual({t["type"] for t in ticks}, {"funding", "trade"})
