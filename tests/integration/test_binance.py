# SPDX-License-Identifier: MIT
"""End to end: real Binance frames from a mock exchange -> tickerd -> clients.

Every expected value below was worked out by hand from the fixture frames
(SPEC "Ticks" and the Binance field map in
tests/fixtures/binance/PROVENANCE.md), not produced by running tickerd.
"""

import json
import os
import time
import unittest

import tkharness as h

# --- frames, as a raw /ws connection receives them (the payload of the
# combined-stream capture, byte for byte).

# aggTrade_3.json: real BTCUSDT aggTrade.
BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))
# trade.json: real ETHUSDT trade, m:true (the buyer is maker: taker sold).
ETH_TRADE = h.unwrap(h.fixture("trade.json"))
# aggTrade_5_extra_field.json: real ETHUSDT aggTrade with an unknown key "st".
ETH_TRADE2 = h.unwrap(h.fixture("aggTrade_5_extra_field.json"))
# edge_bookTicker_all_market_deprecated.json: a real BTCUSDT spot bookTicker
# (no T/E) from the old all-market stream; the payload is the same as on
# btcusdt@bookTicker.
BTC_QUOTE = h.unwrap(h.fixture("edge_bookTicker_all_market_deprecated.json"))
# The fixtures have no ETHUSDT spot bookTicker: DERIVED from the docs' BNBUSDT
# bookTicker (bookTicker_raw_docs.json) by changing only "s" to ETHUSDT.
ETH_QUOTE = h.with_symbol(h.fixture("bookTicker_raw_docs.json"),
                          "BNBUSDT", "ETHUSDT")
# Real frames for a symbol nobody configured (NKNUSDT).
NKN_TRADE = h.unwrap(h.fixture("aggTrade.json"))
NKN_QUOTE = h.unwrap(h.fixture("bookTicker.json"))

# --- the ticks they must become (without recv_ts and seq).
EX_BTC_TRADE = {"type": "trade", "exchange": "binance", "symbol": "BTC-USDT",
                "price": "58942.01", "size": "0.000356", "side": "buy",
                "trade_id": "640283266", "ts": 1616176861893000}
EX_ETH_TRADE = {"type": "trade", "exchange": "binance", "symbol": "ETH-USDT",
                "price": "4149.74", "size": "0.4387", "side": "sell",
                "trade_id": "705291099", "ts": 1639351062243000}
EX_ETH_TRADE2 = {"type": "trade", "exchange": "binance", "symbol": "ETH-USDT",
                 "price": "1632.46", "size": "0.34305", "side": "buy",
                 "trade_id": "226532", "ts": 1675759520847000}
# Spot bookTicker has no exchange time: ts is the receive time.
EX_BTC_QUOTE = {"type": "quote", "exchange": "binance", "symbol": "BTC-USDT",
                "bid": "29010.9", "bid_size": "13.94302", "ask": "29010.91",
                "ask_size": "3.99953"}
EX_ETH_QUOTE = {"type": "quote", "exchange": "binance", "symbol": "ETH-USDT",
                "bid": "25.3519", "bid_size": "31.21", "ask": "25.3652",
                "ask_size": "40.66"}

ALL_STREAMS = {"btcusdt@trade", "btcusdt@bookTicker", "ethusdt@trade",
               "ethusdt@bookTicker"}


def with_exchange(expected, name):
    d = dict(expected)
    d["exchange"] = name
    return d


