# SPDX-License-Identifier: MIT
"""Write coalescing and input moderation (ticker/pace.h): with many clients,
ticks that arrive close together share one write to each client, and the
exchange is read in bursts while every client waits; with coalescing off
(clients.coalesce_ms 0), or with few clients, every tick goes out at once.
Either way every client gets every tick, in order, exactly once."""

import asyncio
import selectors
import socket
import threading
import time

import tkharness as h

TRADE = ('{"e":"trade","E":%d,"s":"BTCUSDT","t":%d,"p":"37000.%02d",'
         '"q":"0.5","T":%d,"m":false,"M":true}')
READERS = 97      # plain sockets that read and drop what they get
CHECKERS = 3      # WebSocket clients that check every tick
FRAMES = 400


async def metrics(daemon):
    """The unlabelled samples of /metrics, by name."""
    status, body = await h.http_get(daemon, "/metrics")
    assert status == 200, status
    return {name: v for (name, labels), v in h.parse_metrics(body).items()
            if not labels}


class RawReaders:
    """Plain WebSocket clients that only read and drop what they get, in a
    thread of their own, so that the mock exchange's pace stays even."""

    def __init__(self, port, n):
        self.socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
            s.setblocking(False)
            self.socks.append(s)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        sel = selectors.DefaultSelector()
        for s in self.socks:
            sel.register(s, selectors.EVENT_READ)
        while not self.stop.is_set():
            for key, _ in sel.select(0.1):
                try:
                    if not key.fileobj.recv(262144):
                        sel.unregister(key.fileobj)
                except BlockingIOError:
                    pass
        sel.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


class TestCoalesce(h.TkTestCase):

    TEST_TIMEOUT = 90.0

    async def run_feed(self, coalesce_ms, spacing_s):
        """100 clients, 400 trades every @spacing_s from a mock Binance;
        returns (writes per delivered tick, the checkers' seq lists)."""
        mock = await self.start_mock("binance")
        port = h.free_port()
        conf = h.binance_config(port, mock.url)
        conf["clients"] = {"coalesce_ms": coalesce_ms}
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        await mock.wait_subscribed(1)
        readers = RawReaders(port, READERS)
        self.addCleanup(readers.close)
        checkers = [await self.client(daemon) for _ in range(CHECKERS)]
        for ws in checkers:
            await h.roundtrip_ping(ws)
        before = await metrics(daemon)
        now = int(time.time() * 1000)
        t0 = time.monotonic()
        for i in range(FRAMES):
            await mock.send(TRADE % (now, 7000000 + i, i % 100, now))
            # keep the pace even when a send is late
            delay = t0 + (i + 1) * spacing_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        seqs = []
        for ws in checkers:
            got = []
            while len(got) < FRAMES:
                t = await h.recv_json(ws, skip_status=True, timeout=20)
                if t.get("type") == "trade" and not t.get("snapshot"):
                    got.append((t["seq"], t["trade_id"]))
            seqs.append(got)
        after = await metrics(daemon)
        writes = after["tickerd_client_writes_total"] - \
            before["tickerd_client_writes_total"]
        delivered = after["tickerd_delivered_total"] - \
            before["tickerd_delivered_total"]
        self.assertGreaterEqual(delivered, FRAMES * (READERS + CHECKERS))
        return writes / delivered, seqs

    def assertEveryTickOnce(self, seqs):
        for got in seqs:
            ids = [tid for _, tid in got]
            self.assertEqual(ids, [str(7000000 + i) for i in range(FRAMES)])
            s = [seq for seq, _ in got]
            self.assertEqual(s, list(range(s[0], s[0] + FRAMES)))

    async def test_many_clients_share_writes(self):
        per_tick, seqs = await self.run_feed(coalesce_ms=10, spacing_s=0.002)
        self.assertEveryTickOnce(seqs)
        # 100 clients: a write per client every 10 ms carries ~5 trades
        # (0.21 writes per tick measured; the pace allows at most 0.24)
        self.assertLess(per_tick, 0.3)

    async def test_coalescing_off_writes_every_tick(self):
        """Coalescing off, a trade every 5 ms: each goes out alone, but
        for the few that reach tickerd together (coalescing on would allow
        at most 0.3 writes per tick here).  On a loaded host the mock's
        5 ms sleeps bunch up and tickerd reads a few trades at once, so
        the bound sits between the two: 0.45."""
        per_tick, seqs = await self.run_feed(coalesce_ms=0, spacing_s=0.005)
        self.assertEveryTickOnce(seqs)
        self.assertGreater(per_tick, 0.45)

    async def test_lull_after_a_fast_feed_is_not_held(self):
        """100 clients (a 20 ms gap), 40 trades every 3 ms: each pass has
        more than 32 ticks waiting for every client, who is then written
        at once, far more often than once per gap.  The 5 trades that come
        after a lull must still go out within about a gap: before, each of
        those early writes pushed the client's schedule 20 ms ahead, and
        these trades waited seconds for it."""
        chunks, chunk, clients = 300, 40, READERS + CHECKERS
        mock = await self.start_mock("binance")
        port = h.free_port()
        conf = h.binance_config(port, mock.url)
        conf["clients"] = {"coalesce_ms": 20}
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        await mock.wait_subscribed(1)
        readers = RawReaders(port, clients)
        self.addCleanup(readers.close)
        while (await metrics(daemon))["tickerd_clients"] < clients:
            await asyncio.sleep(0.05)
        now = int(time.time() * 1000)
        tid = 9000000
        for _ in range(chunks):
            await mock.send(*[TRADE % (now, tid + i, i, now)
                              for i in range(chunk)])
            tid += chunk
            await asyncio.sleep(0.003)
        # the readers catch up: what lws still had to send is sent (after
        # which it asks tickerd for more, a write the pace does not hold)
        await asyncio.sleep(1.0)
        t0 = time.monotonic()
        await mock.send(*[TRADE % (now, tid + i, i, now) for i in range(5)])
        total = (chunks * chunk + 5) * clients
        while (await metrics(daemon))["tickerd_delivered_total"] < total:
            self.assertLess(time.monotonic() - t0, 10, "trades held back")
            await asyncio.sleep(0.02)
        self.assertLess(time.monotonic() - t0, 0.5)

    async def test_few_clients_are_not_held_back(self):
        """3 clients: the pace allows a write per 18 µs, so a trade every
        20 ms goes out at once (a pace that held every tick for
        clients.coalesce_ms would put them past 5 ms)."""
        mock = await self.start_mock("binance")
        port = h.free_port()
        daemon = await self.start_daemon(h.binance_config(port, mock.url),
                                         self.make_tmpdir())
        await mock.wait_subscribed(1)
        clients = [await self.client(daemon) for _ in range(3)]
        for ws in clients:
            await h.roundtrip_ping(ws)
        now = int(time.time() * 1000)
        for i in range(50):
            await mock.send(TRADE % (now, 8000000 + i, i, now))
            await asyncio.sleep(0.02)
        for ws in clients:
            ticks = await h.recv_ticks(ws, 50)
            self.assertEqual([t["trade_id"] for t in ticks],
                             [str(8000000 + i) for i in range(50)])
        # one write per trade and client (a stalled mock may bunch a few),
        # nearly all of them within 5 ms of receipt
        m = await metrics(daemon)
        self.assertGreaterEqual(m["tickerd_client_writes_total"], 140)
        self.assertGreaterEqual(await h.metric(
            daemon, "tickerd_delivery_latency_seconds_bucket", le="0.005"),
            140)


