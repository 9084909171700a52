# SPDX-License-Identifier: MIT
"""The client protocol: ping, subscribe, errors, message size limit."""

import json
import unittest

import websockets

import tkharness as h

BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))  # BTCUSDT aggTrade
ETH_TRADE = h.unwrap(h.fixture("trade.json"))  # ETHUSDT trade
# BTCUSDT spot bookTicker
BTC_QUOTE = h.unwrap(h.fixture("edge_bookTicker_all_market_deprecated.json"))

# The daemon's default limit on one client message
# (config clients.max_message).
MAX_MESSAGE = 4096


class ProtocolCase(h.TkTestCase):

    async def asyncSetUp(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), self.mock.url)
        self.daemon = await self.start_daemon(conf, self.tmp)
        await self.mock.wait_subscribed(1)

    async def expect_error(self, ws, payload):
        """Sends @payload (text as is, else JSON) and expects an error
        message; returns it."""
        text = payload if isinstance(payload, str) else \
                json.dumps(payload)
        await ws.send(text)
        msg = await h.recv_json(ws, skip_status=True)
        self.assertEqual(msg.get("type"), "error",
                         "for %r got %s" % (text, msg))
        self.assertEqual(list(msg), ["type", "message"], msg)
        self.assertIsInstance(msg["message"], str)
        self.assertTrue(msg["message"].strip(), msg)
        return msg

    async def assertPong(self, ws):
        await h.send_json(ws, {"op": "ping"})
        msg = await h.recv_json(ws, skip_status=True)
        self.assertEqual(msg, {"type": "pong"})

    async def subscribe(self, ws, **filt):
        await h.send_json(ws, dict(op="subscribe", **filt))
        msg = await h.recv_json(ws, skip_status=True)
        self.assertEqual(msg.get("type"), "subscribed", msg)
        return msg


class TestPing(ProtocolCase):

    async def test_ping_pong(self):
        ws = await self.client(self.daemon)
        for _ in range(3):
            await self.assertPong(ws)

    async def test_ping_fragmented(self):
        # One message in three WebSocket fragments.
        ws = await self.client(self.daemon)
        await ws.send(iter(['{"op"', ':"pi', 'ng"}']))
        msg = await h.recv_json(ws, skip_status=True)
        self.assertEqual(msg, {"type": "pong"})