class BinanceBase(h.TkTestCase):

    async def start(self, unix=False, **exchange):
        """Mock + tickerd with the usual config; waits for the first
        SUBSCRIBE so that frames sent afterwards reach tickerd."""
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        unix_path = os.path.join(self.tmp, "t.sock") if unix else None
        self.conf = h.binance_config(self.port, self.mock.url, unix_path,
                                     **exchange)
        self.daemon = await self.start_daemon(self.conf, self.tmp)
        self.up = await self.mock.wait_subscribed(1)
        return self.daemon

    async def ready_client(self, query="", unix=False):
        """A client that is known to be registered (a ping was answered);
        returns it and the non-status messages that came before the
        pong."""
        ws = await self.client(self.daemon, query, unix=unix)
        before = await h.roundtrip_ping(ws)
        return ws, before

    async def recv_subscribed(self, ws, nsnaps):
        """Reads the answer to a subscribe and the @nsnaps snapshots it
        brings, in either order; returns (reply, {(symbol, type): tick})."""
        msgs = []
        while len(msgs) < nsnaps + 1:
            msgs.append(await h.recv_json(ws, skip_status=True))
        replies = [m for m in msgs if m.get("type") == "subscribed"]
        self.assertEqual(len(replies), 1, msgs)
        snaps = [m for m in msgs if m.get("type") != "subscribed"]
        by_key = {(t["symbol"], t["type"]): t for t in snaps}
        self.assertEqual(len(by_key), nsnaps, msgs)
        for t in snaps:
            self.assertIs(t.get("snapshot"), True, msgs)
        return replies[0], by_key

    def assertTick(self, tick, expected):
        """@tick is @expected plus recv_ts and seq, keys in SPEC order,
        and not a snapshot."""
        keys = h.TRADE_KEYS if expected["type"] == "trade" else \
                h.QUOTE_KEYS
        self.assertEqual(list(tick.keys()), keys, tick)
        for k, v in expected.items():
            if k == "trade_id" and h.is_fresh_trade_id(tick[k]):
                # A resent copy: the mock gave it a new id (tickerd
                # publishes a repeated trade id only once).
                continue
            self.assertEqual(tick[k], v, "%s in %s" % (k, tick))
        self.assertRecent(tick["recv_ts"])
        self.assertIsInstance(tick["seq"], int)
        if expected["type"] == "quote":
            # Spot bookTicker carries no exchange time.
            self.assertEqual(tick["ts"], tick["recv_ts"], tick)

    def assertSnapshot(self, tick, expected):
        """Like assertTick, for a snapshot: "snapshot":true is added."""
        self.assertIs(tick.get("snapshot"), True, tick)
        rest = {k: v for k, v in tick.items() if k != "snapshot"}
        keys = h.TRADE_KEYS if expected["type"] == "trade" else \
                h.QUOTE_KEYS
        self.assertEqual(list(rest.keys()), keys, tick)
        for k, v in expected.items():
            self.assertEqual(tick[k], v, "%s in %s" % (k, tick))

    def assertSeqIncreasing(self, ticks):
        seqs = [t["seq"] for t in ticks]
        for a, b in zip(seqs, seqs[1:]):
            self.assertLess(a, b, "seq not strictly increasing: %s" %
                            seqs)


class TestUpstream(BinanceBase):
    """What tickerd sends to Binance."""

    async def test_subscribe_request(self):
        await self.start()
        conn = self.up
        self.assertEqual(conn.path, "/ws")
        params = []
        for req in conn.subscribes:
            self.assertEqual(req["method"], "SUBSCRIBE", req)
            self.assertIn("id", req)
            self.assertIsInstance(req["params"], list, req)
            params.extend(req["params"])
        self.assertEqual(len(params), len(set(params)), params)
        self.assertEqual(set(params), ALL_STREAMS)
        # Nothing but SUBSCRIBE requests (no junk, no LIST_SUBSCRIPTIONS)
        # once they are all sent: a ping round trip through the daemon
        # gives it time to send anything else it meant to.
        ws, _ = await self.ready_client()
        self.assertEqual(len(conn.received), len(conn.subscribes),
                         conn.received)

    async def test_subscribe_request_exact(self):
        # The shape chosen for tickerd: one request, id 1, in the order
        # symbols x (trade, quote).
        await self.start()
        self.assertEqual(h.loads_strict(self.up.received[0]), {
                "method": "SUBSCRIBE",
                "params": ["btcusdt@trade", "btcusdt@bookTicker",
                           "ethusdt@trade", "ethusdt@bookTicker"],
                "id": 1})

    async def test_channels_trade_only(self):
        await self.start(channels=["trade"])
        params = [p for r in self.up.subscribes for p in r["params"]]
        self.assertEqual(set(params), {"btcusdt@trade", "ethusdt@trade"})
        # A quote the exchange sends anyway is not published.
        ws, _ = await self.ready_client()
        await self.mock.send(BTC_QUOTE, ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_TRADE)


