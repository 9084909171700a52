# SPDX-License-Identifier: MIT
"""Every exchange adapter at once (each folder of tests/fixtures/, through
its mock in tkharness): one tickerd, a mock per exchange, one merged
stream.  Every exchange's ticks arrive, tagged with its name, exact to the
golden files, seq strictly increasing across them all; a client that asks
for two exchanges gets only theirs."""

import asyncio
import unittest

import tkharness as h

# Per adapter: the configured symbols and a trade and a quote frame (real
# fixture frames) for them, from its mock (MockExchange.SAMPLE).
EXCHANGES = {name: h.MOCKS[name].SAMPLE
             for name in h.exchanges() if name in h.MOCKS}
ROUNDS = 3


class TestAllAdapters(h.TkTestCase):

    async def asyncSetUp(self):
        self.tmp = self.make_tmpdir()
        self.mocks = {}
        for name in EXCHANGES:
            self.mocks[name] = await self.start_mock(name)
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mocks[name], symbols)
                for name, (symbols, _, _) in EXCHANGES.items()])
        self.daemon = await self.start_daemon(conf, self.tmp)
        for mock in self.mocks.values():
            await mock.wait_subscribed(1)

    def frames(self, name):
        """[(frame text, golden ticks)] of one round for exchange @name."""
        _, trade, quote = EXCHANGES[name]
        quotes = quote if isinstance(quote, tuple) else (quote,)
        return [(self.mocks[name].fixture(f), h.Golden(name, f).ticks)
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
        # every exchange, and at least the six of the first release
        self.assertEqual(sorted(h.MOCKS), h.exchanges())
        self.assertGreaterEqual(len(EXCHANGES), 6)
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
