# SPDX-License-Identifier: MIT
"""Upstream connections in the real world: announced disconnects handled by
make-before-break rotation (no gap, no duplicate), throttled upgrades, and
data-level staleness, against a mock Binance on 127.0.0.1."""

import json
import re
import time

import tkharness as h

# aggTrade_3.json: a real BTCUSDT aggTrade; copies below differ only in "a".
BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))
SHUTDOWN = h.fixture("server_shutdown_raw.json")


def trade(agg_id):
    """The real BTCUSDT aggTrade with its aggregate trade id set to @agg_id."""
    text, n = re.subn(r'"a":\d+', '"a":%d' % agg_id, BTC_TRADE)
    assert n == 1
    return text


async def send_raw(conn, *frames):
    """Sends on one mock connection only, bypassing the mock's fresh-id
    rewriting: the overlap must carry identical trades on both."""
    for f in frames:
        await conn.ws.send(f)


class UpstreamBase(h.TkTestCase):

    async def start(self, **exchange):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url, **exchange)
        self.daemon = await self.start_daemon(conf, self.tmp)

    async def trade_ids(self, ws, n):
        ticks = await h.recv_ticks(ws, n)
        return [t["trade_id"] for t in ticks]


class TestRotation(UpstreamBase):

    async def test_server_shutdown_rotates_without_gap_or_duplicate(self):
        await self.start()
        first = await self.mock.wait_subscribed(1)
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        await send_raw(first, trade(1001))
        self.assertEqual(await self.trade_ids(ws, 1), ["1001"])

        # Binance announces the shutdown: tickerd opens a second
        # connection and subscribes while the first keeps serving.
        await send_raw(first, SHUTDOWN)
        second = await self.mock.wait_subscribed(2)
        self.assertTrue(first.open, "the old connection was dropped early")
        self.assertEqual(second.subscribes[0]["params"],
                         first.subscribes[0]["params"])

        # Overlap: both deliver the same trades, then the new one goes on
        # alone and the old server goes away.
        await send_raw(first, trade(1002))
        await send_raw(second, trade(1002), trade(1003))
        await send_raw(first, trade(1003))
        await send_raw(second, trade(1004))
        await self.mock.wait_closed(first)
        await send_raw(second, trade(1005))

        self.assertEqual(await self.trade_ids(ws, 4),
                         ["1002", "1003", "1004", "1005"])
        # Nothing else arrives: no duplicate was published late.
        await send_raw(second, trade(1006))
        self.assertEqual(await self.trade_ids(ws, 1), ["1006"])
        # Clients never saw the exchange go away.
        states = [s["state"] for s in ws.tk_statuses]
        self.assertNotIn("reconnecting", states[1:], ws.tk_statuses)
        self.assertEqual(len(self.mock.connections), 2)

    async def test_failed_rotation_keeps_the_old_connection(self):
        await self.start()
        first = await self.mock.wait_subscribed(1)
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        # The replacement is refused; the old connection keeps serving.
        self.mock.reject_status = 503
        await send_raw(first, SHUTDOWN)
        deadline = time.monotonic() + 5
        while len(self.mock.attempts) < 2 and time.monotonic() < deadline:
            await h.asyncio.sleep(0.05)
        self.assertGreaterEqual(len(self.mock.attempts), 2)
        await send_raw(first, trade(2001))
        self.assertEqual(await self.trade_ids(ws, 1), ["2001"])
        self.assertTrue(first.open)


class TestThrottling(UpstreamBase):

    async def throttled_status(self, ws):
        """The first "reconnecting" status that reports a refused upgrade
        (the very first one may say "connecting")."""
        after = 0
        while True:
            st = await h.recv_status(ws, "reconnecting", timeout=10,
                                     after=after)
            if "HTTP" in st["detail"]:
                return st
            after = ws.tk_statuses.index(st) + 1

    async def test_http_429_backoff_grows(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.mock.reject_status = 429
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url)
        self.daemon = await self.start_daemon(conf, self.tmp)
        ws = await self.client(self.daemon)
        deadline = time.monotonic() + 20
        while len(self.mock.attempts) < 4 and time.monotonic() < deadline:
            await h.asyncio.sleep(0.05)
        t = self.mock.attempts
        self.assertGreaterEqual(len(t), 4, "attempts: %s" % t)
        gaps = [b - a for a, b in zip(t, t[1:4])]
        # At least 1 s, 2 s, 4 s: each wait longer than the one before.
        self.assertGreaterEqual(gaps[0], 0.95, gaps)
        self.assertGreater(gaps[1], gaps[0], gaps)
        self.assertGreater(gaps[2], gaps[1], gaps)
        self.assertGreaterEqual(gaps[2], 3.9, gaps)
        st = await self.throttled_status(ws)
        self.assertIn("HTTP 429", st["detail"])

    async def test_after_throttling_ends_ticks_flow(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.mock.reject_status = 418
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url)
        self.daemon = await self.start_daemon(conf, self.tmp)
        ws = await self.client(self.daemon)
        st = await self.throttled_status(ws)
        self.mock.reject_status = None
        up = await self.mock.wait_subscribed(1, timeout=10)
        await h.recv_status(ws, "connected", timeout=5)
        await send_raw(up, trade(3001))
        self.assertEqual(await self.trade_ids(ws, 1), ["3001"])
        self.assertIn("HTTP 418", st["detail"])


class TestStale(UpstreamBase):

    async def test_silent_exchange_is_stale_and_replaced_in_time(self):
        # The mock answers WebSocket pings (the link is alive) but sends
        # no data: tickerd must notice within stale_s and reconnect.
        await self.start(stale_s=1)
        first = await self.mock.wait_subscribed(1)
        t0 = time.monotonic()
        ws = await self.client(self.daemon)
        st = await h.recv_status(ws, "stale", timeout=5)
        self.assertIn("no data", st["detail"])
        await self.mock.wait_subscribed(2, timeout=5)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 1 + 1, "reconnected after %.2f s" % elapsed)
        await self.mock.wait_closed(first)

    async def test_data_keeps_it_fresh(self):
        await self.start(stale_s=1)
        first = await self.mock.wait_subscribed(1)
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        for i in range(10):
            await send_raw(first, trade(4000 + i))
            await h.asyncio.sleep(0.25)
        self.assertEqual(len(await self.trade_ids(ws, 10)), 10)
        self.assertEqual(len(self.mock.connections), 1)
        self.assertNotIn("stale", [s["state"] for s in ws.tk_statuses])
        json.dumps(ws.tk_statuses)
