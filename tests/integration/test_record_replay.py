# SPDX-License-Identifier: MIT
"""Recording (tickerd --record FILE) and the replay adapter: what tickerd
records from a live (mock) exchange, a second tickerd replays as the same
ticks; the shipped sample recording plays with config/replay.json."""

import json
import os
import subprocess

import tkharness as h

# Real frames (see test_binance.py for where each comes from).
BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))
ETH_TRADE = h.unwrap(h.fixture("trade.json"))
BTC_QUOTE = h.unwrap(h.fixture("edge_bookTicker_all_market_deprecated.json"))

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def strip_live(tick):
    """A tick without what a new daemon numbers afresh."""
    return {k: v for k, v in tick.items() if k not in ("seq", "snapshot")}


class TestRecordReplay(h.TkTestCase):

    async def record_session(self, path):
        """Runs tickerd --record @path against a mock; returns the ticks a
        client saw and the raw frames the mock sent."""
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), mock.url)
        daemon = await self.start_daemon(conf, tmp, args=["--record", path])
        await mock.wait_subscribed(1)
        ws = await self.client(daemon)
        await h.roundtrip_ping(ws)
        frames = [BTC_TRADE, BTC_QUOTE, ETH_TRADE]
        await mock.send(*frames)
        ticks = await h.recv_ticks(ws, 3)
        self.assertEqual(await daemon.stop(), 0)
        return ticks, frames

    async def test_recording_replays_as_the_same_ticks(self):
        tmp = self.make_tmpdir()
        rec = os.path.join(tmp, "session.jsonl")
        live, frames = await self.record_session(rec)

        with open(rec, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual([list(r.keys()) for r in lines],
                         [["t", "ex", "ad", "f"]] * len(lines))
        self.assertTrue(all(r["ex"] == "binance" and r["ad"] == "binance"
                            for r in lines))
        # Every data frame is there byte for byte (the subscribe ack too).
        recorded = [r["f"] for r in lines]
        for fr in frames:
            self.assertIn(fr, recorded)

        conf = {"listen": {"tcp": "127.0.0.1:%d" % h.free_port()},
                "exchanges": [{"name": "replay", "adapter": "replay",
                               "file": rec, "speed": 0,
                               "symbols": ["BTC-USDT", "ETH-USDT"]}]}
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        ws = await self.client(daemon)
        got = []
        while len(got) < 3:
            msg = await h.recv_json(ws, skip_status=True)
            if msg.get("type") in ("trade", "quote"):
                got.append(msg)
        # Same exchange names, prices, ids and even receive times.
        self.assertEqual([strip_live(t) for t in got],
                         [strip_live(t) for t in live])

    async def test_shipped_sample_plays(self):
        path = os.path.join(REPO, "config", "replay.json")
        with open(path, encoding="utf-8") as f:
            conf = json.load(f)
        port = h.free_port()
        conf["listen"] = {"tcp": "127.0.0.1:%d" % port}
        ex = conf["exchanges"][0]
        ex["file"] = os.path.join(REPO, "config", ex["file"])
        ex["speed"] = 0
        ex["loop"] = False
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        ws = await self.client(daemon)
        # every exchange (scripts/make-sample-recording.py takes them all)
        want = set(h.exchanges())
        self.assertGreaterEqual(len(want), 6)
        seen, bbo = set(), set()
        while len(seen) < len(want) or not bbo:
            msg = await h.recv_json(ws, skip_status=True)
            if msg.get("type") in ("trade", "quote"):
                seen.add(msg["exchange"])
            elif msg.get("type") == "bbo":
                bbo.add(msg["bid_exchange"])
        self.assertEqual(seen, want)
        # The recorded exchanges' quotes make a bbo; the bbo has room for
        # all of them (a replay is one entry of the config but many
        # exchanges), so it never complains.
        self.assertLessEqual(bbo, want | {None})
        self.assertNotIn("bbo:", daemon.log())

    async def test_missing_recording_is_a_clear_error(self):
        conf = {"listen": {"tcp": "127.0.0.1:%d" % h.free_port()},
                "exchanges": [{"name": "replay", "adapter": "replay",
                               "file": "/nonexistent/rec.jsonl",
                               "symbols": ["BTC-USDT"]}]}
        tmp = self.make_tmpdir()
        path = h.write_config(tmp, conf)
        proc = subprocess.run([h.tickerd_path(), "-c", path], capture_output=True,
                              text=True, timeout=10, env=h.daemon_env())
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("/nonexistent/rec.jsonl", proc.stderr)