class TestErrors(ProtocolCase):

    async def test_bad_json_keeps_connection(self):
        ws = await self.client(self.daemon)
        await self.expect_error(ws, '{"op":"ping"')
        await self.assertPong(ws)

    async def test_not_a_request(self):
        ws = await self.client(self.daemon)
        cases = ['{"op":"frobnicate"}', '{"op":42}', '{}', '[]',
                 '"ping"', 'null', '{"op":"PING"}', '',
                 '{"op":"ping"} trailing']
        for text in cases:
            with self.subTest(text=text):
                await self.expect_error(ws, text)
        await self.assertPong(ws)

    async def test_subscribe_wrong_types(self):
        ws = await self.client(self.daemon)
        cases = [
                {"op": "subscribe", "symbols": "BTC"},
                {"op": "subscribe", "symbols": "BTC-USDT"},
                {"op": "subscribe", "symbols": [1]},
                {"op": "subscribe", "symbols": ["BTCUSDT"]},
                {"op": "subscribe", "exchanges": "binance"},
                {"op": "subscribe", "types": "trade"},
                {"op": "subscribe", "types": ["candles"]},
                {"op": "subscribe", "symbol": ["BTC-USDT"]},
        ]
        for req in cases:
            with self.subTest(req=req):
                await self.expect_error(ws, req)
        await self.assertPong(ws)

    async def test_failed_subscribe_keeps_filter(self):
        ws = await self.client(self.daemon)
        await self.subscribe(ws, symbols=["ETH-USDT"])
        await self.expect_error(ws, {"op": "subscribe", "symbols": "BTC"})
        await self.mock.send(BTC_TRADE, ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual((t["symbol"], t["trade_id"]),
                         ("ETH-USDT", "705291099"))


class TestQuery(ProtocolCase):

    async def test_bad_query_filter_refused(self):
        # A filter in the URL that cannot be honoured is not silently
        # widened to "everything": the connection is refused or closed
        # with a policy code, or an error is sent.  Other clients and
        # new connections are unaffected.
        bystander = await self.client(self.daemon)
        for q in ("?symbols=btcusd", "?types=candles", "?symbols="):
            with self.subTest(query=q):
                try:
                    ws = await self.client(self.daemon, q)
                    msg = await h.recv_json(ws, skip_status=True)
                except websockets.InvalidStatusCode as e:
                    self.assertEqual(e.status_code // 100, 4, e)
                except websockets.ConnectionClosed as e:
                    self.assertIsNotNone(e.rcvd, e)
                    self.assertIn(e.rcvd.code, (1008, 1003, 1002),
                                  e)
                else:
                    self.assertEqual(msg.get("type"), "error", msg)
                await self.assertPong(bystander)

    async def test_bad_query_reason_says_why(self):
        ws = await self.client(self.daemon, "?symbols=btcusd")
        with self.assertRaises(websockets.ConnectionClosed) as cm:
            await h.recv_json(ws, skip_status=True)
        self.assertEqual(cm.exception.rcvd.code, 1008)
        self.assertIn('"btcusd" is not BASE-QUOTE', cm.exception.rcvd.reason)

    async def test_bad_resume_and_latency_keys_refused(self):
        # since, epoch and max_delay_ms: 1008 with a reason that names
        # the key; nothing else is sent first, not even the hello.
        epoch = (await self.client(self.daemon)).tk_hello["epoch"]
        cases = [("?since=abc&epoch=" + epoch, "since"),
                 ("?since=-1&epoch=" + epoch, "since"),
                 ("?since=&epoch=" + epoch, "since"),
                 ("?since=1%2B1&epoch=" + epoch, "since"),
                 ("?since=123456789012345678901&epoch=" + epoch, "since"),
                 ("?since=5", "epoch"),
                 ("?epoch=" + epoch, "since"),
                 ("?since=1&epoch=", "epoch"),
                 ("?since=1&epoch=a%20b", "epoch"),
                 ("?since=1&epoch=" + "e" * 80, "epoch"),
                 # this run's epoch and a seq it never published
                 ("?since=999999&epoch=" + epoch, "past the last seq"),
                 ("?max_delay_ms=abc", "max_delay_ms"),
                 ("?max_delay_ms=-1", "max_delay_ms"),
                 ("?max_delay_ms=1001", "max_delay_ms"),
                 ("?max_delay_ms=", "max_delay_ms"),
                 ("?max_delay_ms=0.5", "max_delay_ms")]
        for query, says in cases:
            with self.subTest(query=query):
                ws = await self.client(self.daemon, query, hello=False)
                with self.assertRaises(websockets.ConnectionClosed) as cm:
                    await h.recv_raw(ws)
                self.assertEqual(cm.exception.rcvd.code, 1008)
                self.assertIn(says, cm.exception.rcvd.reason)
        # good values are let in
        for query in ("?since=0&epoch=" + epoch, "?max_delay_ms=0",
                      "?max_delay_ms=1000&symbols=BTC-USDT"):
            with self.subTest(query=query):
                ws = await self.client(self.daemon, query)
                self.assertIsNotNone(ws.tk_hello)
                await self.assertPong(ws)

    async def test_query_too_long_says_so(self):
        # 4.8 KB of symbols: more than a query value may hold.  Closed
        # with the length, not served everything.
        value = ",".join(["BTC-USDT"] * 534)
        ws = await self.client(self.daemon, "?symbols=" + value)
        with self.assertRaises(websockets.ConnectionClosed) as cm:
            await h.recv_json(ws, skip_status=True)
        self.assertEqual(cm.exception.rcvd.code, 1008)
        self.assertEqual(cm.exception.rcvd.reason,
                         "query argument too long: symbols: %d bytes, more "
                         "than 4095 in a query (use a subscribe message)" %
                         len(value))

    async def test_long_argument_hides_no_other(self):
        # A value longer than some buffer of the daemon used to hide
        # every argument after it: types=quote was dropped here, and
        # trades came through.
        symbols = ",".join(["BTC-USDT", "ETH-USDT"] * 20)
        ws = await self.client(self.daemon,
                               "?symbols=%s&types=quote" % symbols)
        await h.roundtrip_ping(ws)
        await self.mock.send(BTC_TRADE, BTC_QUOTE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual((t["type"], t["symbol"]), ("quote", "BTC-USDT"))

    async def test_long_argument_keeps_batch(self):
        symbols = ",".join(["BTC-USDT", "ETH-USDT"] * 20)
        ws = await self.client(self.daemon, "?symbols=%s&batch=1" % symbols)
        await h.roundtrip_ping(ws)
        await self.mock.send(BTC_TRADE)
        while True:
            msg = h.loads_strict(await h.recv_raw(ws))
            if not (isinstance(msg, dict) and msg.get("type") == "status"):
                break
        self.assertIsInstance(msg, list, msg)
        self.assertEqual(msg[0]["symbol"], "BTC-USDT")


class TestSubscribe(ProtocolCase):

    async def test_echo(self):
        ws = await self.client(self.daemon)
        msg = await self.subscribe(ws, symbols=["BTC-USDT", "ETH-USDT"],
                                   exchanges=["binance"], types=["quote"])
        self.assertEqual(msg, {"type": "subscribed",
                               "symbols": ["BTC-USDT", "ETH-USDT"],
                               "exchanges": ["binance"],
                               "types": ["quote"]})
        self.assertEqual(list(msg), ["type", "symbols", "exchanges",
                                     "types"])

    async def test_echo_omitted_means_everything(self):
        ws = await self.client(self.daemon, "?symbols=BTC-USDT")
        msg = await self.subscribe(ws, exchanges=["binance"])
        self.assertEqual(msg, {"type": "subscribed", "symbols": None,
                               "exchanges": ["binance"], "types": None})

    async def test_echo_all_types(self):
        # Both types is everything: null, or the two names.
        ws = await self.client(self.daemon)
        msg = await self.subscribe(ws, types=["trade", "quote"])
        self.assertIn(msg["types"], (None, ["trade", "quote"],
                                     ["quote", "trade"]), msg)
        self.assertIsNone(msg["symbols"])

    async def test_resubscribe_replaces(self):
        ws = await self.client(self.daemon)
        await self.subscribe(ws, symbols=["BTC-USDT"])
        await self.subscribe(ws, symbols=["ETH-USDT"])
        await self.mock.send(BTC_TRADE, ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual(t["symbol"], "ETH-USDT")


class TestLimits(ProtocolCase):

    @staticmethod
    def big_subscribe(nsymbols):
        # Valid in every way but size: distinct BASE-QUOTE symbols
        # (each part at most 15 characters).
        syms = ["S%04dXXXXXXXXX-USDT" % i for i in range(nsymbols)]
        return {"op": "subscribe", "symbols": syms}

    async def test_under_limit_accepted(self):
        req = self.big_subscribe(100)
        self.assertLess(len(json.dumps(req)), MAX_MESSAGE)
        ws = await self.client(self.daemon)
        msg = await self.subscribe(ws, symbols=req["symbols"])
        self.assertEqual(msg["symbols"], req["symbols"])

    async def test_over_limit(self):
        bystander = await self.client(self.daemon)
        for n in (200, 3000):
            req = self.big_subscribe(n)
            text = json.dumps(req)
            self.assertGreater(len(text), MAX_MESSAGE)
            with self.subTest(size=len(text)):
                ws = await self.client(self.daemon)
                await ws.send(text)
                # Either an error (and the connection stays), or a
                # close with 1009 Message Too Big.
                try:
                    msg = await h.recv_json(ws, skip_status=True)
                except websockets.ConnectionClosed as e:
                    self.assertEqual(e.rcvd.code if e.rcvd else None,
                                     1009, e)
                else:
                    self.assertEqual(msg.get("type"), "error", msg)
                    await self.assertPong(ws)
                # The daemon and its other clients carry on.
                await self.assertPong(bystander)
                fresh = await self.client(self.daemon)
                await self.assertPong(fresh)
        self.assertTrue(self.daemon.running())


if __name__ == "__main__":
    unittest.main()
