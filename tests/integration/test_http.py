# SPDX-License-Identifier: MIT
"""HTTP on the client listeners (/health, /metrics as Prometheus text), the
Origin check, and slow clients: a client that stops reading never slows
the others nor grows the daemon; it is conflated, then closed and counted."""

import asyncio
import http.client
import json
import os
import re
import socket
import time

import websockets

import tkharness as h

# One Prometheus text-format sample line: name{labels} value
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? '
                    r'(-?[0-9.eE+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """{(name, frozenset(labels)): value}; fails on any malformed line."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            assert len(parts) == 4, line
            if parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram"), line
                typed.add(parts[2])
            continue
        m = SAMPLE.match(line)
        assert m, "not Prometheus text: %r" % line
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        base = re.sub(r'_(bucket|sum|count)$', '', m.group(1))
        assert m.group(1) in typed or base in typed, \
            "no TYPE for %s" % m.group(1)
        key = (m.group(1), labels)
        assert key not in samples, "duplicate sample %r" % (key,)
        samples[key] = float(m.group(4))
    return samples


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, r.getheader("Content-Type"), body


def metric(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def sim_conf(port, rate=200, queue=4096, **ex):
    e = {"name": "sim", "adapter": "sim", "symbols": ["BTC-USD", "ETH-USD"],
         "rate": rate}
    e.update(ex)
    return {"listen": {"tcp": "127.0.0.1:%d" % port},
            "exchanges": [e], "clients": {"queue_ticks": queue}}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class TestHttp(h.TkTestCase):

    async def test_health_and_metrics(self):
        port = h.free_port()
        daemon = await self.start_daemon(sim_conf(port), self.make_tmpdir())
        ws = await self.client(daemon, "?symbols=BTC-USD")
        await h.recv_ticks(ws, 20)
        status, ctype, body = await asyncio.to_thread(get, port, "/health")
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "application/json")
        health = json.loads(body)
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["clients"], 1)
        (ex,) = health["exchanges"]
        self.assertEqual((ex["name"], ex["adapter"], ex["state"]),
                         ("sim", "sim", "connected"))
        self.assertLess(ex["last_tick_age_s"], 2)
        self.assertGreater(ex["ticks"], 0)

        status, ctype, body = await asyncio.to_thread(get, port, "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        m = parse_prometheus(body)
        trades = metric(m, "tickerd_ticks_total", exchange="sim",
                        type="trade")
        quotes = metric(m, "tickerd_ticks_total", exchange="sim",
                        type="quote")
        self.assertGreater(trades + quotes, 20)
        self.assertEqual(metric(m, "tickerd_clients"), 1)
        self.assertGreater(metric(m, "tickerd_delivered_total"), 10)
        self.assertEqual(metric(m, "tickerd_upstream_state", exchange="sim",
                                state="connected"), 1)
        # The bbo is nobody's: counted apart, never as an exchange's type.
        self.assertGreater(metric(m, "tickerd_bbo_total"), 0)
        self.assertNotIn(("tickerd_ticks_total", frozenset(
                {("exchange", "sim"), ("type", "bbo")})), m)
        self.assertEqual([k for k in m if ("exchange", "") in k[1]], [])
        # The latency histogram is cumulative and ends at +Inf = count.
        buckets = sorted((float(dict(k[1])["le"]), v) for k, v in m.items()
                         if k[0] == "tickerd_delivery_latency_seconds_bucket"
                         and dict(k[1])["le"] != "+Inf")
        self.assertEqual([v for _, v in buckets],
                         sorted(v for _, v in buckets))
        inf = metric(m, "tickerd_delivery_latency_seconds_bucket", le="+Inf")
        self.assertEqual(inf, metric(m, "tickerd_delivery_latency_seconds_count"))
        self.assertGreater(inf, 0)

        status, _, _ = await asyncio.to_thread(get, port, "/nope")
        self.assertEqual(status, 404)

    async def test_metrics_count_reconnects_and_parse_errors(self):
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        port = h.free_port()
        daemon = await self.start_daemon(h.binance_config(port, mock.url),
                                         tmp)
        await mock.wait_subscribed(1)
        await mock.send("not json", '{"e":"trade","s":"BTCUSDT","p":"x"}')
        await mock.drop()
        await mock.wait_subscribed(2)
        deadline = time.monotonic() + 5
        while True:
            _, _, body = await asyncio.to_thread(get, port, "/metrics")
            m = parse_prometheus(body)
            if metric(m, "tickerd_reconnects_total", exchange="binance") >= 1:
                break
            self.assertLess(time.monotonic(), deadline, body)
            await asyncio.sleep(0.1)
        self.assertEqual(metric(m, "tickerd_parse_errors_total",
                                exchange="binance"), 2)
        _, _, body = await asyncio.to_thread(get, port, "/health")
        (ex,) = json.loads(body)["exchanges"]
        self.assertGreaterEqual(ex["reconnects"], 1)


async def health_when(daemon, pred, timeout=10.0):
    """GET /health until @pred(code, body) holds; returns (code, body)."""
    deadline = time.monotonic() + timeout
    while True:
        code, body = await h.http_get(daemon, "/health")
        health = json.loads(body)
        if pred(code, health):
            return code, health
        if time.monotonic() > deadline:
            raise AssertionError("/health never matched; last: HTTP %d "
                                 "%s" % (code, body))
        await asyncio.sleep(0.1)


class TestHealthStatus(h.TkTestCase):
    """/health's "status" with two mock exchanges: ok while both deliver,
    degraded (still 200) when one is gone, down (503) when none
    delivers, a connection without data included."""

    async def test_ok_degraded_down(self):
        a = await self.start_mock()
        b = await self.start_mock()
        port = h.free_port()
        daemon = await self.start_daemon(h.daemon_config(port, [
                h.exchange_entry(a, ["BTC-USDT"], name="alpha"),
                h.exchange_entry(b, ["BTC-USDT"], name="beta")]),
                self.make_tmpdir())
        await a.wait_subscribed(1)
        await b.wait_subscribed(1)
        # Connected, but no data yet: nothing is delivered.
        code, health = await h.http_get(daemon, "/health")
        health = json.loads(health)
        self.assertEqual((code, health["status"], health["delivering"]),
                         (503, "down", 0), health)
        self.assertEqual([e["state"] for e in health["exchanges"]],
                         ["connected", "connected"])
        quote = h.unwrap(h.fixture(
                "edge_bookTicker_all_market_deprecated.json"))
        await a.send(quote)
        await b.send(quote)
        code, health = await health_when(
                daemon, lambda c, j: j["status"] != "down")
        self.assertEqual((code, health["status"], health["delivering"]),
                         (200, "ok", 2), health)
        self.assertEqual([e["delivering"] for e in health["exchanges"]],
                         [True, True])
        # One exchange gone (its server too, so it stays gone).
        await b.close()
        code, health = await health_when(
                daemon, lambda c, j: j["status"] != "ok")
        self.assertEqual((code, health["status"], health["delivering"]),
                         (200, "degraded", 1), health)
        self.assertEqual([(e["name"], e["delivering"])
                          for e in health["exchanges"]],
                         [("alpha", True), ("beta", False)])
        self.assertNotEqual(health["exchanges"][1]["state"], "connected")
        await a.close()
        code, health = await health_when(
                daemon, lambda c, j: j["status"] != "degraded")
        self.assertEqual((code, health["status"], health["delivering"]),
                         (503, "down", 0), health)


class TestOrigin(h.TkTestCase):

    async def test_other_sites_are_refused(self):
        port = h.free_port()
        daemon = await self.start_daemon(sim_conf(port), self.make_tmpdir())
        uri = "ws://127.0.0.1:%d/" % port
        # A program (no Origin) and tickerd's own page are let in.
        async def pong(ws):
            await ws.send('{"op":"ping"}')
            while json.loads(await asyncio.wait_for(ws.recv(), 5)).get(
                    "type") != "pong":
                pass
        async with websockets.connect(uri) as ws:
            await pong(ws)
        async with websockets.connect(
                uri, origin="http://127.0.0.1:%d" % port) as ws:
            await pong(ws)
        # A page from anywhere else is not.
        with self.assertRaises(websockets.InvalidHandshake):
            async with websockets.connect(
                    uri, origin="https://evil.example"):
                pass
        # ...and is told so: 403 (lws answers in HTTP/1.0 form, which the
        # websockets client refuses to parse, hence the raw request).
        status = await asyncio.to_thread(h.upgrade_status, port,
                                         "https://evil.example")
        self.assertRegex(status, r"^HTTP/1\.[01] 403")
        _, _, body = await asyncio.to_thread(get, port, "/metrics")
        self.assertEqual(metric(parse_prometheus(body),
                                "tickerd_origin_refused_total"), 2)
        self.assertTrue(daemon.running())


class TestSlowClients(h.TkTestCase):

    async def test_stalled_clients_do_not_hurt_others(self):
        port = h.free_port()
        # 1000 ticks/s into a 1024-slot ring: a client that stops reading
        # is a ring behind within a few seconds once its socket is full.
        # Trades only, so that no bbo adds to the 1000 messages a second.
        daemon = await self.start_daemon(
                sim_conf(port, rate=1000, queue=1024, channels=["trade"]),
                self.make_tmpdir())
        rss0 = rss_kib(daemon.proc.pid)
        stalled = []
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
            stalled.append(s)  # never read again
            self.addCleanup(s.close)
        good = await self.client(daemon)
        seqs = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            t = await h.recv_json(good, skip_status=True)
            if "seq" in t and not t.get("snapshot"):
                seqs.append(t["seq"])
        # The reading client got every live tick, in order, no gap (the
        # snapshot before them is the latest of each key, in key order).
        self.assertGreater(len(seqs), 2000)
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        _, _, body = await asyncio.to_thread(get, port, "/metrics")
        m = parse_prometheus(body)
        self.assertEqual(metric(m, "tickerd_slow_client_closes_total"), 10)
        self.assertGreater(metric(m, "tickerd_dropped_total"), 0)
        self.assertEqual(metric(m, "tickerd_clients"), 1)
        # Memory stayed bounded: the ring and a send buffer per client.
        self.assertLess(rss_kib(daemon.proc.pid) - rss0, 32 * 1024)

    async def test_lagging_reader_is_conflated_then_closed(self):
        """A client that reads, but about a third as fast as ticks come:
        it falls behind steadily, gets only the latest quotes once half
        a ring behind, and is closed when trades would be lost."""
        port = h.free_port()
        # It is conflated while 4096 to 8192 messages behind: about 2 s
        # at 2000/s, so that a stall of the reader or of this machine
        # (no write while it lasts, so nothing to conflate) does not
        # carry it from "not yet conflated" straight to "closed".
        daemon = await self.start_daemon(
                sim_conf(port, rate=3000, queue=8192), self.make_tmpdir())
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        async with websockets.connect("ws://127.0.0.1:%d/" % port,
                                      sock=sock, max_queue=1,
                                      read_limit=4096) as ws:
            close = None
            deadline = time.monotonic() + 15
            n = 0
            try:
                while time.monotonic() < deadline:
                    await asyncio.wait_for(ws.recv(), 5)
                    n += 1
                    if n % 10 == 0:
                        await asyncio.sleep(0.01)  # ~1000 messages/s
            except websockets.ConnectionClosed as e:
                close = e
        self.assertIsNotNone(close, "the lagging client was never closed")
        self.assertEqual(close.code, 1008)
        self.assertIn("too slow", close.reason)
        _, _, body = await asyncio.to_thread(get, port, "/metrics")
        m = parse_prometheus(body)
        self.assertGreater(metric(m, "tickerd_conflated_total"), 0)
        self.assertEqual(metric(m, "tickerd_slow_client_closes_total"), 1)
        self.assertTrue(daemon.running())
        os.sched_yield()


class TestFiltersUnderLoad(h.TkTestCase):

    async def test_filtered_client_gets_exactly_its_subsequence(self):
        port = h.free_port()
        daemon = await self.start_daemon(
                sim_conf(port, rate=1000, queue=8192,
                         symbols=["BTC-USD", "ETH-USD", "SOL-USD"]),
                self.make_tmpdir())
        # every tick of the exchange (the bbo derived from its quotes is
        # no part of this)
        everything = await self.client(daemon, "?types=trade,quote")
        picky = await self.client(daemon, "?symbols=ETH-USD&types=quote")
        await h.roundtrip_ping(everything)
        await h.roundtrip_ping(picky)
        all_ticks = await h.recv_ticks(everything, 1500)
        lo, hi = all_ticks[0]["seq"], all_ticks[-1]["seq"]
        want = [t["seq"] for t in all_ticks
                if t["symbol"] == "ETH-USD" and t["type"] == "quote"]
        got = []
        while not got or got[-1] < want[-1]:
            t = await h.recv_json(picky, skip_status=True)
            if "seq" not in t or t.get("snapshot"):
                continue
            self.assertEqual((t["symbol"], t["type"]), ("ETH-USD", "quote"))
            got.append(t["seq"])
        # The window both clients were registered for: from picky's first
        # live tick (ticks before it were in its snapshot instead).
        lo = max(lo, got[0])
        got = [s for s in got if lo <= s <= hi]
        want = [s for s in want if s >= lo]
        # every matching tick of the window, none twice, none extra
        self.assertGreater(len(want), 150)
        self.assertEqual(got, want)
