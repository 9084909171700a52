# SPDX-License-Identifier: MIT
"""SIGHUP reloads the configuration without dropping clients: unchanged
exchanges keep their connection, removed ones stop (clients are told),
added ones start, changed ones restart; a bad file keeps the running
configuration."""

import asyncio
import json
import os
import re
import signal
import time

import tkharness as h

BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))


def trade(agg_id):
    text, n = re.subn(r'"a":\d+', '"a":%d' % agg_id, BTC_TRADE)
    assert n == 1
    return text


def sim(name, symbols=("BTC-USD",), rate=50):
    return {"name": name, "adapter": "sim", "symbols": list(symbols),
            "rate": rate}


class TestReload(h.TkTestCase):

    async def start(self, exchanges):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        self.conf = h.binance_config(self.port, self.mock.url)
        self.conf["exchanges"] += exchanges
        self.daemon = await self.start_daemon(self.conf, self.tmp)
        self.path = os.path.join(self.tmp, "tickerd.json")
        self.assertTrue(os.path.exists(self.path))
        await self.mock.wait_subscribed(1)

    async def reload(self, conf=None, text=None):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text if text is not None else json.dumps(conf))
        mark = len(self.daemon.log())
        self.daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            tail = self.daemon.log()[mark:]
            if "reloaded" in tail or "reload failed" in tail:
                return tail
            await asyncio.sleep(0.05)
        self.fail("no reload in the log:\n" + self.daemon.log_tail())

    async def exchanges_seen(self, ws, n=60):
        seen = set()
        for t in await h.recv_ticks(ws, n):
            seen.add(t["exchange"])
        return seen

    async def test_diff_keeps_clients_and_unchanged_upstreams(self):
        await self.start([sim("old")])
        ws = await self.client(self.daemon)
        self.assertIn("old", await self.exchanges_seen(ws, 20))

        conf = dict(self.conf)
        conf["exchanges"] = [self.conf["exchanges"][0], sim("new")]
        log = await self.reload(conf)
        self.assertIn("reloaded", log)

        # The client stayed connected and is told that "old" is gone.
        st = await h.recv_status(ws, "down", exchange="old")
        self.assertIn("removed", st["detail"])
        await h.roundtrip_ping(ws)
        # Ticks now come from "new" and never again from "old".
        await h.recv_until(ws, lambda t: t.get("exchange") == "new")
        self.assertEqual(await self.exchanges_seen(ws, 40), {"new"})
        # The unchanged Binance connection was not touched: still one
        # connection, and it still delivers.
        self.assertEqual(len(self.mock.connections), 1)
        await self.mock.send(trade(5001))
        await h.recv_until(ws, lambda t: t.get("trade_id") == "5001")
        self.assertEqual(await self.daemon.stop(), 0)

    async def test_changed_exchange_restarts_with_new_subscription(self):
        await self.start([])
        ws = await self.client(self.daemon)
        conf = dict(self.conf)
        ex = dict(self.conf["exchanges"][0])
        ex["symbols"] = ["BTC-USDT"]
        conf["exchanges"] = [ex]
        await self.reload(conf)
        second = await self.mock.wait_subscribed(2)
        self.assertEqual(second.subscribes[0]["params"],
                         ["btcusdt@trade", "btcusdt@bookTicker"])
        await self.mock.wait_closed(self.mock.connections[0])
        await h.roundtrip_ping(ws)

    async def test_bad_config_keeps_running_configuration(self):
        await self.start([sim("keep")])
        ws = await self.client(self.daemon)
        log = await self.reload(text='{"listen": {"tcp": "127.0.0.1:1"},')
        self.assertIn("reload failed", log)
        self.assertIn("keeping the running configuration", log)
        self.assertTrue(self.daemon.running())
        await h.roundtrip_ping(ws)
        self.assertIn("keep", await self.exchanges_seen(ws, 20))
        # A semantic error is refused the same way, with its JSON path.
        bad = dict(self.conf)
        bad["exchanges"] = [dict(self.conf["exchanges"][0],
                                 symbols=["btcusdt"])]
        log = await self.reload(bad)
        self.assertIn("exchanges[0].symbols[0]", log)
        self.assertEqual(len(self.mock.connections), 1)
        self.assertIn("keep", await self.exchanges_seen(ws, 20))

    async def test_listen_change_is_logged_not_applied(self):
        await self.start([])
        ws = await self.client(self.daemon)
        conf = dict(self.conf)
        conf["listen"] = {"tcp": "127.0.0.1:%d" % h.free_port()}
        log = await self.reload(conf)
        self.assertIn("listen.tcp changed", log)
        await h.roundtrip_ping(ws)
        # New clients still reach the running listener.
        ws2 = await self.client(self.daemon)
        await h.roundtrip_ping(ws2)
