# SPDX-License-Identifier: MIT
"""Every exchange adapter at once (each folder of tests/fixtures/, through
its mock in tkharness), and OKX's perpetual swaps beside its spot pairs as a
venue of their own: one tickerd, a mock per venue, one merged stream.  Every exchange's ticks arrive, tagged with its name, exact to the
golden files, seq strictly increasing across them all; a client that asks
for two exchanges gets only theirs."""

import asyncio
import unittest

import tkharness as h

# Per venue (an exchanges[] entry): the configured symbols and a trade and
# a quote frame (real fixture frames) for them, from its mock
# (MockExchange.SAMPLE), and which adapter speaks it.
EXCHANGES = {name: h.MOCKS[name].SAMPLE
             for name in h.exchanges() if name in h.MOCKS}
ADAPTER = {name: name for name in EXCHANGES}
# OKX's inverse BTC swap, whose sizes need the instruments list from the
# mock's REST API: contracts times their value in USD
EXCHANGES["okx_swap"] = (["BTC-USD-PERP"], "swap_trades_3_btc_usd_swap.json",
                         "swap_bbo_tbt_2_btc_usd_swap.json")
ADAPTER["okx_swap"] = "okx"
ROUNDS = 3


class TestAllAdapters(h.TkTestCase):

    async def asyncSetUp(self):
        self.tmp = self.make_tmpdir()
        self.mocks = {}
        for name in EXCHANGES:
            self.mocks[name] = await self.start_mock(ADAPTER[name])
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mocks[name], symbols, name=name)
                for name, (symbols, _, _) in EXCHANGES.items()])
        self.daemon = await self.start_daemon(conf, self.tmp)
        for mock in self.mocks.values():
            await mock.wait_subscribed(1)

    def frames(self, name):
        """[(frame text, golden ticks)] of one round for exchange @name."""
        _, trade, quote = EXCHANGES[name]
        quotes = quote if isinstance(quote, tuple) else (quote,)
        return [(self.mocks[name].fixture(f),
                 [dict(t, exchange=name) for t in
                  h.Golden(ADAPTER[name], f).ticks])
                for f in (trade,) + quotes]

    async def publish(self):
        """Sends ROUNDS rounds of every exchange's trade and quote, all
        exchanges at once; returns {exchange: expected golden ticks}."""
        expected = {name: [] for name in EXCHANGES}

        async def feed(name):
            for _ in range(ROUNDS):
                for text, ticks in self.frames(name):
                    await self.mocks[name].send(text)
                    expected[name] += ticks

        await asyncio.gather(*(feed(name) for name in EXCHANGES))
        return expected

    def check(self, ticks, expected):
        """@ticks (in arrival order) are, per exchange, exactly
        @expected's, in order; seq strictly increasing overall."""
        seqs = [t["seq"] for t in ticks]
        for a, b in zip(seqs, seqs[1:]):
            self.assertLess(a, b, "seq not strictly increasing: %s" % seqs)
        for name, want in expected.items():
            got = [t for t in ticks if t["exchange"] == name]
            self.assertEqual(len(got), len(want), name)
            for g, w in zip(got, want):
                with self.subTest(exchange=name):
                    self.assertGoldenTick(g, w, self.mocks[name])
        self.assertEqual({t["exchange"] for t in ticks}, set(expected))

    async def test_all_through_the_merge(self):
        # every exchange, and at least the thirteen venues of this release
        self.assertEqual(sorted(h.MOCKS), h.exchanges())
        self.assertGreaterEqual(len(EXCHANGES), 13)
        everything = await self.client(self.daemon)
        two = await self.client(self.daemon, "?exchanges=okx,kraken")
        await h.roundtrip_ping(everything)
        await h.roundtrip_ping(two)
        expected = await self.publish()
        n = sum(len(v) for v in expected.values())
        self.assertEqual(n, ROUNDS * 2 * len(EXCHANGES))
        ticks = await h.recv_ticks(everything, n)
        self.check(ticks, expected)

        # The filtered client: only okx and kraken, the same ticks (same
        # seq) as the unfiltered one saw, and nothing else after them.
        wanted = {k: expected[k] for k in ("okx", "kraken")}
        n2 = sum(len(v) for v in wanted.values())
        ticks2 = await h.recv_ticks(two, n2)
        self.check(ticks2, wanted)
        self.assertEqual([t["seq"] for t in ticks2],
                         [t["seq"] for t in ticks
                          if t["exchange"] in wanted])
        self.assertEqual(await h.roundtrip_ping(two), [])
        for st in two.tk_statuses:
            self.assertIn(st["exchange"], wanted, st)
        self.assertEqual(await h.roundtrip_ping(everything), [])


if __name__ == "__main__":
    unittest.main()