class TestMaxDelay(h.TkTestCase):
    """?max_delay_ms=0 beside 100 coalesced clients: that client gets each
    tick in a write of its own, while the others share writes, and the
    exchanges' input is never held while it is connected (so recv_ts is
    when the frame arrived, not up to a gap later)."""

    TEST_TIMEOUT = 120.0
    TICKS = 300
    SPACING_S = 0.005

    async def feed(self, mock, base, clients):
        """TICKS trades SPACING_S apart, read meanwhile by @clients
        (batch mode); returns the wall-clock send time of each trade id
        and, per client, its frames as [(receive time, [ticks])]."""
        sent, frames = {}, [[] for _ in clients]

        async def read(ws, out):
            n = 0
            while n < self.TICKS:
                text = await h.recv_raw(ws, 20)
                t = time.time()
                msg = h.loads_strict(text)
                if not isinstance(msg, list):
                    continue  # a reply or the snapshot
                ticks = [m for m in msg if m.get("type") == "trade"]
                out.append((t, ticks))
                n += len(ticks)
        readers = [asyncio.ensure_future(read(ws, out))
                   for ws, out in zip(clients, frames)]
        now = int(time.time() * 1000)
        t0 = time.monotonic()
        for i in range(self.TICKS):
            sent[str(base + i)] = time.time()
            await mock.send(TRADE % (now, base + i, i % 100, now))
            delay = t0 + (i + 1) * self.SPACING_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*readers)
        for out in frames:
            ids = [t["trade_id"] for _, ticks in out for t in ticks]
            self.assertEqual(ids, [str(base + i) for i in range(self.TICKS)])
        return sent, frames

    @staticmethod
    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    def recv_lag_ms(self, sent, frames):
        """Median of tickerd's recv_ts less the mock's send time."""
        return self.median([t["recv_ts"] / 1e3 - sent[t["trade_id"]] * 1e3
                            for _, ticks in frames for t in ticks])

    async def beside_readers(self, *queries):
        """A mock Binance, tickerd, 98 raw readers and a client for each
        of @queries once all are connected: (mock, daemon, clients)."""
        mock = await self.start_mock("binance")
        port = h.free_port()
        daemon = await self.start_daemon(h.binance_config(port, mock.url),
                                         self.make_tmpdir())
        await mock.wait_subscribed(1)
        readers = RawReaders(port, 98)
        self.addCleanup(readers.close)
        clients = [await self.client(daemon, q) for q in queries]
        while (await metrics(daemon))["tickerd_clients"] < 98 + len(queries):
            await asyncio.sleep(0.05)
        for ws in clients:
            await h.roundtrip_ping(ws)
        return mock, daemon, clients

    async def test_zero_delay_beside_coalesced_clients(self):
        mock, daemon, (coalesced, fast) = await self.beside_readers(
                "?batch=1", "?batch=1&max_delay_ms=0")

        held0 = (await metrics(daemon))["tickerd_input_held_seconds_total"]
        sent, (slow_frames, fast_frames) = await self.feed(
                mock, 7100000, [coalesced, fast])
        held1 = (await metrics(daemon))["tickerd_input_held_seconds_total"]
        # The structure: a write per tick for the fast client, but for
        # the trades that reach tickerd together (this process is shared
        # with 98 readers; on a loaded machine its sends bunch: 1.0 to
        # 1.6 trades per write measured), about 4 for the others (a 20 ms
        # gap at 100 clients; 3.8 measured).
        per_write = [len(t) for _, t in fast_frames]
        self.assertLess(self.TICKS / len(fast_frames), 2.0, per_write)
        self.assertGreater(len(fast_frames), 2 * len(slow_frames),
                           (per_write, [len(t) for _, t in slow_frames]))
        # The time to the client is only printed: this process's own
        # scheduling (98 readers in a thread, the GIL) adds tens of ms.
        fast_ms = self.median([(t - sent[tick["trade_id"]]) * 1e3
                               for t, ticks in fast_frames
                               for tick in ticks])
        slow_ms = self.median([(t - sent[tick["trade_id"]]) * 1e3
                               for t, ticks in slow_frames
                               for tick in ticks])
        # Input moderation stayed off: nothing held, and tickerd read
        # each trade as it came (recv_ts less the mock's send time; 0.2
        # to 1.3 ms measured on a loaded machine, 8.5 with moderation).
        self.assertLess(held1 - held0, 0.05)
        fast_lag = self.recv_lag_ms(sent, fast_frames)
        self.assertLess(fast_lag, 5.0)

        # Without it the exchange is held between the coalesced writes
        # (so this setup does exercise moderation), and recv_ts is late.
        await fast.close()
        while (await metrics(daemon))["tickerd_clients"] > 99:
            await asyncio.sleep(0.05)
        sent, (slow_frames,) = await self.feed(mock, 7200000, [coalesced])
        held2 = (await metrics(daemon))["tickerd_input_held_seconds_total"]
        self.assertGreater(held2 - held1, 0.2)
        print("\nmax_delay_ms=0: %.1f ms to the client (%.1f ms to the "
              "others), recv_ts lag %.2f ms "
              "(%.2f ms without it), %.1f trades per write to the others, "
              "input held %.3f s (%.3f s without it)" % (
                  fast_ms, slow_ms, fast_lag,
                  self.recv_lag_ms(sent, slow_frames),
                  self.TICKS / len(slow_frames), held1 - held0,
                  held2 - held1))


    async def test_loop_waits_on_the_exchange_alone_for_a_zero_delay_client(
            self):
        """Beside 100 clients, a max_delay_ms=0 client wakes the loop for
        every tick: the loop then waits on the exchange's socket alone,
        not on all 100 clients' (tickerd_loop_polls_total), and still
        serves the clients' own messages and new connections within a
        few ms: a ping's answer and a new client's hello never wait for
        the ticks to stop."""
        mock, daemon, (fast, prober) = await self.beside_readers(
                "?batch=1&max_delay_ms=0", "?symbols=ETH-USDT")

        async def polls():
            return {k: await h.metric(daemon, "tickerd_loop_polls_total",
                                      sockets=k)
                    for k in ("all", "sources")}

        async def probe():
            # answers while the ticks flow: a ping, and a new client
            while not done.is_set():
                t0 = time.monotonic()
                await h.roundtrip_ping(prober, 5.0)
                pings.append(time.monotonic() - t0)
                t0 = time.monotonic()
                ws = await h.connect(daemon, "?symbols=ETH-USDT",
                                     timeout=5.0)  # reads the hello
                hellos.append(time.monotonic() - t0)
                await ws.close()
                await asyncio.sleep(0.02)

        before = await polls()
        done, pings, hellos = asyncio.Event(), [], []
        prober_task = asyncio.ensure_future(probe())
        await self.feed(mock, 7300000, [fast])
        done.set()
        await prober_task
        after = await polls()
        watched = after["sources"] - before["sources"]
        every = after["all"] - before["all"]
        print("\nzero-delay client beside 99: %d polls on the exchange "
              "alone, %d on every socket, for %d ticks; a ping answered "
              "in %.1f ms (median; at most %.1f), a new client's hello in "
              "%.1f (%.1f)" % (
                  watched, every, self.TICKS, self.median(pings) * 1e3,
                  max(pings) * 1e3, self.median(hellos) * 1e3,
                  max(hellos) * 1e3))
        # one wait per tick or so on the exchange alone (mock's sends
        # may bunch); polls over every socket at most every 5 ms, plus
        # the coalesced clients' writes
        self.assertGreater(watched, self.TICKS / 4, (watched, every))
        self.assertGreater(len(pings), 4)
        self.assertLess(max(pings + hellos), 0.5, (pings, hellos))


if __name__ == "__main__":
    import unittest
    unittest.main()
