# SPDX-License-Identifier: MIT
"""The consolidated best bid/offer (SPEC "Ticks", type bbo) with two mock
exchanges quoting one symbol: the best bid and ask and their venues, a
crossed market, a venue that goes stale or down leaving the bbo, the
types=bbo filter, snapshots, a reload, and conflation for a lagging
client."""

import asyncio
import json
import os
import signal
import socket
import time

import websockets

import tkharness as h

BBO_KEYS = ["type", "symbol", "bid", "bid_size", "bid_exchange", "ask",
            "ask_size", "ask_exchange", "crossed", "ts", "seq"]


def book_ticker(update_id, bid, bid_size, ask, ask_size, symbol="BTCUSDT"):
    """A Binance bookTicker frame in the shape of the docs' sample
    (fixtures/binance/bookTicker_raw_docs.json), with our prices."""
    return json.dumps({"u": update_id, "s": symbol, "b": bid,
                       "B": bid_size, "a": ask, "A": ask_size},
                      separators=(",", ":"))


def is_bbo(**want):
    """A predicate: a bbo message whose fields equal @want."""
    def pred(m):
        return m.get("type") == "bbo" and \
                all(m.get(k) == v for k, v in want.items())
    return pred


class BboCase(h.TkTestCase):

    async def start(self, beta_stale_s=30):
        """Two Binance mocks, "alpha" and "beta", quoting BTC-USDT; beta
        goes stale after @beta_stale_s without data."""
        self.alpha = await self.start_mock()
        self.beta = await self.start_mock()
        port = h.free_port()
        self.conf = h.daemon_config(port, [
                h.exchange_entry(self.alpha, ["BTC-USDT"], name="alpha"),
                h.exchange_entry(self.beta, ["BTC-USDT"], name="beta",
                                 stale_s=beta_stale_s)])
        self.tmp = self.make_tmpdir()
        self.daemon = await self.start_daemon(self.conf, self.tmp)
        await self.alpha.wait_subscribed(1)
        await self.beta.wait_subscribed(1)
        self.uid = 1000

    async def quote(self, mock, bid, ask, bid_size="1", ask_size="2"):
        self.uid += 1
        await mock.send(book_ticker(self.uid, bid, bid_size, ask, ask_size))

    async def ready_client(self, query=""):
        ws = await self.client(self.daemon, query)
        await h.roundtrip_ping(ws)
        return ws


