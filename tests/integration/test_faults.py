# SPDX-License-Identifier: MIT
"""Fault injection: what a broken exchange, a hostile network or a hostile
client can do to tickerd, and what tickerd must do about it.

- Exchange frames that are truncated, not JSON, deeply nested, of the wrong
  types, not UTF-8, binary: counted as parse errors, the connection goes
  on, ticks keep flowing.  Over 1 MiB: the connection is dropped and
  tickerd reconnects.
- An exchange that accepts TCP but never answers the upgrade: tickerd gives
  up on it and retries.
- TLS to a server with a self-signed certificate: refused (and accepted
  with the explicit tls_verify: false opt-out, so the server is sound).
- Clients that send garbage, huge frames, or connect and disconnect 10,000
  times: tickerd answers or drops them, stays up, and its clients, fds and
  memory come back to where they were.
- Running out of file descriptors: clients past the limit are turned away,
  the ones connected keep being served, and tickerd recovers.
"""

import asyncio
import concurrent.futures
import os
import resource
import shutil
import socket
import ssl
import struct
import subprocess
import time
import unittest

import tkharness as h

# aggTrade_3.json: a real BTCUSDT aggTrade, as a raw /ws connection gets it.
BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))
MIB = 1 << 20

# ASan's quarantine keeps freed blocks (256 MB by default), which would
# hide whether memory comes back; ignored by builds without ASan.
SMALL_QUARANTINE = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:"
                                    "quarantine_size_mb=1"}


# ---------------------------------------------------------------- helpers