class TestTicks(BinanceBase):
    """Frames in, ticks out, every field checked."""

    async def test_trades_exact(self):
        await self.start()
        ws, before = await self.ready_client()
        self.assertEqual(before, [], "fresh daemon sent snapshots")
        t0 = time.time()
        await self.mock.send(BTC_TRADE, ETH_TRADE, ETH_TRADE2)
        ticks = await h.recv_ticks(ws, 3)
        self.assertTick(ticks[0], EX_BTC_TRADE)
        self.assertTick(ticks[1], EX_ETH_TRADE)
        self.assertTick(ticks[2], EX_ETH_TRADE2)
        for t in ticks:
            self.assertGreaterEqual(t["recv_ts"], int(t0 * 1e6) - 1000)
        self.assertSeqIncreasing(ticks)

    async def test_quotes_exact(self):
        await self.start()
        ws, _ = await self.ready_client()
        await self.mock.send(BTC_QUOTE, ETH_QUOTE)
        ticks = await h.recv_ticks(ws, 2)
        self.assertTick(ticks[0], EX_BTC_QUOTE)
        self.assertTick(ticks[1], EX_ETH_QUOTE)
        self.assertSeqIncreasing(ticks)

    async def test_raw_text_key_order(self):
        # The wire text itself, not only the parsed dict: the first keys
        # appear in SPEC order, and prices are JSON strings.
        await self.start()
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        await self.mock.send(BTC_TRADE)
        while True:
            text = await h.recv_raw(ws)
            if '"type":"status"' not in text:
                break
        self.assertTrue(text.startswith(
                '{"type":"trade","exchange":"binance","symbol":"BTC-USDT",'
                '"price":"58942.01","size":"0.000356","side":"buy",'
                '"trade_id":"640283266","ts":1616176861893000,"recv_ts":'),
                text)
        self.assertRegex(text, r',"recv_ts":\d+,"seq":\d+}$')

    async def test_combined_stream_wrapper_accepted(self):
        # The same payloads inside {"stream":...,"data":...}, as Binance
        # sends them on /stream: the fixture files verbatim.
        await self.start()
        ws, _ = await self.ready_client()
        await self.mock.send(h.fixture("aggTrade_3.json"),
                             h.fixture("trade.json"))
        ticks = await h.recv_ticks(ws, 2)
        self.assertTick(ticks[0], EX_BTC_TRADE)
        self.assertTick(ticks[1], EX_ETH_TRADE)

    async def test_unknown_and_bad_frames_ignored(self):
        await self.start()
        ws, _ = await self.ready_client()
        await self.mock.send(
                NKN_TRADE, NKN_QUOTE,  # not configured
                h.fixture("subscribe_ack.json"),  # control
                h.fixture("error.json"),  # exchange error
                "this is not JSON",
                '{"e":"trade","s":"BTCUSDT"}',  # fields missing
                BTC_TRADE.replace('"58942.01000000"', '"5x.1"'),
                BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_BTC_TRADE)
        # And it kept the connection: nothing of the above is a reason
        # to reconnect.
        await self.mock.send(ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_TRADE)
        self.assertEqual(len(self.mock.connections), 1)
        self.assertTrue(self.daemon.running())

    async def test_long_status_goes_out_whole(self):
        """An exchange error full of quotes makes a status longer than a
        ring slot holds inline: it goes out whole, valid JSON, and the
        ticks after it too."""
        await self.start()
        ws, _ = await self.ready_client()
        seen = len(ws.tk_statuses)
        await self.mock.send(json.dumps({"error": {"code": 2,
                                                   "msg": '"' * 200},
                                         "id": 7}))
        st = await h.recv_status(ws, "connected", exchange="binance",
                                 after=seen)
        want = 'code 2: ' + '"' * (159 - len('code 2: '))
        self.assertEqual(st["detail"], want)
        self.assertGreater(len(json.dumps(st)), 352)
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_BTC_TRADE)

    async def test_seq_strictly_increasing_and_shared(self):
        await self.start()
        a, _ = await self.ready_client()
        b, _ = await self.ready_client()
        frames = [BTC_TRADE, ETH_QUOTE, ETH_TRADE, BTC_QUOTE,
                  ETH_TRADE2] * 4
        await self.mock.send(*frames)
        ta = await h.recv_ticks(a, len(frames))
        tb = await h.recv_ticks(b, len(frames))
        self.assertSeqIncreasing(ta)
        # Both clients see the same stream with the same numbers.
        self.assertEqual([t["seq"] for t in ta], [t["seq"] for t in tb])
        self.assertEqual([(t["symbol"], t["type"]) for t in ta],
                         [("BTC-USDT", "trade"), ("ETH-USDT", "quote"),
                          ("ETH-USDT", "trade"), ("BTC-USDT", "quote"),
                          ("ETH-USDT", "trade")] * 4)
        # Later ticks continue the numbering.
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(a, 1)
        self.assertGreater(t["seq"], ta[-1]["seq"])

    async def test_unix_socket(self):
        await self.start(unix=True)
        ws, _ = await self.ready_client("?symbols=ETH-USDT", unix=True)
        await self.mock.send(BTC_TRADE, ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_TRADE)


