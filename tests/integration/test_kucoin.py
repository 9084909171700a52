# SPDX-License-Identifier: MIT
"""KuCoin's connection cycle end to end (tkharness.MockKucoin, with its
REST API): a connect token before every connect, the socket to the
endpoint the token's answer names, subscriptions only after the server's
welcome, the application ping at the answer's pingInterval, and a new
token for every reconnect.  test_adapters.TestKucoin covers the rest
(exact subscriptions, golden replay, bad frames, staleness).
"""

import asyncio
import time

import tkharness as h

SYMBOLS = ["DAPPT-BTC", "SNX-BTC"]
BULLET = h.MockKucoin.BULLET


class KucoinTests(h.TkTestCase):

    async def start(self, **mock_kw):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock("kucoin", **mock_kw)
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mock, SYMBOLS)])
        self.daemon = await self.start_daemon(conf, self.tmp)
        return await self.client(self.daemon)

    def token_of(self, conn):
        query = conn.path.partition("?")[2]
        return dict(kv.split("=", 1) for kv in query.split("&"))["token"]

    async def test_full_cycle(self):
        """bullet -> connect with its token -> welcome -> subscribe ->
        ticks; nothing is sent before the welcome."""
        ws = await self.start(welcome=False)
        conn = await self.mock.wait_connections(1)
        req = self.mock.rest.requests[0]
        self.assertEqual((req.method, req.path, req.body),
                         ("POST", BULLET, ""))
        self.assertEqual(req.headers.get("content-length"), "0")
        self.assertLess(req.time, self.mock.attempts[0])
        self.assertEqual(self.token_of(conn), self.mock.tokens[0])
        await asyncio.sleep(1.0)
        self.assertEqual(conn.received, [], "sent before the welcome")
        await self.mock.send_welcome(conn)
        await self.mock.wait_subscribed(1, count=2)
        self.assertGreater(conn.times[0], conn.welcomed_at)
        await h.roundtrip_ping(ws)
        await self.mock.send(self.mock.fixture("match_1.json"),
                             self.mock.fixture("ticker_1.json"))
        trade, quote = await h.recv_ticks(ws, 2)
        self.assertEqual((trade["type"], trade["symbol"], trade["size"]),
                         ("trade", "DAPPT-BTC", "81.8814"))
        self.assertEqual((quote["type"], quote["symbol"], quote["bid"]),
                         ("quote", "SNX-BTC", "0.00028678"))

    async def test_ping_at_ping_interval(self):
        """The answer's pingInterval (1.5 s here), not the adapter's
        18 s."""
        await self.start(ping_interval_ms=1500)
        conn = await self.mock.wait_subscribed(1, count=2)
        await self.mock._wait_for(lambda: len(conn.pings) >= 3, 8,
                                  "three pings")
        times = [t for t, m in zip(conn.times, conn.received)
                 if '"type":"ping"' in m]
        gaps = [b - a for a, b in zip(times, times[1:])]
        for g in gaps:
            self.assertGreater(g, 1.2, gaps)
            self.assertLess(g, 2.2, gaps)
        self.assertEqual(h.loads_strict(conn.pings[0]),
                         {"id": "tickerd", "type": "ping"})

    async def test_reconnect_fetches_a_new_token(self):
        await self.start()
        first = await self.mock.wait_subscribed(1, count=2)
        await self.mock.drop()
        second = await self.mock.wait_subscribed(2, count=2, timeout=10)
        self.assertEqual(self.mock.rest.count("POST", BULLET), 2)
        self.assertEqual(self.token_of(first), self.mock.tokens[0])
        self.assertEqual(self.token_of(second), self.mock.tokens[1])
        self.assertNotEqual(self.mock.tokens[0], self.mock.tokens[1])
        self.assertLess(self.mock.rest.requests[1].time,
                        self.mock.attempts[1])

    async def test_no_welcome_drops_the_connection(self):
        """A server that never greets: dropped after 10 s, and the next
        attempt asks for a new token."""
        ws = await self.start(welcome=False)
        conn = await self.mock.wait_connections(1)
        t0 = time.monotonic()
        await self.mock.wait_closed(conn, timeout=15)
        self.assertGreater(time.monotonic() - t0, 8)
        self.assertEqual(conn.received, [])
        _, st = await h.recv_until(
                ws, lambda m: m.get("type") == "status" and
                m.get("state") == "reconnecting" and
                "no welcome" in m.get("detail", ""), skip_status=False)
        self.assertTrue(st["detail"].startswith("no welcome within 10 s"),
                        st)
        await self.mock.wait_connections(2, timeout=10)
        self.assertEqual(self.mock.rest.count("POST", BULLET), 2)

    async def test_bullet_error_backs_off(self):
        """An answer that refuses: no connect, a status in the
        exchange's words, then recovery."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock("kucoin")
        good = self.mock.rest.routes[("POST", BULLET)][1]
        self.mock.rest.answer("POST", BULLET, '{"code":"400100",'
                              '"msg":"Too many requests"}')
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mock, SYMBOLS)])
        self.daemon = await self.start_daemon(conf, self.tmp)
        ws = await self.client(self.daemon)
        await self.mock.rest.wait_requests(2, timeout=10)
        _, st = await h.recv_until(
                ws, lambda m: m.get("type") == "status" and
                m.get("detail", "").startswith("REST "), skip_status=False)
        self.assertEqual(st["state"], "reconnecting")
        self.assertTrue(st["detail"].startswith(
                "REST POST /api/v1/bullet-public: bullet: code 400100: "
                "Too many requests"), st)
        self.assertEqual(self.mock.attempts, [])
        self.mock.rest.answer("POST", BULLET, good)
        await self.mock.wait_subscribed(1, count=2, timeout=15)
        await h.recv_status(ws, "connected", exchange="kucoin", timeout=5)