class RawClient:
    """A client on a bare socket, for what a library will not send."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, port, timeout=h.DEFAULT_TIMEOUT):
        r, w = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), timeout)
        c = cls(r, w)
        w.write(h.upgrade_request("127.0.0.1:%d" % port))
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), timeout)
        if not head.startswith(b"HTTP/1.1 101"):
            w.close()
            raise AssertionError("upgrade refused: %r" % head[:200])
        return c

    def send(self, opcode, payload, fin=True):
        self.w.write(h.ws_frame(opcode, payload, fin=fin))

    async def frame(self, timeout=h.DEFAULT_TIMEOUT):
        """(opcode, payload) of the next frame."""
        async def read():
            b0, b1 = await self.r.readexactly(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack("!H", await self.r.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.r.readexactly(8))[0]
            return b0 & 0x0f, await self.r.readexactly(n)
        return await asyncio.wait_for(read(), timeout)

    async def text(self, timeout=h.DEFAULT_TIMEOUT):
        """The next text frame that is not a status or the hello,
        parsed."""
        deadline = time.monotonic() + timeout
        while True:
            op, data = await self.frame(max(0.01,
                                            deadline - time.monotonic()))
            if op == 8:
                raise AssertionError("closed: %r" % data)
            if op != 1:
                continue
            msg = h.loads_strict(data.decode())
            if msg.get("type") not in ("status", "hello"):
                return msg

    def abort(self):
        self.w.transport.abort()


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FaultCase(h.TkTestCase):

    TEST_TIMEOUT = 90.0

    async def start(self, env=None, clients=None, **exchange):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url, **exchange)
        if clients:
            conf["clients"] = clients
        self.daemon = await self.start_daemon(conf, self.tmp, env=env)
        self.conn = await self.mock.wait_subscribed(1)

    async def parse_errors(self):
        return await h.metric(self.daemon, "tickerd_parse_errors_total",
                              exchange="binance")

    async def reconnects(self):
        return await h.metric(self.daemon, "tickerd_reconnects_total",
                              exchange="binance")

    async def expect_flow(self, ws, timeout=h.DEFAULT_TIMEOUT):
        """A good trade sent now reaches @ws."""
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1, timeout)
        self.assertEqual((t["symbol"], t["price"]), ("BTC-USDT", "58942.01"))
        return t

    async def client_ready(self):
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        return ws


# ---------------------------------------------------------------- exchange

def nested(depth):
    return "[" * depth + "]" * depth


class TestExchangeFrames(FaultCase):

    async def test_bad_text_frames_counted_and_survived(self):
        await self.start()
        ws = await self.client_ready()
        await self.expect_flow(ws)
        before = await self.parse_errors()
        t = BTC_TRADE
        bad = [t[:n] for n in (1, 10, len(t) // 2, len(t) - 1)]
        bad += ["", " ", "not json", "{", "}", "\"", "[", "nul", "1e99999",
                '{"e":"aggTrade"', t + "x", t + t,
                nested(100), nested(5000), nested(200000),
                '{"a":' * 50000 + "1" + "}" * 50000,
                "\\u0000", '{"e":"aggTrade\u0000"}',
                "x" * 900000]
        # Known shapes with fields of the wrong type.
        for old, new in (('"p":"58942.01000000"', '"p":58942.01'),
                         ('"p":"58942.01000000"', '"p":"fifty"'),
                         ('"p":"58942.01000000"', '"p":"1e999"'),
                         ('"p":"58942.01000000"', '"p":null'),
                         ('"p":"58942.01000000"', '"p":["1"]'),
                         ('"q":"0.00035600"', '"q":{}'),
                         ('"q":"0.00035600"', '"q":"-0..1"'),
                         ('"T":1616176861893', '"T":"soon"'),
                         ('"T":1616176861893', '"T":-1'),
                         ('"T":1616176861893', '"T":1e300'),
                         ('"s":"BTCUSDT"', '"s":5'),
                         ('"a":', '"a":{"x":1},"b":'),
                         ('"m":false', '"m":"maybe"')):
            self.assertEqual(t.count(old), 1, old)
            bad.append(t.replace(old, new))
        for frame in bad:
            await self.conn.ws.send(frame)
        await self.expect_flow(ws)
        self.assertEqual(await self.parse_errors() - before, len(bad))
        self.assertEqual(len(self.mock.connections), 1, "reconnected")
        self.assertTrue(self.daemon.running())

    async def test_invalid_utf8_and_binary_frames(self):
        await self.start()
        ws = await self.client_ready()
        before = await self.parse_errors()
        good = BTC_TRADE.encode()
        invalid = [b'{"e":"aggTrade","s":"\xff\xfe"}',
                   b'{"x":"\xc0\xaf"}',		# overlong '/'
                   b'{"x":"\xed\xa0\x80"}',	# UTF-16 surrogate
                   b'{"x":"\xf4\x90\x80\x80"}',	# past U+10FFFF
                   good[:-2] + b"\xe2\x82"]	# cut inside a character
        for payload in invalid:
            self.conn.ws.transport.write(h.ws_frame(1, payload, mask=False))
        binary = [good, b"\x00\x01\x02", os.urandom(4096)]
        for payload in binary:
            await self.conn.ws.send(payload)
        await self.expect_flow(ws)
        after = await self.parse_errors()
        # Counted however they were rejected (by the WebSocket layer or
        # by the codec), and the link was not dropped for them.
        self.assertEqual(after - before, len(invalid) + len(binary))
        self.assertEqual(len(self.mock.connections), 1, "reconnected")

    async def test_frame_just_under_the_limit_is_parsed(self):
        await self.start()
        ws = await self.client_ready()
        pad = ',"pad":"%s"}' % ("x" * (MIB - 64 - len(BTC_TRADE)))
        frame = BTC_TRADE[:-1] + pad
        self.assertLess(len(frame), MIB)
        await self.conn.ws.send(frame)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual(t["trade_id"], "640283266")
        self.assertEqual(len(self.mock.connections), 1)

    async def oversized(self, send):
        await self.start()
        ws = await self.client_ready()
        before = await self.parse_errors()
        first = self.conn
        await send(first)
        await self.mock.wait_closed(first, timeout=10)
        await self.mock.wait_subscribed(2, timeout=15)
        self.assertEqual(await self.parse_errors() - before, 1)
        self.assertGreaterEqual(await self.reconnects(), 1)
        await self.expect_flow(ws, timeout=10)
        self.assertTrue(self.daemon.running())

    async def test_oversized_frame_drops_and_reconnects(self):
        frame = BTC_TRADE[:-1] + ',"pad":"%s"}' % ("x" * (MIB + MIB // 2))
        await self.oversized(lambda c: c.ws.send(frame))

    async def test_oversized_fragmented_message_drops_and_reconnects(self):
        # 3 MiB in 64 KiB fragments: no single fragment is big, the
        # message is.
        chunk = "x" * (64 * 1024)
        await self.oversized(lambda c: c.ws.send(
                iter([BTC_TRADE[:-1] + ',"pad":"'] + [chunk] * 48 + ['"}'])))

    async def test_websocket_frame_cut_by_the_connection(self):
        await self.start()
        ws = await self.client_ready()
        # A frame header announcing 1000 bytes, 10 of them, then the
        # exchange's socket dies.
        self.conn.ws.transport.write(
            h.ws_frame(1, b"x" * 1000, mask=False)[:14])
        await asyncio.sleep(0.2)
        self.conn.ws.transport.abort()
        await self.mock.wait_subscribed(2, timeout=15)
        await self.expect_flow(ws, timeout=10)


class TestUpgradeNeverCompletes(h.TkTestCase):

    TEST_TIMEOUT = 60.0

    async def test_timed_out_and_retried(self):
        accepts, closed = [], []

        async def silent(reader, writer):
            accepts.append(time.monotonic())
            try:
                while await reader.read(4096):
                    pass	# reads the upgrade, never answers
            except OSError:
                pass
            closed.append(time.monotonic())
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        self.addAsyncCleanup(self._close_server, server)
        sport = server.sockets[0].getsockname()[1]
        tmp = self.make_tmpdir()
        port = h.free_port()
        conf = h.binance_config(port, "ws://127.0.0.1:%d/ws" % sport)
        # Stopped and checked for sanitizer reports here rather than in the
        # harness's cleanup, so that everything counts as this test.
        daemon = h.Daemon(h.write_config(tmp, conf), tcp_port=port)
        self.addCleanup(daemon.kill)
        await daemon.start()
        try:
            ws = await self.client(daemon)
            deadline = time.monotonic() + 25
            while len(accepts) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            self.assertGreaterEqual(len(accepts), 2, "no retry within 25 "
                                    "s\n" + daemon.log_tail())
            # tickerd gave up on the first attempt itself, within ~20 s.
            self.assertTrue(closed, "the first attempt was never closed")
            self.assertLessEqual(closed[0] - accepts[0], 21.0)
            st = await h.recv_status(ws, "reconnecting")
            self.assertEqual(st["exchange"], "binance")
            self.assertTrue(daemon.running())
            await ws.close()
            print("\nsilent upgrade: dropped after %.1f s, retried after "
                  "%.1f s" % (closed[0] - accepts[0],
                              accepts[1] - accepts[0]))
        finally:
            await daemon.stop()
            self.assertEqual(daemon.fatal_reports(), "")

    @staticmethod
    async def _close_server(server):
        server.close()
        await server.wait_closed()


class TlsFront:
    """A TLS server on 127.0.0.1 in front of a mock exchange: it counts
    TCP accepts and TLS handshakes, and relays bytes to the mock once the
    handshake succeeded.  The handshake starts on the accepted socket
    itself, so no byte of the ClientHello can be read before it."""

    def __init__(self, certfile, keyfile, backend_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.backend_port = backend_port
        self.accepts = 0
        self.handshakes = 0
        self.failures = []
        self.sock = None
        self.port = None
        self.tasks = set()

    async def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self._spawn(self._accept())
        return self

    def _spawn(self, coro):
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    async def _accept(self):
        loop = asyncio.get_running_loop()
        while True:
            conn, _ = await loop.sock_accept(self.sock)
            self.accepts += 1
            self._spawn(self._serve(conn))

    async def _serve(self, conn):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        proto = asyncio.StreamReaderProtocol(reader)
        try:
            transport, _ = await loop.connect_accepted_socket(
                    lambda: proto, conn, ssl=self.ctx,
                    ssl_handshake_timeout=10)
        except (ssl.SSLError, OSError, asyncio.TimeoutError) as e:
            self.failures.append(repr(e))
            conn.close()
            return
        self.handshakes += 1
        writer = asyncio.StreamWriter(transport, proto, reader, loop)
        br, bw = await asyncio.open_connection("127.0.0.1", self.backend_port)

        async def pipe(r, w):
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except OSError:
                pass
            finally:
                w.close()
        await asyncio.gather(pipe(reader, bw), pipe(br, writer))

    async def close(self):
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)
        self.sock.close()


class TestTls(h.TkTestCase):

    TEST_TIMEOUT = 60.0

    async def start(self, **exchange):
        tmp = self.make_tmpdir()
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        openssl = shutil.which("openssl")
        self.assertIsNotNone(openssl, "openssl is needed (scripts/deps.sh)")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        self.mock = await self.start_mock()
        self.front = await TlsFront(cert, key, self.mock.port).start()
        self.addAsyncCleanup(self.front.close)
        port = h.free_port()
        url = "wss://127.0.0.1:%d/ws" % self.front.port
        self.daemon = await self.start_daemon(
                h.binance_config(port, url, **exchange), tmp)

    async def test_self_signed_certificate_refused(self):
        await self.start()
        ws = await self.client(self.daemon)
        deadline = time.monotonic() + 20
        while self.front.accepts < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        # tickerd kept trying, and never got through the handshake.
        self.assertGreaterEqual(self.front.accepts, 2,
                                self.daemon.log_tail())
        self.assertEqual(self.front.handshakes, 0, self.front.failures)
        # tickerd itself gave up on the certificate (TLS alert unknown_ca).
        self.assertTrue(any("UNKNOWN_CA" in f for f in self.front.failures),
                        self.front.failures)
        self.assertEqual(self.mock.connections, [])
        st = await h.recv_status(ws, "reconnecting")
        self.assertEqual(st["exchange"], "binance")
        self.assertTrue(self.daemon.running())
        print("\nself-signed: %d attempts refused: %s; status: %s" %
              (self.front.accepts, self.front.failures[:1], st["detail"]))

    async def test_opt_out_reaches_the_same_server(self):
        # The control: the server works, only verification refused it.
        await self.start(tls_verify=False)
        try:
            await self.mock.wait_subscribed(1, timeout=15)
        except AssertionError as e:
            self.fail("%s\nTLS: %d accepts, %d handshakes, %s\n%s" %
                      (e, self.front.accepts, self.front.handshakes,
                       self.front.failures[:3], self.daemon.log_tail()))
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        await self.mock.send(BTC_TRADE)
        (t,) = await h.recv_ticks(ws, 1)
        self.assertEqual(t["trade_id"], "640283266")
        self.assertGreaterEqual(self.front.handshakes, 1)


# ---------------------------------------------------------------- clients

class TestClients(FaultCase):

    async def test_garbage_from_a_client(self):
        await self.start()
        watcher = await self.client_ready()
        c = await RawClient.connect(self.port)
        garbage = [(1, b""), (1, b"{"), (1, b"\x00"), (1, b"null"),
                   (1, b"[]" * 1000), (1, nested(100000).encode()),
                   (1, b'{"op":"subscribe","symbols":"BTC-USDT"}'),
                   (1, b'{"op":"subscribe","symbols":[' +
                    b'"A-B",' * 5000 + b'"C-D"]}'),
                   (1, b'{"op":"ping"' + b" " * 5000 + b"}"),	# over 4096
                   (2, b"\xff\xfe\xfd"), (2, os.urandom(1000))]
        for op, payload in garbage:
            c.send(op, payload)
        for op, payload in garbage:
            msg = await c.text()
            self.assertEqual(msg["type"], "error", (payload[:40], msg))
        c.send(1, b'{"op":"ping"}')
        self.assertEqual((await c.text())["type"], "pong")
        # Invalid UTF-8 in a text frame: a protocol error that may close
        # that client (RFC 6455 8.1), and nobody else.
        c.send(1, b'{"op":"\xff"}')
        try:
            await c.text(timeout=3)
        except (AssertionError, asyncio.IncompleteReadError,
                asyncio.TimeoutError):
            pass
        c.abort()
        await self.expect_flow(watcher)
        self.assertTrue(self.daemon.running())

    async def test_garbage_instead_of_http(self):
        await self.start()
        watcher = await self.client_ready()
        for payload in (os.urandom(3000), b"\x16\x03\x01\x02\x00\x01" * 100,
                        b"GET / HTTP/1.1\r\nX: " + b"a" * 65536 + b"\r\n\r\n",
                        b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
                        b"\r\n" * 5000):
            r, w = await asyncio.open_connection("127.0.0.1", self.port)
            w.write(payload)
            try:
                await asyncio.wait_for(r.read(), 10)	# closed by tickerd
            except (OSError, asyncio.TimeoutError):
                self.fail("tickerd kept a garbage connection open: %r" %
                          payload[:30])
            w.close()
        await self.expect_flow(watcher)

    async def test_huge_frames_from_a_client(self):
        await self.start(env=SMALL_QUARANTINE)
        watcher = await self.client_ready()
        await h.roundtrip_ping(watcher)
        base = proc_rss_kb(self.daemon.proc.pid)
        c = await RawClient.connect(self.port)
        seen = []
        for size in (64 * 1024, 2 * MIB, 16 * MIB):
            c.send(1, b'{"op":"ping","x":"' + b"x" * size + b'"}')
            try:
                msg = await c.text(timeout=20)
            except (AssertionError, asyncio.IncompleteReadError):
                # Closed for it: allowed, but only that client.
                seen.append((size, "closed"))
                c.abort()
                c = await RawClient.connect(self.port)
                continue
            seen.append((size, msg["type"]))
            self.assertEqual(msg["type"], "error", msg)
            c.send(1, b'{"op":"ping"}')
            self.assertEqual((await c.text())["type"], "pong")
        c.abort()
        print("\nhuge client frames: %s" % seen)
        # The 16 MiB were never held at once.
        self.assertLess(proc_rss_kb(self.daemon.proc.pid) - base, 12 * 1024)
        await self.expect_flow(watcher)

    async def test_10000_connections_come_and_go(self):
        await self.start(env=SMALL_QUARANTINE)
        watcher = await self.client_ready()
        pid = self.daemon.proc.pid
        host = "127.0.0.1:%d" % self.port

        def one(i):
            kind = i % 5
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=10) as s:
                if kind == 0:		# connect, leave
                    return
                if kind == 1:		# half a request, leave
                    s.sendall(h.upgrade_request(host)[:30])
                    return
                s.sendall(h.upgrade_request(host))
                head = b""
                while b"\r\n\r\n" not in head:
                    data = s.recv(4096)
                    assert data, "closed during the upgrade"
                    head += data
                assert head.startswith(b"HTTP/1.1 101"), head
                if kind == 2:		# upgraded, reset
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    return
                if kind == 3:		# a ping, then gone without a close
                    s.sendall(h.ws_frame(1, b'{"op":"ping"}'))
                    return
                # an orderly close: ours, then tickerd's, then EOF
                s.sendall(h.ws_frame(8, struct.pack("!H", 1000)))
                while s.recv(4096):
                    pass

        def worker(first, n, step):
            for i in range(first, n, step):
                one(i)

        async def run(n, width=8):
            with concurrent.futures.ThreadPoolExecutor(width) as pool:
                loop = asyncio.get_running_loop()
                await asyncio.gather(*[
                        loop.run_in_executor(pool, worker, k, n, width)
                        for k in range(width)])

        async def settle():
            # Until only the watcher is left and the fds are back.
            deadline = time.monotonic() + 10
            while True:
                n = await h.metric(self.daemon, "tickerd_clients")
                if n == 1 or time.monotonic() > deadline:
                    return n
                await asyncio.sleep(0.1)

        await run(500)		# warm up caches and allocator arenas
        self.assertEqual(await settle(), 1)
        fds, rss = proc_fds(pid), proc_rss_kb(pid)
        t0 = time.monotonic()
        await run(10000)
        took = time.monotonic() - t0
        self.assertEqual(await settle(), 1)
        # a connection lws is still closing holds its fd a moment longer
        deadline = time.monotonic() + 5
        while proc_fds(pid) != fds and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        self.assertEqual(proc_fds(pid), fds, "fds leaked")
        grew = proc_rss_kb(pid) - rss
        self.assertLess(grew, 8 * 1024, "RSS grew %d KiB" % grew)
        await self.expect_flow(watcher)
        print("\n10000 connections in %.1f s, RSS %+d KiB" % (took, grew))


# ---------------------------------------------------------------- fds

class LimitedDaemon(h.Daemon):
    """tickerd started with RLIMIT_NOFILE NOFILE (soft and hard: tickerd
    raises its soft limit to the hard one).  tickerd keeps 84 fds for
    itself, so 128 leave room for a few dozen clients."""

    NOFILE = 128

    def popen_options(self):
        # The limit applies in the child only.
        limit = self.NOFILE
        return {"preexec_fn": lambda: resource.setrlimit(
                resource.RLIMIT_NOFILE, (limit, limit))}


class TestOutOfFds(FaultCase):

    NOFILE = LimitedDaemon.NOFILE

    async def start_limited(self):
        self.tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url)
        conf["clients"] = {"max": 1000}
        d = LimitedDaemon(h.write_config(self.tmp, conf),
                          tcp_port=self.port, env=SMALL_QUARANTINE)
        self.addCleanup(d.kill)
        self.addAsyncCleanup(self._stop_daemon, d)
        self.daemon = await d.start()
        self.conn = await self.mock.wait_subscribed(1)

    async def try_client(self):
        """A client that got in and answers a ping, or the close code it
        was turned away with."""
        try:
            ws = await h.connect(self.daemon, timeout=5)
        except h.websockets.InvalidStatusCode as e:
            return e.status_code
        try:
            await h.roundtrip_ping(ws)
        except h.websockets.ConnectionClosed as e:
            return e.code
        self.addAsyncCleanup(self._close_client, ws)
        return ws

    async def test_clients_past_the_fd_limit(self):
        await self.start_limited()
        pid = self.daemon.proc.pid
        first = await self.client_ready()
        clients, refused = [], None
        for _ in range(self.NOFILE + 10):
            got = await self.try_client()
            if isinstance(got, int):
                refused = got
                break
            clients.append(got)
        # Turned away cleanly, with 1013 Try Again Later, before the
        # process ran out of descriptors.
        self.assertEqual(refused, 1013, "%d clients with %d fds\n%s" %
                         (len(clients) + 1, self.NOFILE,
                          self.daemon.log_tail()))
        # Again and again, and tickerd does not spin meanwhile.
        cpu0 = proc_cpu_s(pid)
        for _ in range(20):
            self.assertEqual(await self.try_client(), 1013)
        await asyncio.sleep(2)
        spin = proc_cpu_s(pid) - cpu0
        self.assertLess(spin, 1.0, "tickerd busy at the fd limit")
        # Everyone connected is still served.
        await self.mock.send(BTC_TRADE)
        for ws in [first] + clients:
            (t,) = await h.recv_ticks(ws, 1)
            self.assertEqual(t["symbol"], "BTC-USDT")
        await h.roundtrip_ping(first)
        # Room again: new clients get in.
        for ws in clients[:5]:
            await ws.close()
        deadline = time.monotonic() + 10
        while isinstance(again := await self.try_client(), int):
            self.assertLess(time.monotonic(), deadline,
                            "still refused (%d) after 5 clients left; "
                            "tickerd_clients %s; %d served before" %
                            (again, await h.metric(self.daemon,
                                                   "tickerd_clients"),
                             len(clients) + 1))
            await asyncio.sleep(0.2)
        await self.expect_flow(again)
        self.assertTrue(self.daemon.running())
        self.assertLess(proc_fds(pid), self.NOFILE)
        print("\nRLIMIT_NOFILE %d: %d clients served, the next ones "
              "closed with %d; CPU %.2f s for 20 refusals" %
              (self.NOFILE, len(clients) + 1, refused, spin))


    async def test_idle_sockets_exhaust_fds(self):
        # Bare TCP connections that never send a request are not clients,
        # so clients.max does not bound them: past RLIMIT_NOFILE, accept()
        # itself fails.
        await self.start_limited()
        pid = self.daemon.proc.pid
        first = await self.client_ready()
        socks = []
        for _ in range(self.NOFILE + 20):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self.addCleanup(s.close)
            socks.append(s)
        await asyncio.sleep(1)
        held = proc_fds(pid)
        self.assertLessEqual(held, self.NOFILE)
        cpu0 = proc_cpu_s(pid)
        await asyncio.sleep(3)
        spin = proc_cpu_s(pid) - cpu0
        self.assertLess(spin, 1.0, "tickerd busy while out of fds")
        await self.expect_flow(first)
        await h.roundtrip_ping(first)
        for s in socks:
            s.close()
        # Once they are gone, clients get in again.
        deadline = time.monotonic() + 15
        while isinstance(again := await self.try_client(), int):
            self.assertLess(time.monotonic(), deadline, "refused %d" % again)
            await asyncio.sleep(0.2)
        await self.expect_flow(again)
        print("\nRLIMIT_NOFILE %d, %d idle sockets: %d fds held, CPU "
              "%.2f s in 3 s" % (self.NOFILE, len(socks), held, spin))


if __name__ == "__main__":
    unittest.main()
