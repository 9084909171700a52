# SPDX-License-Identifier: MIT
"""Batch mode (?batch=1): the live stream as JSON arrays of messages, each
frame carrying whatever was pending for the client; the same messages, in
the same order, as a client without it gets one per frame.  Replies and
the snapshot stay one object per frame."""

import json
import struct
import time
import unittest

import websockets

import tkharness as h

TRADE = ('{"e":"trade","E":%d,"s":"%s","t":%d,"p":"37000.%02d",'
         '"q":"0.5","T":%d,"m":false,"M":true}')
BURST = 300


def server_frame(text):
    """An unmasked text frame, as an exchange sends it."""
    data = text.encode()
    if len(data) < 126:
        return bytes([0x81, len(data)]) + data
    return bytes([0x81, 126]) + struct.pack("!H", len(data)) + data


def burst(first_id, symbols=("BTCUSDT",)):
    now = int(time.time() * 1000)
    return [TRADE % (now, symbols[i % len(symbols)], first_id + i, i % 100,
                     now) for i in range(BURST)]


async def write_at_once(mock, frames):
    """Every frame in one TCP write, so that the daemon reads them in as
    few reads as it can and has many ticks pending for each client."""
    (conn,) = mock.open_connections()
    conn.ws.transport.write(b"".join(server_frame(f) for f in frames))


async def recv_frames(ws, nticks, timeout=h.DEFAULT_TIMEOUT):
    """Parsed frames until @nticks ticks have come (status messages in
    arrays are counted out; the snapshot's status objects before them are
    skipped); returns (frames, ticks)."""
    deadline = time.monotonic() + timeout
    frames, ticks = [], []
    while len(ticks) < nticks:
        text = await h.recv_raw(ws, max(0.0, deadline - time.monotonic()))
        msg = h.loads_strict(text)
        if not frames and isinstance(msg, dict) and \
                msg.get("type") == "status":
            ws.tk_statuses.append(msg)  # the snapshot's, one per frame
            continue
        frames.append(msg)
        for m in msg if isinstance(msg, list) else [msg]:
            if m.get("type") in ("trade", "quote"):
                ticks.append(m)
    return frames, ticks


class TestBatch(h.TkTestCase):

    async def asyncSetUp(self):
        self.mock = await self.start_mock("binance")
        conf = h.binance_config(h.free_port(), self.mock.url)
        self.daemon = await self.start_daemon(conf, self.make_tmpdir())
        await self.mock.wait_subscribed(1)

    async def test_arrays_carry_what_one_per_frame_gets(self):
        plain = await self.client(self.daemon)
        batch = await self.client(self.daemon, "?batch=1")
        await write_at_once(self.mock, burst(9100000))
        _, want = await recv_frames(plain, BURST)
        frames, got = await recv_frames(batch, BURST)
        self.assertEqual(got, want)
        arrays = [f for f in frames if isinstance(f, list)]
        self.assertEqual(arrays, frames, "every live frame is an array")
        self.assertTrue(all(arrays), "no empty array")
        self.assertLess(len(arrays), BURST // 4,
                        "%d frames for %d ticks" % (len(arrays), BURST))
        seqs = [t["seq"] for t in got]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + BURST)))

    async def test_filter_and_snapshot(self):
        # The snapshot comes first as one object per frame, then the
        # live ticks in arrays, filtered.
        await self.mock.send(TRADE % (1, "ETHUSDT", 9199999, 1, 1))
        warm = await self.client(self.daemon)
        await h.recv_ticks(warm, 1)
        ws = await self.client(self.daemon, "?batch=true&symbols=ETH-USDT")
        snap = await h.recv_json(ws)
        self.assertIsInstance(snap, dict)
        self.assertEqual((snap["symbol"], snap.get("snapshot")),
                         ("ETH-USDT", True))
        await write_at_once(self.mock,
                            burst(9200000, ("BTCUSDT", "ETHUSDT")))
        frames, got = await recv_frames(ws, BURST // 2)
        self.assertTrue(ws.tk_statuses, "no status object in the snapshot")
        self.assertTrue(all(isinstance(f, list) for f in frames),
                        [type(f) for f in frames])
        self.assertEqual({t["symbol"] for t in got}, {"ETH-USDT"})
        self.assertEqual(len(got), BURST // 2)

    async def test_replies_are_objects(self):
        ws = await self.client(self.daemon, "?batch=1")
        await h.send_json(ws, {"op": "ping"})
        self.assertEqual(await h.recv_json(ws, skip_status=True),
                         {"type": "pong"})

    async def test_batch_off_and_bad_value(self):
        off = await self.client(self.daemon, "?batch=0")
        await self.mock.send(TRADE % (1, "BTCUSDT", 9300000, 1, 1))
        (t,) = await h.recv_ticks(off, 1)
        self.assertEqual(t["trade_id"], "9300000")
        ws = await self.client(self.daemon, "?batch=yes")
        with self.assertRaises(websockets.ConnectionClosed) as cm:
            await h.recv_json(ws, timeout=5)
        self.assertEqual(cm.exception.rcvd.code, 1008)
        self.assertIn("batch", cm.exception.rcvd.reason)


if __name__ == "__main__":
    unittest.main()
