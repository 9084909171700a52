# SPDX-License-Identifier: MIT
"""Clients that never miss a tick: the hello that opens every connection,
and ?since=SEQ&epoch=E, which after a reconnect replays every message the
client missed with its original seq (no snapshot), or says there is a gap
and sends the snapshot when the ring no longer holds them, or when the
epoch is another run's."""

import asyncio
import json
import time
import unittest

import websockets

import tkharness as h

TRADE = ('{"e":"trade","E":%d,"s":"%s","t":%d,"p":"37000.%02d",'
         '"q":"0.5","T":%d,"m":false,"M":true}')
QUOTE = '{"u":%d,"s":"%s","b":"36999.%02d","B":"1.5","a":"37001.%02d",' \
        '"A":"2"}'
SYMBOLS = ("BTCUSDT", "ETHUSDT")


class Feed:
    """Trades and quotes with ids that never repeat, alternating symbols:
    each call to frames() continues where the last one ended."""

    def __init__(self):
        self.n = 0

    def frames(self, count, quotes=True, symbols=SYMBOLS):
        now = int(time.time() * 1000)
        out = []
        for _ in range(count):
            i = self.n
            self.n += 1
            sym = symbols[i % len(symbols)]
            if quotes and i % 3 == 2:
                out.append(QUOTE % (5000000 + i, sym, i % 100, i % 100))
            else:
                out.append(TRADE % (now, sym, 6000000 + i, i % 100, now))
        return out


def matches(frame, symbol):
    return symbol is None or ('"s":"%s"' % symbol) in frame


async def messages(ws, n, timeout=h.DEFAULT_TIMEOUT):
    """The next @n messages that are not statuses (the snapshot's, on
    connect) or bbo ticks, parsed; arrays (batch mode) are flattened.  Returned as
    (type, seq, [(key, value)...]) so that key order and every value
    count in comparisons."""
    deadline = time.monotonic() + timeout
    out = []
    while len(out) < n:
        text = await h.recv_raw(ws, max(0.0, deadline - time.monotonic()))
        msg = h.loads_strict(text)
        ws.tk_frames = getattr(ws, "tk_frames", 0) + 1
        for m in msg if isinstance(msg, list) else [msg]:
            # the bbo ticks that the quotes cause are checked in test_bbo
            if m.get("type") not in ("status", "bbo"):
                out.append((m.get("type"), m.get("seq"), list(m.items())))
    if len(out) > n:
        raise AssertionError("%d messages, expected %d: %s" %
                             (len(out), n, out[n:]))
    return out


async def nothing_more(test, ws, seconds=0.3):
    try:
        text = await h.recv_raw(ws, seconds)
    except AssertionError:
        return
    test.fail("unexpected message: %s" % text)