class TestFilters(BinanceBase):

    async def test_query_symbols(self):
        await self.start()
        ws, _ = await self.ready_client("?symbols=BTC-USDT")
        await self.mock.send(ETH_TRADE, BTC_TRADE, ETH_QUOTE, BTC_QUOTE)
        ticks = await h.recv_ticks(ws, 2)
        self.assertTick(ticks[0], EX_BTC_TRADE)
        self.assertTick(ticks[1], EX_BTC_QUOTE)

    async def test_query_types(self):
        await self.start()
        ws, _ = await self.ready_client("?types=quote")
        await self.mock.send(BTC_TRADE, ETH_TRADE, ETH_QUOTE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_QUOTE)

    async def test_query_combined(self):
        await self.start()
        ws, _ = await self.ready_client(
                "?symbols=BTC-USDT&exchanges=binance&types=trade")
        await self.mock.send(BTC_QUOTE, ETH_TRADE, ETH_QUOTE, BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_BTC_TRADE)

    async def test_query_several_values(self):
        await self.start()
        ws, _ = await self.ready_client(
                "?symbols=ETH-USDT,BTC-USDT&types=trade,quote")
        await self.mock.send(BTC_QUOTE, ETH_TRADE)
        ticks = await h.recv_ticks(ws, 2)
        self.assertTick(ticks[0], EX_BTC_QUOTE)
        self.assertTick(ticks[1], EX_ETH_TRADE)

    async def test_query_exchanges(self):
        # Two exchanges on two mocks; the client wants only the second.
        self.tmp = self.make_tmpdir()
        mock_a = await self.start_mock()
        mock_b = await self.start_mock()
        port = h.free_port()
        conf = h.binance_config(port, mock_a.url)
        conf["exchanges"].append({
                "name": "binance-b", "adapter": "binance",
                "symbols": ["BTC-USDT"], "url": mock_b.url})
        self.daemon = await self.start_daemon(conf, self.tmp)
        await mock_a.wait_subscribed(1)
        conn_b = await mock_b.wait_subscribed(1)
        params_b = [p for r in conn_b.subscribes for p in r["params"]]
        self.assertEqual(set(params_b),
                         {"btcusdt@trade", "btcusdt@bookTicker"})
        everything, _ = await self.ready_client()
        only_b, _ = await self.ready_client("?exchanges=binance-b")
        # Published in this order: exchange A's tick first.
        await mock_a.send(BTC_TRADE)
        (t,) = await h.recv_ticks(everything, 1)
        self.assertTick(t, EX_BTC_TRADE)
        await mock_b.send(BTC_TRADE)
        (t,) = await h.recv_ticks(everything, 1)
        self.assertTick(t, with_exchange(EX_BTC_TRADE, "binance-b"))
        (t,) = await h.recv_ticks(only_b, 1)
        self.assertTick(t, with_exchange(EX_BTC_TRADE, "binance-b"))
        # Status messages are filtered by exchange too.
        await h.roundtrip_ping(only_b)
        for st in only_b.tk_statuses:
            self.assertEqual(st["exchange"], "binance-b", st)

    async def test_subscribe_op(self):
        await self.start()
        ws = await self.client(self.daemon, "?symbols=BTC-USDT")
        await h.send_json(ws, {"op": "subscribe",
                               "symbols": ["ETH-USDT"], "types": ["trade"]})
        reply = await h.recv_json(ws, skip_status=True)
        self.assertEqual(reply, {"type": "subscribed",
                                 "symbols": ["ETH-USDT"],
                                 "exchanges": None, "types": ["trade"]})
        self.assertEqual(list(reply), ["type", "symbols", "exchanges",
                                       "types"])
        await self.mock.send(BTC_TRADE, ETH_QUOTE, BTC_QUOTE, ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_TRADE)
        # An empty subscribe means everything again, and everything
        # published so far comes back as snapshots: the latest tick of
        # each of the four (symbol, type) pairs, and each symbol's bbo
        # (binance's quote, the only one).
        await h.send_json(ws, {"op": "subscribe"})
        reply, by_key = await self.recv_subscribed(ws, 6)
        self.assertEqual(reply, {"type": "subscribed", "symbols": None,
                                 "exchanges": None, "types": None})
        self.assertSnapshot(by_key["BTC-USDT", "trade"], EX_BTC_TRADE)
        self.assertSnapshot(by_key["ETH-USDT", "trade"], EX_ETH_TRADE)
        self.assertSnapshot(by_key["BTC-USDT", "quote"], EX_BTC_QUOTE)
        self.assertSnapshot(by_key["ETH-USDT", "quote"], EX_ETH_QUOTE)
        for sym, q in (("BTC-USDT", EX_BTC_QUOTE),
                       ("ETH-USDT", EX_ETH_QUOTE)):
            b = by_key[sym, "bbo"]
            self.assertEqual((b["bid"], b["bid_exchange"], b["ask"],
                              b["ask_exchange"], b["crossed"]),
                             (q["bid"], "binance", q["ask"], "binance",
                              False), b)

    async def test_two_clients_different_filters(self):
        await self.start()
        btc, _ = await self.ready_client("?symbols=BTC-USDT")
        eth_q, _ = await self.ready_client("?symbols=ETH-USDT&types=quote")
        await self.mock.send(ETH_TRADE, BTC_TRADE, ETH_QUOTE, BTC_QUOTE,
                             ETH_TRADE2, ETH_QUOTE)
        t = await h.recv_ticks(btc, 2)
        self.assertTick(t[0], EX_BTC_TRADE)
        self.assertTick(t[1], EX_BTC_QUOTE)
        t = await h.recv_ticks(eth_q, 2)
        self.assertTick(t[0], EX_ETH_QUOTE)
        self.assertTick(t[1], EX_ETH_QUOTE)
        self.assertLess(t[0]["seq"], t[1]["seq"])
        # Nothing else is on its way to either: a last BTC trade is the
        # next thing the BTC client sees, and the ETH client sees nothing
        # before its pong.
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(btc, 1)
        self.assertTick(t, EX_BTC_TRADE)
        self.assertEqual(await h.roundtrip_ping(eth_q), [])


