# SPDX-License-Identifier: MIT
"""Every exchange adapter end to end: a mock exchange speaking that
exchange's protocol (tkharness.MockCoinbase ... MockGateio) on 127.0.0.1,
the real tickerd, a real client.

Per adapter: the subscribe messages tickerd sends; every fixture frame with
a golden file replayed, the client seeing exactly the golden ticks; bad
frames counted in /metrics; reconnect after a drop; staleness while the
exchange sends only heartbeats and pongs; keep-alive replies that are not
data.  Bitstamp and Gate.io: the application ping at its interval.
Bitstamp and OKX: make-before-break rotation on the exchange's
disconnect notice.  OKX: HTTP 429 on the upgrade.  Binance (which
test_binance.py and test_upstream.py cover otherwise): the golden replay
and the parse-error counter.

The expected subscribe messages are written by hand from each exchange's
protocol (tests/fixtures/<exchange>/PROVENANCE.md), the expected ticks are
the hand-written golden files (tests/fixtures/<exchange>/expected/).
"""

import asyncio
import time
import unittest

import tkharness as h


class AdapterTests(h.TkTestCase):
    """The scenarios every adapter goes through.  A subclass per adapter
    sets the class attributes below."""

    ADAPTER = None
    # Configured symbols: every symbol the golden ticks name.
    SYMBOLS = []
    # What tickerd must send after connecting, parsed, in order: for
    # SYMBOLS with both channels, and with "channels": ["trade"].
    SUBSCRIBE = []
    SUBSCRIBE_TRADE_ONLY = []
    # A trade frame for a configured symbol, with one trade.
    TRADE = None
    # (old, new): a text replacement in TRADE that makes its price bad.
    BAD_PRICE = None
    # Drop connections by aborting TCP (else: a close frame 1001).
    DROP_ABRUPT = True
    # The keep-alive message tickerd sends (the adapter's ping_message),
    # None if it relies on WebSocket pings, and more fixture frames the
    # exchange sends on a live link besides data (other pong and
    # heartbeat shapes, status).
    PING_MESSAGE = None
    CONTROL_FIXTURES = []

    # ---- helpers

    async def start(self, wait_all=True, **keys):
        """The mock, and tickerd with one exchange on it; waits until
        every subscribe message arrived (they are sent spaced out), or
        only the first one."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock(self.ADAPTER)
        self.port = h.free_port()
        conf = h.daemon_config(self.port, [
                h.exchange_entry(self.mock, self.SYMBOLS, **keys)])
        self.daemon = await self.start_daemon(conf, self.tmp)
        want = self.SUBSCRIBE_TRADE_ONLY if keys.get("channels") == \
                ["trade"] else self.SUBSCRIBE
        self.up = await self.mock.wait_subscribed(
                1, count=len(want) if wait_all else 1)
        return self.up

    async def ready_client(self, query=""):
        """A client known to be registered (its ping was answered)."""
        ws = await self.client(self.daemon, query)
        await h.roundtrip_ping(ws)
        return ws

    def trade(self):
        return self.mock.fixture(self.TRADE)

    def trade_golden(self):
        return h.Golden(self.ADAPTER, self.TRADE).ticks

    async def metric(self, name):
        return await h.metric(self.daemon, name, exchange=self.ADAPTER)

    async def expect_trade(self, ws):
        """Sends TRADE (with a fresh id if it was sent before) and checks
        that its ticks are the next and last ones the client sees."""
        await self.mock.send(self.trade())
        expected = self.trade_golden()
        ticks = await h.recv_ticks(ws, len(expected))
        for t, e in zip(ticks, expected):
            self.assertGoldenTick(t, e, self.mock)
        self.assertEqual(await h.roundtrip_ping(ws), [], "after TRADE")
        return ticks

    def subscribe_view(self, msg):
        """A subscribe message as the expectations state it.  Exchanges
        that stamp requests with the time (Gate) check the stamp here and
        leave it out, so that SUBSCRIBE and two connections compare."""
        return msg

    def assertSubscribes(self, conn, expected):
        """@conn received exactly the @expected messages, nothing else."""
        got = [self.subscribe_view(h.loads_strict(m))
               for m in conn.received]
        self.assertEqual(got, expected)

    def assertSameSubscribes(self, second, first):
        """@second was sent the subscriptions @first was."""
        self.assertEqual([self.subscribe_view(m) for m in second.subscribes],
                         [self.subscribe_view(m) for m in first.subscribes])

    # ---- (a) subscribing

    async def test_upgrade_path(self):
        """tickerd asks for the configured URL's path, which is the real
        endpoint's (PATH); Coinbase's and Bitstamp's default URLs have no
        path at all, which means "/"."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock(self.ADAPTER)
        bare = "ws://127.0.0.1:%d%s" % (
                self.mock.port, "" if self.mock.PATH == "/" else
                self.mock.PATH)
        self.assertTrue(self.mock.url.endswith(self.mock.PATH))
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mock, self.SYMBOLS, url=bare),
                h.exchange_entry(self.mock, self.SYMBOLS,
                                 name=self.ADAPTER + "-2")])
        self.daemon = await self.start_daemon(conf, self.tmp)
        await self.mock.wait_connections(2)
        self.assertEqual([c.path for c in self.mock.connections],
                         [self.mock.PATH] * 2)

    async def test_subscribe_messages(self):
        conn = await self.start()
        # Coinbase disconnects a client that does not subscribe within
        # 5 s; nobody should be that slow.
        self.assertLess(conn.times[0] - conn.opened_at, 5.0)
        # Give tickerd time to send anything else it meant to (it spaces
        # its messages 250 ms apart): nothing but the subscriptions.
        await self.ready_client()
        await asyncio.sleep(0.6)
        self.assertSubscribes(conn, self.SUBSCRIBE)
        self.assertEqual(len(conn.subscribes), len(self.SUBSCRIBE))

    async def test_subscribe_trade_channel_only(self):
        conn = await self.start(channels=["trade"])
        await self.ready_client()
        await asyncio.sleep(0.6)
        self.assertSubscribes(conn, self.SUBSCRIBE_TRADE_ONLY)

    # ---- (b) frames

    async def test_golden_replay(self):
        """Every fixture frame with a golden file, in name order (but the
        disconnect notices, which start a rotation), then TRADE: the
        client sees exactly the golden ticks, in order, then TRADE's."""
        await self.start()
        ws = await self.ready_client()
        frames = [(text, g) for text, g in h.goldens(self.ADAPTER)
                  if g.kind != "RECONNECT"]
        self.assertTrue(any(g.ticks for _, g in frames))
        expected = [(t, g.frame) for _, g in frames for t in g.ticks]
        expected += [(t, self.TRADE) for t in self.trade_golden()]
        await self.mock.send(*[text for text, _ in frames])
        await self.mock.send(self.trade())
        ticks = await h.recv_ticks(ws, len(expected))
        for got, (want, frame) in zip(ticks, expected):
            with self.subTest(frame=frame):
                self.assertGoldenTick(got, want, self.mock)
        self.assertEqual(await h.roundtrip_ping(ws), [], "after TRADE")
        seqs = [t["seq"] for t in ticks]
        self.assertEqual(seqs, sorted(set(seqs)), "seq not increasing")
        # Exchange errors reach the clients in the exchange's own words.
        details = [s.get("detail") for s in ws.tk_statuses]
        for _, g in frames:
            if g.kind == "EXCHANGE_ERROR":
                self.assertIn(g.detail, details, g.frame)
        # Nothing above was malformed or a reason to reconnect; frames
        # for symbols nobody configured were counted.
        self.assertEqual(await self.metric("tickerd_parse_errors_total"), 0)
        self.assertEqual(
                await self.metric("tickerd_unknown_symbol_total"),
                sum(g.unknown for _, g in frames))
        self.assertEqual(len(self.mock.connections), 1)

    async def test_malformed_frames_counted(self):
        await self.start()
        ws = await self.ready_client()
        before = await self.metric("tickerd_parse_errors_total")
        trade = self.trade()
        old, new = self.BAD_PRICE
        self.assertEqual(trade.count(old), 1, self.BAD_PRICE)
        bad = ["this is not JSON",
               trade[:len(trade) // 2],  # cut short
               self.mock.with_trade_ids(trade.replace(old, new),
                                        *["424242"] *
                                        len(self.mock._trade_ids(trade)))]
        await self.mock.send(*bad)
        # No tick from them: the next one is TRADE's.
        await self.expect_trade(ws)
        after = await self.metric("tickerd_parse_errors_total")
        self.assertEqual(after - before, len(bad))
        # None of them is a reason to drop the connection.
        self.assertEqual(len(self.mock.connections), 1)
        self.assertTrue(self.daemon.running())

    # ---- (c) reconnect

    async def test_reconnect_after_drop(self):
        first = await self.start()
        ws = await self.ready_client()
        (t,) = await self.expect_trade(ws)
        t0 = time.monotonic()
        n_status = len(ws.tk_statuses)
        await self.mock.drop(abrupt=self.DROP_ABRUPT)
        st = await h.recv_status(ws, "reconnecting", after=n_status)
        self.assertEqual(st["exchange"], self.ADAPTER)
        second = await self.mock.wait_subscribed(
                2, timeout=5, count=len(self.SUBSCRIBE))
        self.assertLess(time.monotonic() - t0, 3.0,
                        "the first retry should come within about 1 s")
        await h.recv_status(ws, "connected",
                            after=ws.tk_statuses.index(st) + 1)
        # The same subscriptions again, and ticks flow.
        await asyncio.sleep(0.3)
        self.assertSameSubscribes(second, first)
        (t2,) = await self.expect_trade(ws)
        self.assertGreater(t2["seq"], t["seq"])
        self.assertEqual(len(self.mock.open_connections()), 1)
        self.assertEqual(await self.metric("tickerd_reconnects_total"), 1)

    # ---- (d) staleness

    async def test_silent_exchange_goes_stale(self):
        """The exchange keeps the link alive (WebSocket and app-level
        pings answered, heartbeats or pongs sent) but sends no data:
        "stale" and a new connection within stale_s + 1 s."""
        first = await self.start(wait_all=False, stale_s=1)
        t0 = first.times[0]  # its first subscribe: after the upgrade
        sent = []  # when each keep-alive frame went out

        async def keepalive():
            while first.open:
                for text in self.mock.keepalive_frames():
                    try:
                        await first.ws.send(text)
                        sent.append(time.monotonic())
                    except h.websockets.ConnectionClosed:
                        return
                await asyncio.sleep(0.1)

        task = asyncio.ensure_future(keepalive())
        self.addCleanup(task.cancel)
        ws = await self.ready_client()
        st = await h.recv_status(ws, "stale", timeout=4,
                                 exchange=self.ADAPTER)
        t_stale = time.monotonic()
        second = await self.mock.wait_subscribed(2, timeout=4)
        self.assertGreater(t_stale - t0, 0.9, "stale before stale_s")
        self.assertLess(second.times[0] - t0, 1 + 1,
                        "reconnected %.2f s after subscribing" %
                        (second.times[0] - t0))
        self.assertIsInstance(st["detail"], str)
        await self.mock.wait_closed(first)
        if self.mock.keepalive_frames():
            self.assertGreaterEqual(len([t for t in sent if t < t_stale]),
                                    3, "keep-alive frames sent")
        await self.mock.wait_subscribed(2, count=len(self.SUBSCRIBE))
        await self.expect_trade(ws)

    # ---- (g) keep-alive replies

    async def test_keepalive_replies_are_not_data(self):
        """What the exchange answers to tickerd's keep-alive (and its
        other pong and heartbeat shapes) is neither a tick nor an
        error."""
        await self.start()
        ws = await self.ready_client()
        frames = list(self.mock.keepalive_frames())
        if self.PING_MESSAGE is not None:
            req = None if self.PING_MESSAGE == "ping" else \
                    h.loads_strict(self.PING_MESSAGE)
            pong = self.mock.ping_reply(self.PING_MESSAGE, req)
            self.assertIsNotNone(pong, "the mock answers tickerd's ping")
            frames.append(pong)
        frames += [self.mock.fixture(f) for f in self.CONTROL_FIXTURES]
        self.assertTrue(frames)
        n_status = len(ws.tk_statuses)
        before = await self.metric("tickerd_parse_errors_total")
        await self.mock.send(*frames)
        await self.expect_trade(ws)
        self.assertEqual(await self.metric("tickerd_parse_errors_total"),
                         before)
        self.assertEqual(ws.tk_statuses[n_status:], [])
        self.assertEqual(len(self.mock.connections), 1)

    # ---- (h) application pings, for the exchanges that want them

    async def check_app_ping(self, every):
        """tickerd's application ping (PING_MESSAGE) @every s after
        connecting, answered by the mock with a reply that is neither a
        tick, an error nor a status; the stream goes on."""
        conn = await self.start()
        ws = await self.ready_client()
        n_status = len(ws.tk_statuses)
        await self.mock._wait_for(lambda: conn.pings, every + 2, "a ping")
        after = conn.times[conn.received.index(conn.pings[0])] - \
                conn.opened_at
        self.assertGreater(after, every - 0.5)
        self.assertLess(after, every + 1.5)
        self.assertEqual(h.loads_strict(conn.pings[0]),
                         h.loads_strict(self.PING_MESSAGE))
        await self.expect_trade(ws)
        self.assertEqual(await self.metric("tickerd_parse_errors_total"), 0)
        self.assertEqual(ws.tk_statuses[n_status:], [])
        self.assertEqual(len(self.mock.connections), 1)

    # ---- (e) rotation, for the exchanges that announce disconnects

    async def check_rotation(self):
        first = await self.start()
        ws = await self.ready_client()
        base = 880000000

        def trade(i):
            return self.mock.with_trade_ids(self.trade(), base + i)

        async def ids(n):
            return [int(t["trade_id"]) - base
                    for t in await h.recv_ticks(ws, n)]

        await self.mock.send_raw(first, trade(1))
        self.assertEqual(await ids(1), [1])
        n_status = len(ws.tk_statuses)
        # The exchange announces the disconnect: tickerd opens a second
        # connection and subscribes while the first keeps serving.
        await self.mock.announce_disconnect(first)
        second = await self.mock.wait_subscribed(
                2, count=len(self.SUBSCRIBE))
        self.assertTrue(first.open, "the old connection was dropped early")
        # Overlap: both deliver trades 2 and 3, the new one goes on.
        await self.mock.send_raw(first, trade(2), trade(3))
        await self.mock.send_raw(second, trade(2), trade(3), trade(4))
        # tickerd switches over and closes the old connection.
        await self.mock.wait_closed(first)
        await self.mock.send_raw(second, trade(5))
        self.assertEqual(await ids(4), [2, 3, 4, 5])
        # No duplicate comes late; nothing was lost.
        await self.mock.send_raw(second, trade(6))
        self.assertEqual(await ids(1), [6])
        self.assertSameSubscribes(second, first)
        # Clients never saw the exchange go away.
        states = [s["state"] for s in ws.tk_statuses[n_status:]]
        self.assertNotIn("reconnecting", states, ws.tk_statuses)
        self.assertNotIn("stale", states, ws.tk_statuses)
        self.assertEqual(len(self.mock.connections), 2)
        self.assertEqual(await self.metric("tickerd_rotations_total"), 1)
        self.assertEqual(
                await self.metric("tickerd_duplicate_trades_total"), 2)
        self.assertEqual(await self.metric("tickerd_reconnects_total"), 0)

    # ---- (f) throttling

    async def check_throttled_backoff(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock(self.ADAPTER)
        self.mock.reject_status = 429
        self.port = h.free_port()
        conf = h.daemon_config(self.port, [
                h.exchange_entry(self.mock, self.SYMBOLS)])
        self.daemon = await self.start_daemon(conf, self.tmp)
        ws = await self.client(self.daemon)
        deadline = time.monotonic() + 12
        while len(self.mock.attempts) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        t = self.mock.attempts
        self.assertGreaterEqual(len(t), 3, "attempts: %s" % t)
        gaps = [b - a for a, b in zip(t, t[1:3])]
        # At least 1 s, then longer (at least 2 s).
        self.assertGreaterEqual(gaps[0], 0.95, gaps)
        self.assertGreater(gaps[1], gaps[0], gaps)
        self.assertGreaterEqual(gaps[1], 1.9, gaps)
        # The first "reconnecting" may be the initial "connecting" one.
        after = 0
        while True:
            st = await h.recv_status(ws, "reconnecting", after=after,
                                     exchange=self.ADAPTER)
            if "HTTP" in st["detail"]:
                break
            after = ws.tk_statuses.index(st) + 1
        self.assertIn("429", st["detail"])
        self.assertGreaterEqual(
                await self.metric("tickerd_throttled_total"), 2)
        self.assertEqual(self.mock.connections, [])


class TestCoinbase(AdapterTests):
    ADAPTER = "coinbase"
    SYMBOLS = ["BTC-USD", "BAND-GBP", "SKL-BTC", "SKL-USD", "SKL-GBP"]
    SUBSCRIBE = [{"type": "subscribe", "product_ids": SYMBOLS,
                  "channels": ["matches", "ticker"]}]
    SUBSCRIBE_TRADE_ONLY = [{"type": "subscribe", "product_ids": SYMBOLS,
                             "channels": ["matches"]}]
    TRADE = "match.json"
    BAD_PRICE = ('"price":"0.00001305"', '"price":"0.0000x305"')



class TestKraken(AdapterTests):
    ADAPTER = "kraken"
    SYMBOLS = ["MATIC-USD", "ALGO-USD"]
    # Trades without the snapshot (it replays the last 50 trades); the
    # ticker on every best bid/offer change, with its snapshot (the book
    # top now).
    SUBSCRIBE = [
        {"method": "subscribe",
         "params": {"channel": "trade", "symbol": ["MATIC/USD", "ALGO/USD"],
                    "snapshot": False},
         "req_id": 1},
        {"method": "subscribe",
         "params": {"channel": "ticker",
                    "symbol": ["MATIC/USD", "ALGO/USD"],
                    "event_trigger": "bbo", "snapshot": True},
         "req_id": 2},
    ]
    SUBSCRIBE_TRADE_ONLY = SUBSCRIBE[:1]
    TRADE = "trade.json"
    BAD_PRICE = ('"price":0.5117', '"price":"0.5117"')
    DROP_ABRUPT = False
    CONTROL_FIXTURES = ["pong.json", "status.json"]


class TestBitstamp(AdapterTests):
    ADAPTER = "bitstamp"
    SYMBOLS = ["BTC-USD", "ETH-USD"]
    SUBSCRIBE = [{"event": "bts:subscribe", "data": {"channel": ch}}
                 for ch in ("live_trades_btcusd", "order_book_btcusd",
                            "live_trades_ethusd", "order_book_ethusd")]
    SUBSCRIBE_TRADE_ONLY = [SUBSCRIBE[0], SUBSCRIBE[2]]
    TRADE = "trade.json"
    BAD_PRICE = ('"price_str":"3805.44"', '"price_str":"38x5.44"')
    PING_MESSAGE = '{"event":"bts:heartbeat"}'


    async def test_request_reconnect_rotates(self):
        await self.check_rotation()

    async def test_heartbeat_every_10_s(self):
        """An app-level keep-alive short enough for a test (OKX's and
        Bybit's come every 20 s): {"event":"bts:heartbeat"} 10 s after
        connecting, answered by the mock, and the stream goes on."""
        await self.check_app_ping(10)


class TestOKX(AdapterTests):
    ADAPTER = "okx"
    # Swaps too: their goldens need the mock's instruments list, asked
    # for before every connect (MockOKX.rest).
    SYMBOLS = ["BTC-USDT", "ETH-USDT", "BTC-USDT-PERP", "BTC-USD-PERP",
               "UNI-USD-PERP"]
    # Swaps quote on bbo-tbt (tick by tick), spot on tickers.
    SUBSCRIBE = [{"op": "subscribe", "args": [
        {"channel": c, "instId": i}
        for i in ["BTC-USDT", "ETH-USDT", "BTC-USDT-SWAP", "BTC-USD-SWAP",
                  "UNI-USD-SWAP"]
        for c in ["trades", "bbo-tbt" if i.endswith("-SWAP") else
                  "tickers"]]}]
    SUBSCRIBE_TRADE_ONLY = [{"op": "subscribe", "args": [
        {"channel": "trades", "instId": i}
        for i in ["BTC-USDT", "ETH-USDT", "BTC-USDT-SWAP", "BTC-USD-SWAP",
                  "UNI-USD-SWAP"]]}]
    TRADE = "trade.json"
    BAD_PRICE = ('"px":"30236"', '"px":"30x36"')
    DROP_ABRUPT = False
    PING_MESSAGE = "ping"

    async def test_notice_64008_rotates(self):
        await self.check_rotation()

    async def test_http_429_backoff_grows(self):
        await self.check_throttled_backoff()


class TestBybit(AdapterTests):
    ADAPTER = "bybit"
    SYMBOLS = ["BTC-USDT", "ETH-USDT"]
    SUBSCRIBE = [{"op": "subscribe", "args": [
        "publicTrade.BTCUSDT", "orderbook.1.BTCUSDT",
        "publicTrade.ETHUSDT", "orderbook.1.ETHUSDT"], "req_id": "1"}]
    SUBSCRIBE_TRADE_ONLY = [{"op": "subscribe", "args": [
        "publicTrade.BTCUSDT", "publicTrade.ETHUSDT"], "req_id": "1"}]
    TRADE = "trade_2_spot.json"
    BAD_PRICE = ('"p":"3.6279"', '"p":"3.6x79"')
    PING_MESSAGE = '{"op":"ping"}'
    CONTROL_FIXTURES = ["pong_linear.json", "pong_option.json",
                        "pong_2.json"]


class TestGateio(AdapterTests):
    ADAPTER = "gateio"
    SYMBOLS = ["BTC-USDT", "DIS-USDT", "GT-USDT", "NEO-BTC"]
    PAIRS = ["BTC_USDT", "DIS_USDT", "GT_USDT", "NEO_BTC"]
    # One request per channel, all pairs in it; its "time" stamp is
    # checked by subscribe_view.
    SUBSCRIBE = [
        {"channel": "spot.trades", "event": "subscribe", "payload": PAIRS},
        {"channel": "spot.book_ticker", "event": "subscribe",
         "payload": PAIRS},
    ]
    SUBSCRIBE_TRADE_ONLY = SUBSCRIBE[:1]
    TRADE = "spot_trades_3_btc_usdt.json"
    BAD_PRICE = ('"price":"47395.009"', '"price":"47x95.009"')
    PING_MESSAGE = '{"channel":"spot.ping"}'
    CONTROL_FIXTURES = ["subscribe_ack_trades.json",
                        "subscribe_ack_docs_example.json"]

    def subscribe_view(self, msg):
        """Gate wants "time", the Unix time in s as a JSON integer, within
        60 s of its own clock."""
        msg = dict(msg)
        stamp = msg.pop("time", None)
        self.assertIs(type(stamp), int, "time: %r" % (stamp,))
        self.assertLess(abs(stamp - time.time()), 60)
        return msg

    async def test_spot_ping_every_10_s(self):
        """{"channel":"spot.ping"} every 10 s (Gate's demo client's
        interval); the spot.pong reply is a control frame."""
        await self.check_app_ping(10)


class TestBitfinex(AdapterTests):
    ADAPTER = "bitfinex"
    # Every symbol of the prelude's channel ids.
    SYMBOLS = ["BFT-USD", "BTC-USD", "BTC-USDT", "TESTBTC-TESTUSD"]

    @staticmethod
    def subscribes(symbols):
        """The trades, then the one-level book, of each native symbol."""
        out = []
        for s in symbols:
            out.append({"event": "subscribe", "channel": "trades",
                        "symbol": s})
            out.append({"event": "subscribe", "channel": "book",
                        "symbol": s, "prec": "P0", "freq": "F0",
                        "len": "1"})
        return out

    SUBSCRIBE = subscribes.__func__(
            ["tBFTUSD", "tBTCUSD", "tBTCUST", "tTESTBTC:TESTUSD"])
    SUBSCRIBE_TRADE_ONLY = SUBSCRIBE[::2]
    TRADE = "trade_te.json"
    BAD_PRICE = (',102570]', ',"102570"]')
    CONTROL_FIXTURES = ["info.json", "info_maintenance.json",
                        "conf_ack.json"]

    async def test_silent_exchange_goes_stale(self):
        """The shared case with one symbol: eight subscribe messages,
        250 ms apart, take longer than its stale_s of 1 s, so a new
        connection would go stale before it had subscribed to
        everything."""
        self.SYMBOLS = ["BTC-USD"]
        self.SUBSCRIBE = self.subscribes(["tBTCUSD"])
        await super().test_silent_exchange_goes_stale()

    async def start_book(self):
        """The mock with the capture's book of TESTBTC-TESTUSD (sent after
        the ack, on every connection), tickerd on it, a client."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock(self.ADAPTER)
        self.mock.books["tTESTBTC:TESTUSD"] = \
            self.mock.fixture("book_snapshot.json")
        conf = h.daemon_config(h.free_port(), [
                h.exchange_entry(self.mock, ["TESTBTC-TESTUSD"])])
        self.daemon = await self.start_daemon(conf, self.tmp)
        # Registered well before the book's subscribe message, which
        # goes out 250 ms after the trades'.  The exchange's ticks only
        # (an exchange list: no bbo).
        return await self.ready_client("?exchanges=bitfinex")

    def assertQuote(self, tick, bid, bid_size, ask, ask_size):
        self.assertEqual(tick["type"], "quote")
        self.assertEqual(tick["symbol"], "TESTBTC-TESTUSD")
        self.assertEqual([tick["bid"], tick["bid_size"], tick["ask"],
                          tick["ask_size"]], [bid, bid_size, ask, ask_size])

    async def test_book_top_is_the_quote(self):
        """Quotes come from the one-level book: the ack, its snapshot,
        then updates; the sizes are those of the best levels (never the
        ticker's sums); nothing while a side is removed and not yet
        replaced; a new connection starts the book over."""
        ws = await self.start_book()
        first = await self.mock.wait_subscribed(1, count=2)
        self.assertEqual(first.subscribes,
                         self.subscribes(["tTESTBTC:TESTUSD"]))
        (t,) = await h.recv_ticks(ws, 1)
        self.assertGoldenTick(
                t, h.Golden(self.ADAPTER, "book_snapshot.json").ticks[0],
                self.mock)
        self.assertQuote(t, "60400", "0.68826974", "60406", "0.68833961")
        # The best bid goes, the ask stays: no quote until a new bid.
        await self.mock.send(self.mock.fixture("book_delta_1_remove_bid.json"))
        self.assertEqual(await h.roundtrip_ping(ws), [])
        await self.mock.send(self.mock.fixture("book_delta_4_add_bid.json"))
        (t,) = await h.recv_ticks(ws, 1)
        self.assertQuote(t, "60398", "0.68798332", "60406", "0.68833961")
        # The same for the ask.
        await self.mock.send(
                self.mock.fixture("book_delta_3_remove_ask.json"))
        self.assertEqual(await h.roundtrip_ping(ws), [])
        await self.mock.send(self.mock.fixture("book_delta_2_add_ask.json"))
        (t,) = await h.recv_ticks(ws, 1)
        self.assertQuote(t, "60398", "0.68798332", "60404", "0.68798332")
        # Heartbeats are not data; the same level again is not news.
        await self.mock.send(self.mock.fixture("heartbeat.json"),
                             self.mock.fixture("book_delta_2_add_ask.json"))
        self.assertEqual(await h.roundtrip_ping(ws), [])
        # A removal, then that same level again: the side was unknown in
        # between, so its return is a quote.
        await self.mock.send(
                self.mock.fixture("book_delta_3_remove_ask.json"))
        self.assertEqual(await h.roundtrip_ping(ws), [])
        await self.mock.send(self.mock.fixture("book_delta_2_add_ask.json"))
        (t,) = await h.recv_ticks(ws, 1)
        self.assertQuote(t, "60398", "0.68798332", "60404", "0.68798332")
        # A new connection: ack, snapshot, the snapshot's quote again.
        await self.mock.drop()
        await self.mock.wait_subscribed(2, timeout=5, count=2)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertQuote(t, "60400", "0.68826974", "60406", "0.68833961")
        self.assertEqual(await self.metric("tickerd_parse_errors_total"), 0)

    async def test_info_20051_rotates(self):
        await self.check_rotation()

    async def test_tu_after_te_publishes_once(self):
        """Bitfinex sends every trade twice, "te" then "tu": one tick."""
        await self.start()
        ws = await self.ready_client()
        te = self.mock.with_trade_ids(self.trade(), 770001)
        tu = te.replace('"te"', '"tu"')
        await self.mock.send_raw(self.mock.connections[0], te, tu)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual(t["trade_id"], "770001")
        self.assertEqual(await h.roundtrip_ping(ws), [])
        self.assertEqual(
                await self.metric("tickerd_duplicate_trades_total"), 0)


class TestBinanceGoldens(AdapterTests):
    """Binance: only what test_binance.py and test_upstream.py lack."""
    ADAPTER = "binance"
    SYMBOLS = ["BTC-USDT", "ETH-USDT", "NKN-USDT", "OMG-BUSD", "BNB-BTC",
               "BNB-USDT"]
    SUBSCRIBE = [{"method": "SUBSCRIBE", "params": [
        "%s@%s" % (s.replace("-", "").lower(), ch)
        for s in SYMBOLS for ch in ("trade", "bookTicker")], "id": 1}]
    TRADE = "aggTrade_3.json"
    BAD_PRICE = ('"p":"58942.01000000"', '"p":"5x.1"')
    # Covered by test_binance.py / test_upstream.py.
    test_subscribe_messages = None
    test_subscribe_trade_channel_only = None
    test_reconnect_after_drop = None
    test_silent_exchange_goes_stale = None
    test_keepalive_replies_are_not_data = None


class PerpTests(AdapterTests):
    """What the perpetual venues add: every channel by default in these
    cases (funding too), and funding ticks for a client that asks for
    them alone."""

    CHANNELS = ["trade", "quote", "funding"]
    # A fixture frame that gives one funding tick.
    FUNDING = None

    async def start(self, wait_all=True, **keys):
        keys.setdefault("channels", self.CHANNELS)
        return await super().start(wait_all, **keys)

    async def test_funding_ticks_reach_a_funding_client(self):
        """A client with types=funding gets the funding tick, exactly the
        golden one, and neither the trade nor the quote around it."""
        await self.start()
        ws = await self.ready_client("?types=funding")
        everything = await self.ready_client()
        _, trade, quote = h.MOCKS[self.ADAPTER].SAMPLE
        await self.mock.send(self.mock.fixture(trade),
                             self.mock.fixture(self.FUNDING),
                             self.mock.fixture(quote))
        (want,) = h.Golden(self.ADAPTER, self.FUNDING).ticks
        (got,) = await h.recv_ticks(ws, 1)
        self.assertEqual(got["type"], "funding")
        self.assertGoldenTick(got, want, self.mock)
        self.assertEqual(await h.roundtrip_ping(ws), [])
        types = [t["type"] for t in await h.recv_ticks(everything, 3)]
        self.assertEqual(types, ["trade", "funding", "quote"])
        self.assertEqual(await self.metric("tickerd_parse_errors_total"), 0)


class TestDeribit(PerpTests):
    ADAPTER = "deribit"
    SYMBOLS = ["BTC-USD-PERP", "BTC-USD-20210326", "BTC-USD-20220930"]
    NATIVE = ["BTC-PERPETUAL", "BTC-26MAR21", "BTC-30SEP22"]
    # The heartbeat first, then one public/subscribe for every channel:
    # trades and ticker at Deribit's public 100 ms interval (raw needs an
    # authorised session); funding too, as in every PerpTests case.
    HEARTBEAT = {"jsonrpc": "2.0", "id": 1, "method": "public/set_heartbeat",
                 "params": {"interval": 30}}
    SUBSCRIBE = [HEARTBEAT, {
        "jsonrpc": "2.0", "method": "public/subscribe", "id": 2,
        "params": {"channels": [
            ch % n for n in NATIVE for ch in
            ("trades.%s.100ms", "quote.%s", "ticker.%s.100ms")]}}]
    SUBSCRIBE_TRADE_ONLY = [HEARTBEAT, {
        "jsonrpc": "2.0", "method": "public/subscribe", "id": 2,
        "params": {"channels": ["trades.%s.100ms" % n for n in NATIVE]}}]
    TRADE = "trades_2_btc_26mar21_raw.json"
    BAD_PRICE = ('"price":56273.5', '"price":"56273.5"')
    CONTROL_FIXTURES = ["subscribe_response.json"]
    FUNDING = "ticker_1_btc_perpetual_100ms.json"

    async def test_test_request_answered(self):
        """Deribit closes a connection that does not answer its
        heartbeat's test_request: tickerd sends public/test at once, and
        the stream goes on."""
        conn = await self.start()
        ws = await self.ready_client()
        n_status = len(ws.tk_statuses)
        await self.mock.send(self.mock.TEST_REQUEST)
        await self.mock._wait_for(lambda: conn.pings, 5, "public/test")
        self.assertEqual(h.loads_strict(conn.pings[0]),
                         {"jsonrpc": "2.0", "id": 0,
                          "method": "public/test", "params": {}})
        await self.mock.send(self.mock.TEST_REQUEST,
                             self.mock.TEST_REQUEST)
        await self.mock._wait_for(lambda: len(conn.pings) >= 2, 5,
                                  "public/test again")
        await self.expect_trade(ws)
        self.assertEqual(await self.metric("tickerd_parse_errors_total"), 0)
        self.assertEqual(ws.tk_statuses[n_status:], [])


class TestBinanceUsdm(PerpTests):
    ADAPTER = "binance_usdm"
    SYMBOLS = ["BTC-USDT-PERP", "SUSHI-USDT-PERP", "CTK-USDT-PERP",
               "BAL-USDT-PERP"]
    SUBSCRIBE = [{"method": "SUBSCRIBE", "params": [
        "%s@%s" % (s[:-len("-PERP")].replace("-", "").lower(), ch)
        for s in SYMBOLS
        for ch in ("aggTrade", "bookTicker", "markPrice@1s")], "id": 1}]
    SUBSCRIBE_TRADE_ONLY = [{"method": "SUBSCRIBE", "params": [
        "btcusdt@aggTrade", "sushiusdt@aggTrade", "ctkusdt@aggTrade",
        "balusdt@aggTrade"], "id": 1}]
    TRADE = "aggtrade_2_sushiusdt.json"
    FUNDING = "markprice_docs.json"
    BAD_PRICE = ('"p":"7.6120"', '"p":"7.6x20"')
    # No application-level keep-alive: WebSocket pings (answered by lws).
    CONTROL_FIXTURES = ["subscribe_response.json"]


class TestBybitLinear(PerpTests):
    ADAPTER = "bybit_linear"
    SYMBOLS = ["BTC-USDT-PERP", "ETH-USDT-PERP"]
    SUBSCRIBE = [{"op": "subscribe", "args": [
        "publicTrade.BTCUSDT", "orderbook.1.BTCUSDT", "tickers.BTCUSDT",
        "publicTrade.ETHUSDT", "orderbook.1.ETHUSDT", "tickers.ETHUSDT"],
        "req_id": "1"}]
    SUBSCRIBE_TRADE_ONLY = [{"op": "subscribe", "args": [
        "publicTrade.BTCUSDT", "publicTrade.ETHUSDT"], "req_id": "1"}]
    TRADE = "publictrade_1_btcusdt.json"
    FUNDING = "tickers_1_snapshot_btcusdt.json"
    BAD_PRICE = ('"p":"65114.20"', '"p":"65x14.20"')
    PING_MESSAGE = '{"op":"ping"}'
    CONTROL_FIXTURES = ["subscribe_ack.json", "subscribe_ack_docs.json"]
    # The ping case below waits 20 s for the first ping.
    TEST_TIMEOUT = 45.0

    async def test_ping_every_20_s(self):
        """{"op":"ping"} 20 s after connecting (Bybit's recommended
        interval; it cuts a connection idle for 10 minutes), answered by
        the linear pong, which is neither a tick nor an error."""
        await self.check_app_ping(20)

    async def test_subscribe_ten_topics_a_message(self):
        """Four symbols, three channels: twelve topics, sent as ten and
        two, with req_ids "1" and "2"."""
        self.SYMBOLS = ["BTC-USDT-PERP", "ETH-USDT-PERP", "SOL-USDT-PERP",
                        "DOGE-USDT-PERP"]
        self.SUBSCRIBE = [None, None]
        conn = await self.start()
        await asyncio.sleep(0.3)
        topics = ["%s%s" % (ch, s[:-len("-PERP")].replace("-", ""))
                  for s in self.SYMBOLS
                  for ch in ("publicTrade.", "orderbook.1.", "tickers.")]
        self.assertSubscribes(conn, [
            {"op": "subscribe", "args": topics[:10], "req_id": "1"},
            {"op": "subscribe", "args": topics[10:], "req_id": "2"}])

    async def test_tickers_deltas_merge_per_connection(self):
        """A tickers delta that names only the mark price gives a funding
        tick with the rest as the snapshot left it; on a new connection
        the state starts empty, so the same delta gives nothing."""
        await self.start()
        ws = await self.ready_client("?types=funding")
        delta = self.mock.fixture("tickers_0_delta_no_bidask_btcusdt.json")
        await self.mock.send(self.mock.fixture(self.FUNDING), delta)
        (snap, merged) = await h.recv_ticks(ws, 2)
        self.assertEqual(merged["mark_price"], "65117.43")
        for k in ("index_price", "rate", "next_funding_ts"):
            self.assertEqual(merged[k], snap[k], k)
        self.assertEqual(merged["ts"], 1786310818183000)
        await self.mock.drop()
        await self.mock.wait_subscribed(2, count=len(self.SUBSCRIBE))
        await asyncio.sleep(0.3)
        await self.mock.send(delta)
        self.assertEqual(await h.roundtrip_ping(ws), [])
        await self.mock.send(self.mock.fixture(self.FUNDING))
        (again,) = await h.recv_ticks(ws, 1)
        self.assertEqual(again["mark_price"], "65117.44")


class TestEveryExchangeHasCases(unittest.TestCase):
    def test_cases_for_every_exchange(self):
        """A subclass of AdapterTests per folder of tests/fixtures/."""
        cases = [c for c in AdapterTests.__subclasses__()
                 if c is not PerpTests] + PerpTests.__subclasses__()
        self.assertEqual(sorted(c.ADAPTER for c in cases), h.exchanges())


def load_tests(loader, tests, pattern):
    """The adapters' cases (every subclass of AdapterTests), not their
    shared base."""
    suite = unittest.TestSuite()
    cases = [c for c in AdapterTests.__subclasses__() if c is not PerpTests]
    for cls in cases + PerpTests.__subclasses__() + \
            [TestEveryExchangeHasCases]:
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite

class TestKucoin(AdapterTests):
    ADAPTER = "kucoin"
    SYMBOLS = ["DAPPT-BTC", "SNX-BTC", "BCHSV-USDT"]
    SUBSCRIBE = [
        {"type": "subscribe",
         "topic": "/market/match:DAPPT-BTC,SNX-BTC,BCHSV-USDT",
         "privateChannel": False, "response": True, "id": 1},
        {"type": "subscribe",
         "topic": "/market/ticker:DAPPT-BTC,SNX-BTC,BCHSV-USDT",
         "privateChannel": False, "response": True, "id": 2}]
    SUBSCRIBE_TRADE_ONLY = SUBSCRIBE[:1]
    TRADE = "match_1.json"
    BAD_PRICE = ('"price":"0.0000001117"', '"price":"0.00x0001117"')
    PING_MESSAGE = '{"id":"tickerd","type":"ping"}'

    async def test_upgrade_path(self):
        """The socket goes where the bullet answer says, with its token
        and an id of the attempt; the configured url is not used."""
        conn = await self.start(url="ws://127.0.0.1:1/unused")
        self.assertEqual(self.mock.rest.count("POST", self.mock.BULLET), 1)
        path, _, query = conn.path.partition("?")
        self.assertEqual(path, self.mock.PATH)
        token, conn_id = query.split("&")
        self.assertEqual(token, "token=" + self.mock.tokens[0])
        self.assertRegex(conn_id, r"^connectId=[0-9a-f]{16}$")


if __name__ == "__main__":
    unittest.main()