class ResumeCase(h.TkTestCase):

    QUEUE_TICKS = None

    async def asyncSetUp(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock("binance")
        self.unix = self.tmp + "/t.sock"
        conf = h.binance_config(h.free_port(), self.mock.url,
                                unix_path=self.unix)
        if self.QUEUE_TICKS:
            conf["clients"] = {"queue_ticks": self.QUEUE_TICKS}
        self.conf = conf
        self.daemon = await self.start_daemon(conf, self.tmp)
        await self.mock.wait_subscribed(1)
        self.feed = Feed()

    async def send(self, frames):
        await self.mock.send(*frames)

    async def last_seq(self):
        """The seq of the last tick published (a new client's hello)."""
        ws = await h.connect(self.daemon)
        await ws.close()
        return ws.tk_hello["seq"]


class TestHello(ResumeCase):

    async def test_hello_first_tcp_and_unix_batch_and_not(self):
        seen = await self.client(self.daemon)
        await self.send(self.feed.frames(3, quotes=False))
        seq = (await h.recv_ticks(seen, 3))[-1]["seq"]
        _, body = await h.http_get(self.daemon, "/health")
        version = json.loads(body)["version"]
        epochs = set()
        for unix in (False, True):
            for query in ("", "?batch=1", "?symbols=ETH-USDT&batch=1"):
                with self.subTest(unix=unix, query=query):
                    ws = await self.client(self.daemon, query, unix=unix,
                                           hello=False)
                    hello = h.loads_strict(await h.recv_raw(ws))
                    self.assertEqual(list(hello), h.HELLO_KEYS, hello)
                    self.assertEqual(hello["type"], "hello")
                    self.assertEqual(hello["version"], version)
                    self.assertEqual(hello["seq"], seq)
                    self.assertRegex(hello["epoch"], r"^\d{16}-[0-9a-f]{8}$")
                    epochs.add(hello["epoch"])
                    # then the snapshot, one object per frame
                    snap = h.loads_strict(await h.recv_raw(ws))
                    self.assertIsInstance(snap, dict)
                    self.assertTrue(snap.get("snapshot") or
                                    snap["type"] == "status", snap)
        self.assertEqual(len(epochs), 1, "one epoch per run")

    async def test_epoch_changes_with_a_restart(self):
        first = (await h.connect(self.daemon)).tk_hello
        await self.daemon.stop()
        await self.daemon.start()
        second = (await h.connect(self.daemon)).tk_hello
        self.assertNotEqual(first["epoch"], second["epoch"])
        self.assertEqual(second["seq"], 0)


class TestResume(ResumeCase):

    async def check_resume(self, query="", symbol=None, unix=False):
        """A client that stays connected, and one that leaves mid-stream
        and comes back with since/epoch: the second must get exactly what
        the first got meanwhile, and then the same live stream."""
        stay = await self.client(self.daemon, query, unix=unix)
        mover = await self.client(self.daemon, query, unix=unix)
        epoch = mover.tk_hello["epoch"]
        part1 = self.feed.frames(20)
        await self.send(part1)
        n1 = sum(matches(f, symbol) for f in part1)
        await messages(stay, n1)
        last = (await messages(mover, n1))[-1][1]
        await mover.close()

        part2 = self.feed.frames(60)   # 20 quotes, several per key
        await self.send(part2)
        n2 = sum(matches(f, symbol) for f in part2)
        want = await messages(stay, n2)

        back = await self.client(
                self.daemon, "%s%ssince=%d&epoch=%s" % (
                    query or "?", "&" if query else "", last, epoch),
                unix=unix)
        self.assertEqual(back.tk_hello["epoch"], epoch)
        self.assertEqual(back.tk_hello["seq"], await self.last_seq())
        got = await messages(back, n2)
        self.assertEqual(got, want)
        if "batch=1" in query:
            # the replay comes as arrays, many messages to a frame
            self.assertLess(back.tk_frames, 4, back.tk_frames)
        self.assertEqual([s for _, s, _ in got],
                         sorted(set(s for _, s, _ in got)))
        self.assertGreater(got[0][1], last)
        self.assertEqual({t for t, _, _ in got}, {"trade", "quote"})
        await nothing_more(self, back)

        # ... and then the live stream, as the other client
        part3 = self.feed.frames(9)
        await self.send(part3)
        n3 = sum(matches(f, symbol) for f in part3)
        self.assertEqual(await messages(back, n3),
                         await messages(stay, n3))
        await nothing_more(self, back)

    async def test_resume(self):
        await self.check_resume()

    async def test_resume_with_a_filter(self):
        await self.check_resume("?symbols=ETH-USDT", symbol="ETHUSDT")

    async def test_resume_in_batch_mode(self):
        await self.check_resume("?batch=1")

    async def test_resume_over_unix_in_batch_mode_with_a_filter(self):
        await self.check_resume("?batch=1&symbols=BTC-USDT",
                                symbol="BTCUSDT", unix=True)

    async def test_resume_up_to_date(self):
        # Nothing missed: no snapshot, no gap, just the live stream.
        ws = await self.client(self.daemon)
        await self.send(self.feed.frames(4))
        await h.recv_ticks(ws, 4)
        last = await self.last_seq()
        back = await self.client(self.daemon, "?since=%d&epoch=%s" %
                                 (last, ws.tk_hello["epoch"]))
        await nothing_more(self, back)
        await self.send(self.feed.frames(1))
        (t,) = await h.recv_ticks(back, 1, skip_status=False)
        self.assertEqual(t["seq"], last + 1)
        self.assertNotIn("snapshot", t)


class TestResumeSmallRing(ResumeCase):

    # 64 slots; quotes conflate 32 behind
    QUEUE_TICKS = 64

    async def test_quotes_are_not_conflated_during_a_resume(self):
        """25 quotes of one key while the client is away, each followed by
        the bbo it changes: a client 50 behind is conflated, but a resuming
        one asked for every message and gets every quote."""
        ws = await self.client(self.daemon)
        await self.send(self.feed.frames(2, quotes=False))
        last = (await h.recv_ticks(ws, 2))[-1]["seq"]
        await ws.close()
        quotes = [QUOTE % (7000000 + i, "BTCUSDT", i, i) for i in range(25)]
        await self.send(quotes)
        # the ring holds them all (1 status, 52 ticks), unwrapped
        while await self.last_seq() < last + 50:
            await asyncio.sleep(0.02)
        back = await self.client(self.daemon, "?types=quote&since=%d&epoch=%s"
                                 % (last, ws.tk_hello["epoch"]))
        got = await h.recv_ticks(back, 25, skip_status=False)
        self.assertEqual([t["seq"] for t in got],
                         list(range(last + 1, last + 50, 2)))
        self.assertEqual([t["bid"] for t in got],
                         [("36999.%02d" % i).rstrip("0").rstrip(".")
                          for i in range(25)])
        await nothing_more(self, back)

    async def test_too_old_is_a_gap_with_the_oldest_held(self):
        ws = await self.client(self.daemon, "?types=trade")
        epoch = ws.tk_hello["epoch"]
        seqs = []
        for _ in range(5):  # no faster than this client reads
            await self.send(self.feed.frames(20, quotes=False))
            seqs += [t["seq"] for t in await h.recv_ticks(ws, 20)]
        # 1 status and 100 trades through 64 slots: the last 64 are held
        oldest = seqs[-64]
        self.assertEqual(await h.metric(self.daemon,
                                        "tickerd_ring_oldest_seq"), oldest)
        # since oldest - 2: tick oldest - 1 is gone
        old = await self.client(self.daemon, "?since=%d&epoch=%s" %
                                (oldest - 2, epoch))
        gap = await h.recv_json(old)
        self.assertEqual(list(gap.items()),
                         [("type", "gap"), ("since", oldest - 2),
                          ("oldest", oldest)])
        snap = await h.recv_json(old)
        self.assertTrue(snap.get("snapshot") or snap["type"] == "status",
                        snap)
        # since oldest - 1: everything after it is held
        back = await self.client(self.daemon, "?since=%d&epoch=%s" %
                                 (oldest - 1, epoch))
        got = await h.recv_ticks(back, 64, skip_status=False)
        self.assertEqual([t["seq"] for t in got], seqs[-64:])
        await nothing_more(self, back)


class TestGap(ResumeCase):

    async def test_another_epoch_is_a_gap_then_the_snapshot(self):
        ws = await self.client(self.daemon)
        await self.send(self.feed.frames(6))
        await h.recv_ticks(ws, 6)
        other = "1700000000000000-0badcafe"
        back = await self.client(self.daemon, "?since=3&epoch=" + other)
        self.assertNotEqual(back.tk_hello["epoch"], other)
        gap = await h.recv_json(back)
        self.assertEqual(list(gap.items()),
                         [("type", "gap"), ("since", 3), ("oldest", 1)])
        # the snapshot: the latest of each key, then the status
        snap = []
        while True:
            m = await h.recv_json(back)
            if m["type"] == "status":
                break
            snap.append(m)
        # 2 symbols x 2 types, and each symbol's bbo
        self.assertEqual(len(snap), 6, snap)
        self.assertTrue(all(m.get("snapshot") for m in snap), snap)
        await self.send(self.feed.frames(1))
        (t,) = await h.recv_ticks(back, 1)
        self.assertEqual(t["seq"], await self.last_seq())
        self.assertNotIn("snapshot", t)

    async def test_ring_depth_is_reported(self):
        await self.send(self.feed.frames(3))
        await asyncio.sleep(1.2)
        await self.send(self.feed.frames(3))
        _, body = await h.http_get(self.daemon, "/health")
        health = json.loads(body)
        depth = await h.metric(self.daemon, "tickerd_ring_depth_seconds")
        # the ring holds everything since the start: its oldest message
        # (the exchange's status) came before the first trades
        self.assertGreaterEqual(health["ring_depth_s"], 1.2)
        self.assertGreaterEqual(depth, 1.2)
        self.assertLess(depth, health["uptime_s"] + 2)
        self.assertEqual(await h.metric(self.daemon,
                                        "tickerd_ring_oldest_seq"), 1)


if __name__ == "__main__":
    unittest.main()