class TestBbo(BboCase):

    async def test_best_bid_and_ask_with_their_venues(self):
        await self.start()
        ws = await self.ready_client()
        await self.quote(self.alpha, "100", "101", "1.5", "2.5")
        await self.quote(self.beta, "100.5", "101.5", "3", "4")
        before, b = await h.recv_until(ws, is_bbo(bid="100.5"))
        self.assertEqual(list(b), BBO_KEYS, b)
        self.assertEqual(
                (b["symbol"], b["bid"], b["bid_size"], b["bid_exchange"],
                 b["ask"], b["ask_size"], b["ask_exchange"], b["crossed"]),
                ("BTC-USDT", "100.5", "3", "beta", "101", "2.5", "alpha",
                 False), b)
        # It follows the quote that made it, with its own seq.
        (q,) = [m for m in before if m.get("type") == "quote" and
                m["exchange"] == "beta"]
        self.assertGreater(b["seq"], q["seq"])
        self.assertEqual(b["ts"], q["ts"])
        # A better ask on beta moves that side; the bid stays.
        await self.quote(self.beta, "100.5", "100.9")
        _, b = await h.recv_until(ws, is_bbo(ask="100.9"))
        self.assertEqual((b["bid_exchange"], b["ask_exchange"]),
                         ("beta", "beta"), b)
        # A quote that changes neither best makes no bbo.
        await self.quote(self.alpha, "99", "102")
        await self.quote(self.alpha, "99", "103")
        before = await h.roundtrip_ping(ws)
        self.assertEqual([m for m in before if m.get("type") == "bbo"], [],
                         before)

    async def test_crossed_market(self):
        await self.start()
        ws = await self.ready_client()
        await self.quote(self.alpha, "100", "101")
        await self.quote(self.beta, "102", "103")
        _, b = await h.recv_until(ws, is_bbo(bid="102"))
        self.assertEqual((b["bid_exchange"], b["ask"], b["ask_exchange"],
                          b["crossed"]), ("beta", "101", "alpha", True), b)
        # Locked (bid equal to ask) is not crossed.
        await self.quote(self.beta, "101", "103")
        _, b = await h.recv_until(ws, is_bbo(bid="101"))
        self.assertIs(b["crossed"], False, b)

    async def test_stale_venue_leaves_the_bbo(self):
        await self.start(beta_stale_s=1)
        ws = await self.ready_client()
        await self.quote(self.alpha, "100", "101")
        await self.quote(self.beta, "100.5", "100.8")
        _, b = await h.recv_until(ws, is_bbo(bid="100.5"))
        self.assertEqual((b["bid_exchange"], b["ask_exchange"]),
                         ("beta", "beta"), b)
        # beta's feed stops: past stale_s it is stale, and alpha's quote
        # is the whole bbo, right after beta's status.
        seen = len(ws.tk_statuses)
        t0 = time.monotonic()
        before, b = await h.recv_until(ws, is_bbo(bid="100"), timeout=6,
                                       skip_status=False)
        self.assertGreater(time.monotonic() - t0, 0.8)
        self.assertEqual((b["bid_exchange"], b["ask"], b["ask_exchange"]),
                         ("alpha", "101", "alpha"), b)
        self.assertIn(("beta", "stale"), [
                (m["exchange"], m["state"]) for m in
                ws.tk_statuses[seen:] if m.get("type") == "status"])
        # beta reconnects at once, but its quote from before is not back:
        # alpha's next quote still makes the whole bbo.
        await self.beta.wait_subscribed(2)
        await h.recv_status(ws, "connected", exchange="beta",
                            after=seen)
        await self.quote(self.alpha, "100.1", "101")
        _, b = await h.recv_until(ws, is_bbo(bid="100.1"))
        self.assertEqual((b["bid_exchange"], b["ask"], b["ask_exchange"]),
                         ("alpha", "101", "alpha"), b)

    async def test_venue_down_leaves_the_bbo(self):
        await self.start()
        ws = await self.ready_client()
        await self.quote(self.alpha, "100.5", "100.8")
        await self.quote(self.beta, "100", "101")
        _, b = await h.recv_until(ws, is_bbo(ask="100.8"))
        self.assertEqual((b["bid_exchange"], b["ask_exchange"]),
                         ("alpha", "alpha"), b)
        await self.alpha.close()
        _, b = await h.recv_until(ws, is_bbo(bid="100"))
        self.assertEqual((b["bid_exchange"], b["ask"], b["ask_exchange"]),
                         ("beta", "101", "beta"), b)
        # Then beta too: both sides empty, written as nulls.
        await self.beta.close()
        _, b = await h.recv_until(ws, is_bbo(bid=None))
        self.assertEqual((b["bid_size"], b["bid_exchange"], b["ask"],
                          b["ask_size"], b["ask_exchange"], b["crossed"]),
                         (None, None, None, None, None, False), b)

    async def test_types_bbo_gives_only_bbo(self):
        await self.start()
        only = await self.ready_client("?types=bbo")
        trade = h.unwrap(h.fixture("aggTrade_3.json"))
        await self.quote(self.alpha, "100", "101")
        await self.alpha.send(trade)
        await self.quote(self.beta, "100.5", "101.5")
        await self.quote(self.beta, "100.6", "101.5")
        _, b = await h.recv_until(only, is_bbo(bid="100.6"))
        before = await h.roundtrip_ping(only)
        got = [m for m in before + [b] if "seq" in m]
        self.assertEqual({m["type"] for m in got}, {"bbo"}, got)
        # An exchanges filter alone leaves the bbo out (it is nobody's).
        ex = await self.ready_client("?exchanges=alpha")
        await self.quote(self.alpha, "100.7", "101")
        _, q = await h.recv_until(ex, lambda m: m.get("type") == "quote"
                                  and m["bid"] == "100.7")
        before = await h.roundtrip_ping(ex)
        self.assertEqual([m for m in before if m.get("type") == "bbo"], [])

    async def test_types_trade_quote_leaves_the_bbo_out(self):
        await self.start()
        tq = await self.ready_client("?types=trade,quote")
        everything = await self.ready_client()
        await self.quote(self.alpha, "100", "101")
        await self.quote(self.beta, "100.5", "101.5")
        await h.recv_until(everything, is_bbo(bid="100.5"))
        before, q = await h.recv_until(tq, lambda m: m.get("type") ==
                                       "quote" and m["bid"] == "100.5")
        got = before + [q] + await h.roundtrip_ping(tq)
        self.assertEqual({m["type"] for m in got if "seq" in m} - {"quote"},
                         set(), got)

    async def test_snapshot_has_the_current_bbo(self):
        await self.start()
        ws = await self.ready_client()
        await self.quote(self.alpha, "100", "101")
        await self.quote(self.beta, "100.5", "101.5")
        await self.quote(self.beta, "100.5", "100.9")
        await h.recv_until(ws, is_bbo(ask="100.9"))
        fresh = await self.client(self.daemon, "?types=bbo")
        snaps = await h.roundtrip_ping(fresh)
        self.assertEqual(len(snaps), 1, snaps)
        (b,) = snaps
        self.assertIs(b.pop("snapshot"), True, b)
        self.assertEqual(list(b), BBO_KEYS, b)
        self.assertEqual((b["bid"], b["bid_exchange"], b["ask"],
                          b["ask_exchange"], b["crossed"]),
                         ("100.5", "beta", "100.9", "beta", False), b)

    async def reload(self, conf):
        """Writes @conf over the config file and sends SIGHUP; returns
        once the log says it was reloaded."""
        with open(os.path.join(self.tmp, "tickerd.json"), "w") as f:
            json.dump(conf, f)
        mark = len(self.daemon.log())
        self.daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while "reloaded" not in self.daemon.log()[mark:]:
            self.assertLess(time.monotonic(), deadline,
                            self.daemon.log_tail())
            await asyncio.sleep(0.05)

    async def test_reload(self):
        """A reload that changes nothing of the bbo publishes none; one
        that removes a venue publishes the bbo without it; one that adds
        symbols and an exchange has room for them."""
        await self.start()
        ws = await self.ready_client()
        await self.quote(self.alpha, "100", "101")
        await self.quote(self.beta, "100.5", "101.5")
        _, b = await h.recv_until(ws, is_bbo(bid="100.5"))
        conf = json.loads(json.dumps(self.conf))
        conf["exchanges"].append({"name": "simx", "adapter": "sim",
                                  "symbols": ["ETH-USD", "SOL-USD"],
                                  "rate": 5})
        await self.reload(conf)
        before = await h.roundtrip_ping(ws)
        self.assertEqual([m for m in before if m.get("type") == "bbo" and
                          m["symbol"] == "BTC-USDT"], [], before)
        await h.recv_until(ws, is_bbo(symbol="SOL-USD"))
        # beta goes: its bid leaves the bbo, alpha's is the best.
        conf["exchanges"] = [conf["exchanges"][0], conf["exchanges"][2]]
        await self.reload(conf)
        _, b = await h.recv_until(ws, is_bbo(symbol="BTC-USDT"))
        self.assertEqual((b["bid"], b["bid_exchange"], b["ask"],
                          b["ask_exchange"]), ("100", "alpha", "101", "alpha"),
                         b)
        await self.quote(self.alpha, "100.2", "101")
        _, b = await h.recv_until(ws, is_bbo(symbol="BTC-USDT"))
        self.assertEqual((b["bid"], b["bid_exchange"]), ("100.2", "alpha"), b)


