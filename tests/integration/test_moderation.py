# SPDX-License-Identifier: MIT
"""Input moderation never stalls an exchange: with enough clients that
tickerd holds the exchanges' reads between coalesced writes, several busy
exchanges keep delivering, none goes stale, and every trade of each gets
to a client in order (the soak found one exchange left held for good)."""

import asyncio
import time

import tkharness as h
from test_coalesce import RawReaders

TRADE = ('{"e":"trade","E":%d,"s":"BTCUSDT","t":%d,"p":"37000.%02d",'
         '"q":"0.5","T":%d,"m":false,"M":true}')
EXCHANGES = 3
CLIENTS = 15       # a 1.5 ms gap, as in the soak that found the stall
SECONDS = 10
SPACING_S = 0.005  # per exchange


class TestModeration(h.TkTestCase):

    TEST_TIMEOUT = 60.0

    async def feed(self, mock, base):
        now = int(time.time() * 1000)
        t0, i = time.monotonic(), 0
        while time.monotonic() - t0 < SECONDS:
            await mock.send(TRADE % (now, base + i, i % 100, now))
            i += 1
            delay = t0 + i * SPACING_S - time.monotonic()
            await asyncio.sleep(max(delay, 0))
        return i

    async def test_held_exchanges_are_always_read_again(self):
        mocks = [await self.start_mock("binance") for _ in range(EXCHANGES)]
        port = h.free_port()
        exchanges = [h.exchange_entry(m, ["BTC-USDT"], name="ex%d" % k,
                                      stale_s=2)
                     for k, m in enumerate(mocks)]
        daemon = await self.start_daemon(h.daemon_config(port, exchanges),
                                         self.make_tmpdir())
        for m in mocks:
            await m.wait_subscribed(1)
        readers = RawReaders(port, CLIENTS - 1)
        self.addCleanup(readers.close)
        checker = await self.client(daemon)
        await h.roundtrip_ping(checker)
        seen = {"ex%d" % k: [] for k in range(EXCHANGES)}
        stale = []

        async def check():
            while True:
                t = await h.recv_json(checker, timeout=10)
                if t.get("type") == "status" and t["state"] == "stale":
                    stale.append(t)
                elif t.get("type") == "trade" and not t.get("snapshot"):
                    seen[t["exchange"]].append(int(t["trade_id"]))
        checking = asyncio.ensure_future(check())
        sent = await asyncio.gather(*[self.feed(m, 1000000 * (k + 1))
                                      for k, m in enumerate(mocks)])
        stale_while_fed = list(stale)  # quiet exchanges go stale after
        # tickerd read every trade of every exchange, without a reconnect
        for k in range(EXCHANGES):
            ex = "ex%d" % k
            self.assertEqual(await h.metric(daemon, "tickerd_ticks_total",
                                            exchange=ex, type="trade"),
                             sent[k], ex)
            self.assertEqual(await h.metric(
                daemon, "tickerd_reconnects_total", exchange=ex), 0, ex)
        # and the checker gets them all (it reads slower than they came)
        deadline = time.monotonic() + 30
        while sum(map(len, seen.values())) < sum(sent) and \
                time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        checking.cancel()
        self.assertEqual(stale_while_fed, [])
        for k in range(EXCHANGES):
            base = 1000000 * (k + 1)
            self.assertEqual(seen["ex%d" % k],
                             list(range(base, base + sent[k])),
                             "ex%d" % k)


if __name__ == "__main__":
    import unittest
    unittest.main()