class TestSnapshots(BinanceBase):

    async def publish_all(self):
        """Publishes five ticks (two for ETH-USDT trade) and waits until
        an unfiltered client has seen them all."""
        ws, _ = await self.ready_client()
        await self.mock.send(BTC_TRADE, ETH_TRADE, BTC_QUOTE, ETH_QUOTE,
                             ETH_TRADE2)
        return await h.recv_ticks(ws, 5)

    async def read_snapshots(self, ws, n):
        """Reads @n snapshot ticks, then checks that the next tick is a
        live BTC trade sent now."""
        snaps = await h.recv_ticks(ws, n)
        for t in snaps:
            self.assertIs(t.get("snapshot"), True,
                          "expected %d snapshots first: %s" % (n, snaps))
        await self.mock.send(BTC_TRADE)
        # The live tick comes next: no further snapshot before it.
        (live,) = await h.recv_ticks(ws, 1)
        self.assertTick(live, EX_BTC_TRADE)
        return {(t["symbol"], t["type"]): t for t in snaps}, snaps, live

    async def test_snapshot_on_connect(self):
        await self.start()
        published = await self.publish_all()
        ws = await self.client(self.daemon)
        by_key, snaps, live = await self.read_snapshots(ws, 4)
        # One per (exchange, symbol, type): the latest.
        self.assertEqual(len(by_key), 4, snaps)
        self.assertSnapshot(by_key["BTC-USDT", "trade"], EX_BTC_TRADE)
        self.assertSnapshot(by_key["ETH-USDT", "trade"], EX_ETH_TRADE2)
        self.assertSnapshot(by_key["BTC-USDT", "quote"], EX_BTC_QUOTE)
        self.assertSnapshot(by_key["ETH-USDT", "quote"], EX_ETH_QUOTE)
        # A snapshot is the published tick itself, seq and all.
        latest = {(t["symbol"], t["type"]): t for t in published}
        for key, t in by_key.items():
            self.assertEqual(t["seq"], latest[key]["seq"], key)
            self.assertEqual(t["recv_ts"], latest[key]["recv_ts"], key)
        self.assertGreater(live["seq"], max(t["seq"] for t in published))

    async def test_snapshot_respects_filter(self):
        await self.start()
        await self.publish_all()
        ws = await self.client(self.daemon,
                               "?symbols=ETH-USDT&types=trade")
        by_key, snaps, _ = await self.read_snapshots_filtered(ws)
        self.assertEqual(list(by_key), [("ETH-USDT", "trade")], snaps)
        self.assertSnapshot(snaps[0], EX_ETH_TRADE2)

    async def read_snapshots_filtered(self, ws):
        snaps = await h.recv_ticks(ws, 1)
        self.assertIs(snaps[0].get("snapshot"), True, snaps)
        # The next live ETH trade follows with no other snapshot before.
        await self.mock.send(BTC_TRADE, ETH_TRADE)
        (live,) = await h.recv_ticks(ws, 1)
        self.assertNotIn("snapshot", live)
        self.assertTick(live, EX_ETH_TRADE)
        return {(t["symbol"], t["type"]): t for t in snaps}, snaps, live

    async def test_snapshot_on_subscribe(self):
        await self.start()
        ws, before = await self.ready_client("?symbols=SOL-USDT")
        self.assertEqual(before, [])
        await self.publish_all()
        await h.send_json(ws, {"op": "subscribe", "types": ["quote"]})
        reply, snaps = await self.recv_subscribed(ws, 2)
        self.assertEqual(reply, {"type": "subscribed", "symbols": None,
                                 "exchanges": None, "types": ["quote"]})
        self.assertEqual(set(snaps), {("BTC-USDT", "quote"),
                                      ("ETH-USDT", "quote")})
        self.assertSnapshot(snaps["BTC-USDT", "quote"], EX_BTC_QUOTE)
        self.assertSnapshot(snaps["ETH-USDT", "quote"], EX_ETH_QUOTE)
        await self.mock.send(ETH_TRADE, BTC_QUOTE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_BTC_QUOTE)

    async def test_no_snapshot_without_ticks(self):
        await self.start()
        ws, before = await self.ready_client()
        self.assertEqual(before, [])
        await h.send_json(ws, {"op": "subscribe"})
        reply = await h.recv_json(ws, skip_status=True)
        self.assertEqual(reply["type"], "subscribed")
        self.assertEqual(await h.roundtrip_ping(ws), [])