def sim_conf(port, channels=None, rate=3000, queue=8192):
    ex = {"name": "sim", "adapter": "sim", "symbols": ["BTC-USD"],
          "rate": rate}
    if channels:
        ex["channels"] = channels
    return {"listen": {"tcp": "127.0.0.1:%d" % port}, "exchanges": [ex],
            "clients": {"queue_ticks": queue}}


class TestConflation(h.TkTestCase):
    """A client that reads only bbo, or only funding, and lags: once half
    a ring behind it is given the latest of each instead of every one
    (tickerd_conflated_total counts the ones it skipped)."""

    TEST_TIMEOUT = 90.0

    async def lagging_reader(self, daemon, query, timeout=25):
        """Reads about 1000 messages/s through a small socket buffer until
        some are conflated; returns (messages, conflated)."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", daemon.tcp_port))
        ws = await websockets.connect(
                "ws://127.0.0.1:%d/%s" % (daemon.tcp_port, query),
                sock=sock, max_queue=1, read_limit=4096)
        got, conflated = [], 0
        deadline = time.monotonic() + timeout
        try:
            while not conflated and time.monotonic() < deadline:
                got.append(json.loads(await asyncio.wait_for(
                        ws.recv(), 5)))
                if len(got) % 10 == 0:
                    await asyncio.sleep(0.01)
                if len(got) % 500 == 0:
                    conflated = await h.metric(daemon,
                                               "tickerd_conflated_total")
        except websockets.ConnectionClosed:
            # lapped by the ring before any was skipped
            conflated = await h.metric(daemon, "tickerd_conflated_total")
        finally:
            ws.transport.abort()
        return got, conflated

    async def test_bbo_and_funding_are_conflated(self):
        for kind, channels in (("bbo", None),
                               ("funding", ["trade", "quote", "funding"])):
            with self.subTest(kind):
                port = h.free_port()
                daemon = await self.start_daemon(
                        sim_conf(port, channels), self.make_tmpdir())
                got, conflated = await self.lagging_reader(
                        daemon, "?types=" + kind)
                self.assertGreater(conflated, 0, "%d read" % len(got))
                self.assertEqual({m["type"] for m in got if "seq" in m and
                                  m["type"] != "hello"}, {kind})
                self.assertTrue(daemon.running())
                await daemon.stop()
