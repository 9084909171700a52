# SPDX-License-Identifier: MIT
"""The REST step before connecting, end to end: OKX perpetual swaps ask
for the instruments list (tkharness.MockRest, a real HTTP server on
127.0.0.1) before every WebSocket connect, and their sizes are contracts
times the contract value it gives.

A failed REST request (HTTP 500, 429 with Retry-After, no answer) is a
failed attempt: no WebSocket connect, the usual backoff, a status and
/health that say why, and recovery once the API answers again.
"""

import json
import time

import tkharness as h

SWAPS = ["BTC-USDT-PERP", "BTC-USD-PERP"]
INSTRUMENTS = h.MockOKX.INSTRUMENTS
REST_PREFIX = "REST GET %s: " % INSTRUMENTS


class RestTests(h.TkTestCase):

    async def start(self, symbols=SWAPS, fault=None, **keys):
        """MockOKX (with its REST API, faulty from the start if @fault
        is given) and tickerd on it; returns a client."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock("okx")
        if fault is not None:
            fault(self.mock.rest)
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mock, symbols, **keys)])
        self.daemon = await self.start_daemon(conf, self.tmp)
        return await self.client(self.daemon)

    def set_ctval(self, inst_id, value):
        """The mock's instruments list with @inst_id's ctVal changed."""
        doc = json.loads(self.mock.fixture("rest/instruments_swap.json"))
        for item in doc["data"]:
            if item["instId"] == inst_id:
                item["ctVal"] = value
        self.mock.rest.answer("GET", INSTRUMENTS,
                              json.dumps(doc, separators=(",", ":")))

    async def ticker_sizes(self, ws):
        """Sends the BTC-USDT-SWAP ticker (431 and 12 contracts); returns
        the quote's (bid_size, ask_size, size_unit)."""
        await self.mock.send(
                self.mock.fixture("swap_tickers_2_btc_usdt_swap.json"))
        [q] = await h.recv_ticks(ws, 1)
        self.assertEqual(q["symbol"], "BTC-USDT-PERP")
        return q["bid_size"], q["ask_size"], q.get("size_unit", "base")

    async def health_entry(self):
        status, body = await h.http_get(self.daemon, "/health")
        [ex] = json.loads(body)["exchanges"]
        return ex

    async def rest_status(self, ws, timeout=h.DEFAULT_TIMEOUT):
        """The first status that reports a failed REST step (the first
        "reconnecting" of all says "connecting")."""
        after = 0
        deadline = time.monotonic() + timeout
        while True:
            st = await h.recv_status(
                    ws, "reconnecting", exchange="okx", after=after,
                    timeout=max(0.1, deadline - time.monotonic()))
            if st["detail"].startswith("REST "):
                return st
            after = ws.tk_statuses.index(st) + 1

    async def assert_failing(self, ws, reason):
        """The attempt failed for @reason: a status says so, /health too,
        and no WebSocket connection was opened."""
        st = await self.rest_status(ws)
        self.assertTrue(st["detail"].startswith(REST_PREFIX + reason), st)
        self.assertIn("; retrying in ", st["detail"])
        ex = await self.health_entry()
        self.assertEqual(ex["state"], "reconnecting")
        self.assertTrue(ex["detail"].startswith(REST_PREFIX + reason), ex)
        self.assertEqual(self.mock.connections, [])
        self.assertEqual(self.mock.attempts, [])

    async def assert_recovers(self, ws):
        self.mock.rest.heal()
        await self.mock.wait_subscribed(1, timeout=15)
        await h.recv_status(ws, "connected", exchange="okx", timeout=15)
        self.assertEqual(await self.ticker_sizes(ws), ("4.31", "0.12",
                                                       "base"))
        ex = await self.health_entry()
        self.assertEqual(ex["state"], "connected")

    # ---- contract values

    async def test_swap_sizes_are_contracts_times_ctval(self):
        """The sizes follow the list: 431 contracts of 0.01 BTC are 4.31
        BTC; with ctVal 0.02 after a reconnect, 8.62.  Inverse swaps are
        in USD, said so."""
        ws = await self.start()
        await self.mock.wait_subscribed(1)
        self.assertEqual(self.mock.rest.count("GET", INSTRUMENTS), 1)
        self.assertEqual(await self.ticker_sizes(ws), ("4.31", "0.12",
                                                       "base"))
        await self.mock.send(
                self.mock.fixture("swap_trades_3_btc_usd_swap.json"))
        [t] = await h.recv_ticks(ws, 1)
        self.assertEqual((t["symbol"], t["size"], t["size_unit"]),
                         ("BTC-USD-PERP", "100", "quote"))

        self.set_ctval("BTC-USDT-SWAP", "0.02")
        await self.mock.drop()
        await self.mock.wait_subscribed(2, timeout=10)
        self.assertEqual(await self.ticker_sizes(ws), ("8.62", "0.24",
                                                       "base"))

    async def test_rest_again_before_every_connect(self):
        """Each reconnect asks again, before its upgrade."""
        await self.start()
        await self.mock.wait_subscribed(1)
        for n in (2, 3):
            await self.mock.drop()
            await self.mock.wait_subscribed(n, timeout=10)
            self.assertEqual(self.mock.rest.count("GET", INSTRUMENTS), n)
            self.assertLess(self.mock.rest.requests[n - 1].time,
                            self.mock.attempts[n - 1])
        req = self.mock.rest.requests[0]
        self.assertEqual(req.headers.get("host"), "127.0.0.1")
        self.assertTrue(req.headers.get("user-agent", "").startswith(
                "tickerd/"), req.headers)

    async def test_funding(self):
        """With "funding": each swap's funding-rate and mark-price are
        subscribed (spot has neither), and a funding tick comes once both
        are known."""
        ws = await self.start(symbols=["BTC-USDT"] + SWAPS,
                              channels=["trade", "quote", "funding"])
        conn = await self.mock.wait_subscribed(1)
        args = [a for m in conn.subscribes for a in m["args"]]
        # quotes: tickers for spot, bbo-tbt (tick by tick) for swaps
        self.assertEqual(
                [a for a in args if a["channel"] in ("tickers", "bbo-tbt")],
                [{"channel": "tickers", "instId": "BTC-USDT"},
                 {"channel": "bbo-tbt", "instId": "BTC-USDT-SWAP"},
                 {"channel": "bbo-tbt", "instId": "BTC-USD-SWAP"}])
        self.assertEqual(
                [a for a in args if a["channel"] in ("funding-rate",
                                                     "mark-price")],
                [{"channel": c, "instId": i}
                 for i in ("BTC-USDT-SWAP", "BTC-USD-SWAP")
                 for c in ("funding-rate", "mark-price")])
        await h.roundtrip_ping(ws)
        await self.mock.send(
                self.mock.fixture("swap_funding_rate_btc_usd_swap.json"),
                '{"arg":{"channel":"mark-price","instId":"BTC-USD-SWAP"},'
                '"data":[{"instType":"SWAP","instId":"BTC-USD-SWAP",'
                '"markPx":"43574.5","ts":"1646323100000"}]}')
        _, f = await h.recv_until(ws, lambda m: m.get("type") == "funding")
        self.assertEqual(
                {k: f[k] for k in ("exchange", "symbol", "mark_price",
                                   "rate", "next_funding_ts", "ts")},
                {"exchange": "okx", "symbol": "BTC-USD-PERP",
                 "mark_price": "43574.5", "rate": "0.0000734174532791",
                 "next_funding_ts": 1646323200000000,
                 "ts": 1646323100000000})

    async def test_spot_only_asks_nothing(self):
        await self.start(symbols=["BTC-USDT"])
        await self.mock.wait_subscribed(1)
        self.assertEqual(self.mock.rest.requests, [])

    # ---- failures

    async def test_http_500_backs_off_and_recovers(self):
        ws = await self.start(fault=lambda r: r.fail_with(500))
        await self.assert_failing(ws, "HTTP 500")
        reqs = await self.mock.rest.wait_requests(3, timeout=10)
        # backoff: the attempts do not come back to back
        self.assertGreater(reqs[2].time - reqs[0].time, 0.1)
        await self.assert_recovers(ws)

    async def test_http_429_honours_retry_after(self):
        ws = await self.start(fault=lambda r: r.fail_with(429, 2))
        await self.assert_failing(ws, "HTTP 429, retry after 2 s")
        reqs = await self.mock.rest.wait_requests(2, timeout=10)
        self.assertGreaterEqual(reqs[1].time - reqs[0].time, 1.9)
        await self.assert_recovers(ws)
        self.assertGreaterEqual(
                await h.metric(self.daemon, "tickerd_throttled_total",
                               exchange="okx"), 1)

    async def test_no_answer_times_out(self):
        ws = await self.start(fault=lambda r: r.hang())
        await self.mock.rest.wait_requests(1)
        t0 = time.monotonic()
        st = await self.rest_status(ws, timeout=15)
        self.assertTrue(st["detail"].startswith(
                REST_PREFIX + "no answer (closed or timed out)"), st)
        # lws' 5 s for an answer to start
        self.assertGreater(time.monotonic() - t0, 4)
        self.assertEqual(self.mock.attempts, [])
        await self.assert_recovers(ws)

    async def test_redirect_is_not_followed(self):
        """A redirect could lead anywhere: it fails the attempt like any
        other status, and its Location is never asked."""
        def fault(rest):
            rest.answer("GET", INSTRUMENTS, "", status=302,
                        headers={"Location": "/elsewhere"})
            rest.answer("GET", "/elsewhere", self.mock.fixture(
                    "rest/instruments_swap.json"))
        ws = await self.start(fault=fault)
        await self.assert_failing(ws, "HTTP 302")
        await self.mock.rest.wait_requests(2, timeout=10)
        self.assertEqual(self.mock.rest.count(path="/elsewhere"), 0)

    async def test_bad_answer_fails_the_attempt(self):
        """An answer the adapter cannot read is a failure too, with the
        exchange's own words."""
        def fault(rest):
            rest.answer("GET", INSTRUMENTS,
                        '{"code":"50011","msg":"Too Many Requests",'
                        '"data":[]}')
        ws = await self.start(fault=fault)
        await self.assert_failing(
                ws, "instruments: code 50011: Too Many Requests")
        self.mock.rest.answer("GET", INSTRUMENTS, self.mock.fixture(
                "rest/instruments_swap.json"))
        await self.assert_recovers(ws)