class TestReconnect(BinanceBase):

    async def check_reconnect(self, abrupt):
        await self.start()
        ws, _ = await self.ready_client()
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        first_seq = t["seq"]
        t0 = time.monotonic()
        await self.mock.drop(abrupt=abrupt)
        st = await h.recv_status(ws, "reconnecting")
        self.assertEqual(st["exchange"], "binance")
        conn = await self.mock.wait_subscribed(2, timeout=5)
        self.assertLess(time.monotonic() - t0, 3.0,
                        "first retry should come within about 1 s")
        self.assertEqual(conn.path, "/ws")
        params = [p for r in conn.subscribes for p in r["params"]]
        self.assertEqual(set(params), ALL_STREAMS)
        # A "connected" status after the "reconnecting" one.
        await h.recv_status(ws, "connected",
                            after=ws.tk_statuses.index(st) + 1)
        # Ticks flow again, numbering continues.
        await self.mock.send(ETH_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertTick(t, EX_ETH_TRADE)
        self.assertGreater(t["seq"], first_seq)
        self.assertEqual(len(self.mock.open_connections()), 1)

    async def test_reconnect_after_abrupt_drop(self):
        await self.check_reconnect(abrupt=True)

    async def test_reconnect_after_close_frame(self):
        await self.check_reconnect(abrupt=False)

    async def test_status_messages(self):
        # The exchange is not there at first; a client connected before
        # it comes up sees "connected" when tickerd gets through.
        self.tmp = self.make_tmpdir()
        mock_port = h.free_port()
        port = h.free_port()
        mock = h.MockBinance()
        conf = h.binance_config(port, "ws://127.0.0.1:%d/ws" % mock_port)
        self.daemon = await self.start_daemon(conf, self.tmp)
        ws, _ = await self.ready_client()
        await mock.start(port=mock_port)
        self.addAsyncCleanup(mock.close)
        st = await h.recv_status(ws, "connected", timeout=10)
        self.assertEqual(list(st), ["type", "exchange", "state", "detail"])
        self.assertEqual(st["exchange"], "binance")
        self.assertIsInstance(st["detail"], str)
        await mock.wait_subscribed(1)
        n_before = len(ws.tk_statuses)
        await mock.drop()
        st = await h.recv_status(ws, "reconnecting", after=n_before)
        self.assertIsInstance(st["detail"], str)

    async def test_stale_status(self):
        await self.start(stale_s=1)
        ws, _ = await self.ready_client()
        await self.mock.send(BTC_TRADE)
        await h.recv_ticks(ws, 1)
        t0 = time.monotonic()
        st = await h.recv_status(ws, "stale", timeout=4,
                                 after=len(ws.tk_statuses))
        self.assertEqual(st["exchange"], "binance")
        self.assertGreater(time.monotonic() - t0, 0.5,
                           "stale before stale_s passed")


if __name__ == "__main__":
    unittest.main()
