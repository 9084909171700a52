# SPDX-License-Identifier: MIT
"""Hostile clients, hostile exchanges, hostile web pages: what SPEC "Never",
"Slow clients", "HTTP" and "Client protocol" promise against them.

- Clients that never read, or never finish their request, cannot keep
  anyone else out, and are closed within seconds (also on listeners that
  systemd passed).
- Text from an exchange or a client is valid UTF-8 in every message and
  escaped in every log line; refusals are not logged without bound.
- Browsers: a Host that is not loopback or configured is refused (DNS
  rebinding).
- A reply stream is a sequence of whole WebSocket frames: nothing is
  written inside a queued frame.
- Mistakes in a query or a config are said, not swallowed.
- The unix socket is never wider than 0660; a client's receive buffer is
  not its largest possible message.

Every test uses 127.0.0.1 (or a unix socket), free ports, and stops what
it started.
"""

import asyncio
import concurrent.futures
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time
import unittest

import websockets

import tkharness as h

# ---------------------------------------------------------------- helpers


def text_frame(obj):
    return h.ws_frame(1, json.dumps(obj, separators=(",", ":")).encode())


def get_request(host, path="/health"):
    if isinstance(host, str):
        host = host.encode()
    return (b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" %
            (path.encode(), host))


def connect_tcp(port, rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        # Before connect, so that the window offered is small from the start.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def connect_unix(path, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_head(s, timeout=5.0):
    """The response head (up to the blank line) and the bytes after it.
    An empty head: the server closed (or reset) without answering."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def status_of(head):
    """The HTTP status code of a response head, None if there was none."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return int(m.group(1)) if m else None


def request_status(port, request, unix_path=None, timeout=5.0):
    """Sends @request on a new connection; the status it was answered
    with (None: closed without an answer)."""
    s = connect_unix(unix_path, timeout) if unix_path else \
        connect_tcp(port, timeout=timeout)
    with s:
        s.sendall(request)
        head, _ = read_head(s, timeout)
        return status_of(head)


def raw_ws_open(port, rcvbuf=None, query="", timeout=5.0):
    """A client socket after a hand-made upgrade: (socket, bytes already
    read after the response head)."""
    s = connect_tcp(port, rcvbuf=rcvbuf, timeout=timeout)
    try:
        s.sendall(h.upgrade_request("127.0.0.1:%d" % port, "/" + query))
        head, rest = read_head(s, timeout)
    except BaseException:
        s.close()
        raise
    if status_of(head) != 101:
        s.close()
        raise AssertionError("upgrade refused: %r" % head[:200])
    return s, rest


def is_closed_by_peer(s):
    """True if the server closed @s (EOF or reset), without blocking.
    Unread data is read and dropped."""
    s.setblocking(False)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:         # reset
        return True


def closed_how(e):
    """Who closed a websockets connection, with which code."""
    if e.sent is not None and (e.rcvd is None or e.sent_then_rcvd):
        return "client sent %d %r" % (e.sent.code, e.sent.reason)
    if e.rcvd is not None:
        return "server sent %d %r" % (e.rcvd.code, e.rcvd.reason)
    return "no close frame"


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


def sim_exchange(name, symbols, rate):
    return {"name": name, "adapter": "sim", "symbols": list(symbols),
            "rate": rate}


def sim_symbols(n, prefix="S"):
    return ["%s%03d-USD" % (prefix, i) for i in range(n)]


def config(port, exchanges, clients=None, unix_path=None, **listen):
    conf = h.daemon_config(port, exchanges, unix_path=unix_path)
    conf["listen"].update(listen)
    if clients:
        conf["clients"] = clients
    return conf


async def health(daemon):
    status, body = await h.http_get(daemon, "/health")
    return status, json.loads(body)


async def clients_gauge(daemon):
    return await h.metric(daemon, "tickerd_clients")


class SecurityCase(h.TkTestCase):

    TEST_TIMEOUT = 30.0

    async def good_client_works(self, daemon, within=5.0, ticks=3):
        """A new, well-behaved client gets in and is served within
        @within seconds: its snapshot (or at least live ticks) and a pong.
        Returns the messages it read."""
        deadline = time.monotonic() + within
        try:
            ws = await h.connect(daemon, timeout=within)
        except (websockets.InvalidHandshake, OSError,
                asyncio.TimeoutError) as e:
            self.fail("a new client could not connect: %r" % e)
        self.addAsyncCleanup(self._close_client, ws)
        got = []
        try:
            await h.send_json(ws, {"op": "ping"})
            pong = False
            live = 0
            while not pong or live < ticks:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail("a new client was not served within %.0f s: "
                              "pong %s, %d live ticks, read %s" %
                              (within, pong, live, got[:5]))
                msg = await h.recv_json(ws, left)
                got.append(msg)
                if msg.get("type") == "pong":
                    pong = True
                elif msg.get("type") in ("trade", "quote") and \
                        not msg.get("snapshot"):
                    live += 1
        except websockets.ConnectionClosed as e:
            self.fail("a new client was closed with %s %r after %d "
                      "messages" % (e.code, e.reason, len(got)))
        return got

    @staticmethod
    async def wait_until(pred, timeout, step=0.1):
        """Polls the async @pred until true; returns the seconds it took,
        None if it was still false after @timeout."""
        t0 = time.monotonic()
        while True:
            if await pred():
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                return None
            await asyncio.sleep(step)


# ---------------------------------------------------------------- non-readers

class NonReaders:
    """Attack clients that upgrade on a socket with a tiny receive buffer,
    then ask for snapshots ({"op":"subscribe"}: every answer carries the
    whole snapshot) and pongs again and again, and never read a byte."""

    SUBSCRIBE = text_frame({"op": "subscribe"})
    PING = text_frame({"op": "ping"})

    def __init__(self, port, n, rcvbuf=2048):
        self.port = port
        self.n = n
        self.rcvbuf = rcvbuf
        self.socks = []
        self.refused = 0          # upgrades refused (e.g. past clients.max)
        self.gone = 0             # sends that failed: the server closed
        self.last_send = None     # monotonic time of the last request sent

    def open(self):
        def one(_):
            try:
                s, _ = raw_ws_open(self.port, rcvbuf=self.rcvbuf)
                return s
            except (AssertionError, OSError):
                return None
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for s in pool.map(one, range(self.n)):
                if s is None:
                    self.refused += 1
                else:
                    self.socks.append(s)
        return self

    def _send(self, s, data):
        try:
            s.settimeout(2)
            s.sendall(data)
            return True
        except OSError:
            self.gone += 1
            return False

    def attack(self, rounds, gap):
        """@rounds times: a subscribe and a ping from every attacker, then
        @gap seconds.  Sends never block for long: the server reads
        requests even when it cannot write the answers."""
        alive = list(self.socks)
        for _ in range(rounds):
            alive = [s for s in alive
                     if self._send(s, self.SUBSCRIBE + self.PING)]
            self.last_send = time.monotonic()
            time.sleep(gap)
        return self

    def attack_one_by_one(self, rounds):
        """Each attacker in turn: first enough to fill the socket buffers
        between it and the server, then @rounds more requests at once."""
        for s in self.socks:
            if self._send(s, (self.SUBSCRIBE + self.PING) * 3):
                time.sleep(0.25)
                self._send(s, (self.SUBSCRIBE + self.PING) * rounds)
            self.last_send = time.monotonic()
        return self

    def close(self):
        for s in self.socks:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            except OSError:
                pass
            s.close()
        self.socks = []


class TestNonReaders(SecurityCase):
    """SPEC "Never": no client, however slow or hostile, can keep other
    clients out: connections that never read, or hold replies, are timed
    out and closed within seconds."""

    ATTACKERS = 64
    FILLERS = 12
    # 300 symbols: a snapshot of up to 600 ticks (~120 KB) per subscribe,
    # and a per-client reply budget of two snapshots' worth.
    SYMBOLS = 300

    async def start_attacked(self):
        port = h.free_port()
        # A ring long enough that the attackers are not lapped (and closed
        # as slow readers) during the test: the attack is the replies.
        conf = config(port, [sim_exchange("sim", sim_symbols(self.SYMBOLS),
                                          1500)],
                      clients={"max": 128, "queue_ticks": 65536})
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        await asyncio.sleep(1.5)        # most keys have a latest tick
        self.fds_before = proc_fds(daemon.proc.pid)
        attackers = NonReaders(port, self.ATTACKERS)
        self.addCleanup(attackers.close)
        await asyncio.to_thread(attackers.open)
        self.assertGreaterEqual(len(attackers.socks), self.ATTACKERS - 4,
                                "attackers refused at the upgrade: %d" %
                                attackers.refused)
        # 16 rounds, paced: about 2 MB of snapshots asked by each, more
        # than a client may hold.
        await asyncio.to_thread(attackers.attack, 16, 0.1)
        # A second wave, one by one, asks for what room the first left.
        more = NonReaders(port, self.FILLERS)
        self.addCleanup(more.close)
        await asyncio.to_thread(more.open)
        await asyncio.to_thread(more.attack_one_by_one, 12)
        attackers.socks += more.socks
        attackers.last_send = more.last_send
        more.socks = []
        return daemon, attackers

    async def test_nonreaders_do_not_lock_out_a_new_client(self):
        """A new client is served normally (pong, live ticks) within a few
        seconds while 64 clients that never read hold unread replies."""
        daemon, attackers = await self.start_attacked()
        await self.good_client_works(daemon, within=5.0)
        self.assertTrue(daemon.running())

    async def test_nonreaders_are_closed_within_seconds(self):
        """Clients that hold unread replies and make no write progress are
        closed by the server within seconds: their connections (fds) are
        gone, not only marked for closing."""
        daemon, attackers = await self.start_attacked()
        pid = daemon.proc.pid
        stopped = attackers.last_send

        async def all_gone():
            return await clients_gauge(daemon) == 0

        if await self.wait_until(all_gone, 8.0) is None:
            n = await clients_gauge(daemon)
            self.fail("%d of %d non-reading clients still connected %.1f s "
                      "after their last request (%d fds, %d before the "
                      "attack)" % (n, len(attackers.socks),
                                   time.monotonic() - stopped,
                                   proc_fds(pid), self.fds_before))
        # Their descriptors are closed too, not only forgotten.
        fds = proc_fds(pid)
        self.assertLessEqual(fds, self.fds_before + 4,
                             "fds still held after the clients were "
                             "dropped (%d before the attack)" %
                             self.fds_before)
        await self.good_client_works(daemon)
        print("\nnon-readers closed %.1f s after their last request" %
              (time.monotonic() - stopped))


# ---------------------------------------------------------------- UTF-8

class TestExchangeErrorText(SecurityCase):
    """SPEC "Never": text from exchanges is valid UTF-8 in every message
    tickerd sends.  An exchange's error text goes into the status detail,
    where it may be cut: never inside a character, or a strict client
    (RFC 6455 8.1: invalid UTF-8 in a text frame fails the connection with
    1007) is disconnected, all of them at once."""

    # Binance's error frame; the message is cut somewhere around 160
    # bytes.  Runs of 2-, 3- and 4-byte characters, shifted by one to
    # three ASCII bytes, put a character across every possible cut.
    MESSAGES = ["\u20ac" * 60, "x" + "\u20ac" * 60, "xx" + "\u20ac" * 60,
                "\u00e9" * 100, "x" + "\u00e9" * 100,
                "\U0001f600" * 50, "x" + "\U0001f600" * 50,
                "xx" + "\U0001f600" * 50, "xxx" + "\U0001f600" * 50]

    async def test_error_text_cut_inside_a_character(self):
        """Exchange error messages longer than the status detail, with a
        multi-byte character across the cut: every strict client stays
        connected and gets the status as valid UTF-8, live and in the
        snapshot of a new client."""
        mock = await self.start_mock("binance")
        port = h.free_port()
        daemon = await self.start_daemon(h.binance_config(port, mock.url),
                                         self.make_tmpdir())
        await mock.wait_subscribed(1)
        # websockets is strict: invalid UTF-8 closes it with 1007.
        watcher = await self.client(daemon)
        await h.roundtrip_ping(watcher)
        for i, text in enumerate(self.MESSAGES):
            frame = json.dumps({"code": 2, "msg": text}, ensure_ascii=False)
            await mock.send(frame)
            try:
                st = await h.recv_until(
                        watcher, lambda m: m.get("type") == "status" and
                        text[-1] * 8 in m.get("detail", ""),
                        skip_status=False)
            except websockets.ConnectionClosed as e:
                self.fail("the client failed the connection (%s) on the "
                          "status of error message #%d (%d bytes of "
                          "U+%04X)" % (closed_how(e), i, len(text.encode()),
                                       ord(text[-1])))
            detail = st[1]["detail"]
            detail.encode("utf-8")  # a str websockets could decode
        # The last one is in a new client's snapshot, just as valid.
        fresh = await self.client(daemon)
        try:
            _, st = await h.recv_until(
                    fresh, lambda m: m.get("type") == "status",
                    skip_status=False)
        except websockets.ConnectionClosed as e:
            self.fail("a new client failed the connection (%s) on the "
                      "status in its snapshot" % closed_how(e))
        self.assertIn("\U0001f600" * 8, st["detail"], st)
        await h.roundtrip_ping(watcher)
        self.assertTrue(daemon.running())


# ---------------------------------------------------------------- Host

class TestDnsRebinding(SecurityCase):
    """SPEC "Never": on TCP, requests whose Host is not a loopback
    name/address (with the listener's port) or a configured host name are
    refused, so that a page whose name was rebound to 127.0.0.1 cannot
    read the stream or /health.  Unix sockets are not reachable from web
    pages: no Host check there."""

    async def start(self, hosts=None):
        port = h.free_port()
        self.unix_path = os.path.join(self.make_tmpdir(), "tk.sock")
        conf = config(port, [sim_exchange("sim", ["BTC-USD"], 50)],
                      unix_path=self.unix_path)
        if hosts is not None:
            conf["listen"]["hosts"] = hosts
        self.port = port
        self.daemon = await self.start_daemon(conf, self.make_tmpdir())
        return self.daemon

    async def statuses(self, host, unix=False):
        """(GET /health status, WebSocket upgrade status) for @host."""
        path = self.unix_path if unix else None
        get = await asyncio.to_thread(request_status, self.port,
                                      get_request(host), path)
        up = await asyncio.to_thread(request_status, self.port,
                                     h.upgrade_request(host), path)
        return get, up

    def assertRefused(self, host, got):
        get, up = got
        self.assertIsNotNone(get, "GET /health with Host %r: closed without "
                             "an answer" % host)
        self.assertTrue(400 <= get < 500, "GET /health with Host %r: HTTP "
                        "%s, expected a refusal (4xx)" % (host, get))
        self.assertNotEqual(up, 101, "WebSocket upgrade with Host %r was "
                            "accepted" % host)

    def assertAccepted(self, host, got):
        get, up = got
        self.assertEqual(get, 200, "GET /health with Host %r" % host)
        self.assertEqual(up, 101, "WebSocket upgrade with Host %r" % host)

    async def test_foreign_host_refused(self):
        """Host: a name that is not loopback or configured, or a loopback
        address with another port: /health and the upgrade are refused."""
        await self.start()
        refused = {}
        for host in ("rebind.evil.example:%d" % self.port,
                     "rebind.evil.example",
                     "127.0.0.1.evil.example:%d" % self.port,
                     "127.0.0.1:%d" % (self.port ^ 1)):
            got = await self.statuses(host)
            refused[host] = got
        for host, got in refused.items():
            self.assertRefused(host, got)

    async def test_loopback_hosts_accepted(self):
        """Host: 127.0.0.1, localhost or [::1] with the listener's port:
        /health and the upgrade are served; over the unix socket any Host
        is."""
        await self.start()
        for host in ("127.0.0.1:%d" % self.port, "localhost:%d" % self.port,
                     "[::1]:%d" % self.port):
            self.assertAccepted(host, await self.statuses(host))
        for host in ("rebind.evil.example:%d" % self.port, "localhost"):
            self.assertAccepted(host, await self.statuses(host, unix=True))

    async def test_configured_host_accepted(self):
        """listen.hosts names the host names a browser may use besides the
        loopback ones: such a Host with the listener's port is served, with
        another port it is not, and others are still refused."""
        try:
            await self.start(hosts=["tickerd.internal"])
        except h.DaemonError as e:
            self.fail("a config with listen.hosts was not accepted: %s" %
                      str(e).splitlines()[-1])
        self.assertAccepted("tickerd.internal:%d" % self.port,
                            await self.statuses(
                                "tickerd.internal:%d" % self.port))
        self.assertAccepted("127.0.0.1:%d" % self.port,
                            await self.statuses("127.0.0.1:%d" % self.port))
        for host in ("tickerd.internal:%d" % (self.port ^ 1),
                     "rebind.evil.example:%d" % self.port):
            self.assertRefused(host, await self.statuses(host))


# ---------------------------------------------------------------- slowloris

SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"


class Slowloris:
    """Connections that send the start of a request head, then nothing."""

    def __init__(self, port, n):
        self.port = port
        self.n = n
        self.socks = []
        self.failed = 0
        self.sent_at = None

    def open(self):
        for _ in range(self.n):
            try:
                s = connect_tcp(self.port, timeout=2)
                s.sendall(SLOW_HEAD)
            except OSError:
                self.failed += 1
                continue
            self.socks.append(s)
        self.sent_at = time.monotonic()
        return self

    def open_count(self):
        return sum(not is_closed_by_peer(s) for s in self.socks)

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


def health_within(port, seconds, host="127.0.0.1"):
    """GET /health on new connections until one is answered (a refused or
    dropped connection is retried): (status, seconds it took), status None
    if none was answered within @seconds."""
    t0 = time.monotonic()
    while True:
        try:
            got = request_status(port, get_request("%s:%d" % (host, port)),
                                 timeout=max(0.2, seconds -
                                             (time.monotonic() - t0)))
        except OSError:
            got = None
        took = time.monotonic() - t0
        if got is not None or took > seconds:
            return got, took
        time.sleep(0.05)


class ActivatedDaemon(h.Daemon):
    """tickerd with a listening TCP socket passed the way systemd passes
    it: fd 3, LISTEN_FDS=1, LISTEN_PID its own pid (a shell exports $$ and
    execs, so the pid is tickerd's)."""

    def __init__(self, config_path, listen_sock, **kw):
        super().__init__(config_path, **kw)
        self.listen_sock = listen_sock
        self.extra_env.update(LISTEN_FDS="1", LISTEN_FDNAMES="tcp")

    # Moves the socket to fd 3, sets LISTEN_PID to its own pid and execs
    # tickerd (same pid).
    EXEC = ("import os, sys\n"
            "fd = int(sys.argv[1])\n"
            "if fd != 3:\n"
            "    os.dup2(fd, 3)\n"
            "    os.close(fd)\n"
            "os.environ['LISTEN_PID'] = str(os.getpid())\n"
            "os.execv(sys.argv[2], sys.argv[2:])\n")

    def command(self):
        return [sys.executable, "-c", self.EXEC,
                str(self.listen_sock.fileno())] + super().command()

    def popen_options(self):
        return {"pass_fds": (self.listen_sock.fileno(),)}

    async def start(self, timeout=10.0):
        """The port accepts as soon as the test listens: ready is when
        tickerd answers on it."""
        self._spawn()
        deadline = time.monotonic() + timeout
        while "listening on tcp" not in self.log():
            self._check_alive()
            if time.monotonic() > deadline:
                self.kill()
                raise h.DaemonError("tickerd did not serve the passed "
                                    "socket\n" + self.log_tail())
            await asyncio.sleep(0.05)
        status, _ = await asyncio.to_thread(health_within, self.tcp_port,
                                            5.0)
        if status != 200:
            raise h.DaemonError("GET /health on the passed socket: %s\n%s"
                                % (status, self.log_tail()))
        return self


class TestSlowloris(SecurityCase):
    """SPEC "Never": connections that never complete their request cannot
    keep other clients out: they are timed out and closed within seconds,
    and the connection cap holds on socket-activated listeners too."""

    CONNS = 200

    async def test_partial_requests_do_not_block_health(self):
        """200 connections that sent half a request head (past
        clients.max and its headroom): a new GET /health is answered
        within 2 s, and the half-open connections are closed by the
        server within 5 s."""
        port = h.free_port()
        conf = config(port, [sim_exchange("sim", ["BTC-USD"], 50)],
                      clients={"max": 32})
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        slow = Slowloris(port, self.CONNS)
        self.addCleanup(slow.close)
        await asyncio.to_thread(slow.open)
        status, took = await asyncio.to_thread(health_within, port, 2.0)
        self.assertEqual(status, 200, "GET /health was not answered within "
                         "2 s of %d half-open connections (%d of them "
                         "still open)" % (len(slow.socks),
                                          slow.open_count()))

        async def all_closed():
            return await asyncio.to_thread(slow.open_count) == 0
        if await self.wait_until(all_closed, 5.0 - (time.monotonic() -
                                                    slow.sent_at)) is None:
            self.fail("%d of %d half-open connections still open %.1f s "
                      "after their last byte" %
                      (slow.open_count(), len(slow.socks),
                       time.monotonic() - slow.sent_at))
        self.assertTrue(daemon.running())

    async def start_activated(self, clients_max):
        tmp = self.make_tmpdir()
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(lsock.close)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1024)
        port = lsock.getsockname()[1]
        # The config's own listener is not used with socket activation.
        conf = config(h.free_port(), [sim_exchange("sim", ["BTC-USD"], 50)],
                      clients={"max": clients_max})
        d = ActivatedDaemon(h.write_config(tmp, conf), lsock, tcp_port=port)
        self.addCleanup(d.kill)
        self.addAsyncCleanup(self._stop_daemon, d)
        await d.start()
        lsock.close()       # tickerd has its own copy
        return d, port

    async def test_activated_listener_keeps_the_cap(self):
        """On a listening socket passed by systemd, with clients.max 16,
        300 connections (half a request head each) do not make tickerd
        hold more descriptors than the cap and a small reserve, and
        /health is still answered."""
        daemon, port = await self.start_activated(16)
        self.assertIn("socket activation", daemon.log())
        pid = daemon.proc.pid
        fds0 = proc_fds(pid)
        slow = Slowloris(port, 300)
        self.addCleanup(slow.close)
        await asyncio.to_thread(slow.open)
        await asyncio.sleep(0.5)
        fds = proc_fds(pid)
        # Answered at once, or once the half-open ones have timed out.
        status, _ = await asyncio.to_thread(health_within, port, 7.0)
        # The cap, lws' HTTP headroom past it, and a few more.
        self.assertLessEqual(fds - fds0, 16 + 16 + 8,
                             "tickerd holds %d fds (%d before %d "
                             "connections; clients.max 16)" %
                             (fds, fds0, len(slow.socks)))
        self.assertEqual(status, 200, "GET /health not answered")
        self.assertTrue(daemon.running())


# ---------------------------------------------------------------- framing

class FrameError(AssertionError):
    pass


class StrictFrames:
    """Parses a server's byte stream into WebSocket frames, strictly (RFC
    6455 5.2, 5.5, 5.6, 8.1): unmasked, no RSV bits, known opcodes,
    control frames whole and at most 125 bytes, fragments only of a text
    message, every text message valid UTF-8 and valid JSON."""

    def __init__(self, pings):
        self.buf = bytearray()
        self.offset = 0          # stream offset of buf[0]
        self.pings = pings       # payloads of the pings sent so far
        self.messages = []       # parsed JSON, in order
        self.pongs = 0
        self.frames = 0
        self.frag = None         # text fragments so far
        self.closed = None

    def feed(self, data):
        self.buf += data
        while self._one():
            pass

    def _fail(self, at, why):
        raise FrameError("frame #%d at stream offset %d: %s" %
                         (self.frames, self.offset + at, why))

    def _one(self):
        b = self.buf
        if len(b) < 2:
            return False
        b0, b1 = b[0], b[1]
        fin, rsv, op = b0 & 0x80, b0 & 0x70, b0 & 0x0f
        n, i = b1 & 0x7f, 2
        if n == 126:
            if len(b) < 4:
                return False
            n, i = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return False
            n, i = struct.unpack("!Q", b[2:10])[0], 10
        if rsv:
            self._fail(0, "RSV bits set (0x%02x 0x%02x)" % (b0, b1))
        if b1 & 0x80:
            self._fail(0, "masked frame from the server")
        if op not in (0, 1, 8, 9, 10):
            self._fail(0, "opcode 0x%x (bytes %r)" % (op, bytes(b[:16])))
        if op >= 8 and (not fin or n > 125):
            self._fail(0, "control frame 0x%x fin=%d len=%d" %
                       (op, bool(fin), n))
        if len(b) < i + n:
            return False
        payload = bytes(b[i:i + n])
        at = 0
        del b[:i + n]
        self.offset += i + n
        self.frames += 1
        if op == 10:
            if payload not in self.pings:
                self._fail(at, "pong %r answers no ping sent" % payload)
            self.pongs += 1
        elif op == 9:
            pass
        elif op == 8:
            self.closed = payload
        elif op == 0 and self.frag is None:
            self._fail(at, "continuation without a message")
        elif op == 1 and self.frag is not None:
            self._fail(at, "text frame inside a fragmented message")
        else:
            self.frag = (self.frag or b"") + payload
            if fin:
                self._message(self.frag, at)
                self.frag = None
        return True

    def _message(self, data, at):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self._fail(at, "text message is not UTF-8 (%s): %r" %
                       (e, data[max(0, e.start - 40):e.start + 40]))
        try:
            self.messages.append(h.loads_strict(text))
        except ValueError as e:
            self._fail(at, "text message is not JSON (%s): %r" %
                       (e, text[:120]))


class TestFraming(SecurityCase):
    """SPEC "Client protocol": messages are JSON text frames.  A queued
    reply stream (snapshots, answers) is written as whole frames, so that
    nothing lws writes by itself (a pong, a close) lands inside one."""

    async def test_pongs_never_inside_a_reply(self):
        """A client asks for snapshots worth ~1 MB without reading, then
        reads slowly while it pings at the WebSocket level: the bytes it
        reads are whole frames, every pong among them, every text frame
        valid UTF-8 and JSON."""
        port = h.free_port()
        conf = config(port, [sim_exchange("sim", sim_symbols(400), 2000)],
                      clients={"queue_ticks": 65536})
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        await asyncio.sleep(1.5)    # most keys have a latest tick
        s, rest = await asyncio.to_thread(raw_ws_open, port, 4096)
        self.addCleanup(s.close)

        def run():
            pings = []
            parser = StrictFrames(pings)
            parser.feed(rest)
            s.settimeout(5)
            # ~7 snapshots of up to 800 ticks, well within the client's
            # budget of two snapshots' worth beyond the socket buffers.
            s.sendall(text_frame({"op": "subscribe"}) * 7)
            time.sleep(0.3)
            t0 = time.monotonic()
            ended = False
            while time.monotonic() - t0 < 15:
                p = b"p%d" % len(pings)
                pings.append(p)
                s.sendall(h.ws_frame(9, p))
                if len(pings) == 300:
                    # Replies come in order: after this pong, all is read.
                    s.sendall(text_frame({"op": "ping"}))
                try:
                    data = s.recv(8192)
                except socket.timeout:
                    continue
                if not data:
                    break
                parser.feed(data)
                if len(pings) > 300 and any(
                        m.get("type") == "pong" for m in parser.messages
                        if isinstance(m, dict)):
                    ended = True
                    break
                time.sleep(0.003)
            return parser, ended

        try:
            parser, ended = await asyncio.to_thread(run)
        except FrameError as e:
            self.fail("the reply stream is not whole frames: %s" % e)
        subscribed = sum(1 for m in parser.messages
                         if isinstance(m, dict) and
                         m.get("type") == "subscribed")
        self.assertIsNone(parser.closed, "closed by tickerd: %r" %
                          parser.closed)
        self.assertTrue(ended, "the answer to the last ping never came "
                        "(%d frames)" % parser.frames)
        self.assertEqual(subscribed, 7)
        self.assertGreater(parser.pongs, 0, "no pong at all")
        self.assertTrue(daemon.running())
        print("\n%d frames, %d messages, %d pongs for %d pings" %
              (parser.frames, len(parser.messages), parser.pongs,
               len(parser.pings)))


# ---------------------------------------------------------------- logs

def log_bytes(daemon):
    with open(daemon.stderr_path, "rb") as f:
        return f.read()


class TestLogs(SecurityCase):
    """SPEC "Never": text from exchanges and clients is escaped in every
    log line tickerd writes (journald reads "<N>" at the start of a line
    as its priority, a terminal reads ESC sequences); and refusals that a
    client can cause at will are not logged without bound."""

    FORGED = b"<0>forged"

    def assertCleanLog(self, daemon, what):
        raw = log_bytes(daemon)
        bad = [line for line in raw.split(b"\n")
               if line.startswith(b"<0>") or line.startswith(b"forged")]
        self.assertEqual(bad, [], "%s: forged log lines:\n%s" %
                         (what, raw.decode("utf-8", "replace")[-2000:]))
        i = raw.find(b"\x1b")
        self.assertEqual(i, -1, "%s: a raw ESC in the log: %r" %
                         (what, raw[max(0, i - 60):i + 40]))

    async def test_exchange_error_text_escaped(self):
        """An exchange error message with a newline, a forged journald
        priority and an ESC sequence: tickerd's log has no line starting
        with it and no raw ESC byte."""
        mock = await self.start_mock("binance")
        port = h.free_port()
        daemon = await self.start_daemon(h.binance_config(port, mock.url),
                                         self.make_tmpdir())
        await mock.wait_subscribed(1)
        ws = await self.client(daemon)
        await h.roundtrip_ping(ws)
        msg = "bad request\n<0>forged line \x1b[31mred\x1b[0m\r\n<3>x"
        await mock.send(json.dumps({"code": 2, "msg": msg}))
        await h.recv_until(ws, lambda m: m.get("type") == "status" and
                           "bad request" in m.get("detail", ""),
                           skip_status=False)
        await asyncio.sleep(0.2)
        self.assertIn(b"bad request", log_bytes(daemon),
                      "the exchange error was not logged at all")
        self.assertCleanLog(daemon, "exchange error text")

    async def test_client_origin_escaped(self):
        """A refused WebSocket whose Origin holds ESC and other control
        bytes: tickerd's log has no raw ESC or forged line."""
        port = h.free_port()
        daemon = await self.start_daemon(
                config(port, [sim_exchange("sim", ["BTC-USD"], 50)]),
                self.make_tmpdir())
        origin = (b"http://evil.example\x1b[31m\x1b]0;title\x07\x08\x7f"
                  b"\r<0>forged")
        got = await asyncio.to_thread(
                request_status, port,
                h.upgrade_request("127.0.0.1:%d" % port, origin=origin))
        self.assertNotEqual(got, 101, "a foreign Origin was let in")
        await asyncio.sleep(0.2)
        self.assertCleanLog(daemon, "client Origin")

    async def test_refusals_rate_limited(self):
        """1,000 refused Origins within a few seconds add at most 20 lines
        to the log."""
        port = h.free_port()
        daemon = await self.start_daemon(
                config(port, [sim_exchange("sim", ["BTC-USD"], 50)]),
                self.make_tmpdir())
        await asyncio.sleep(0.3)
        before = log_bytes(daemon).count(b"\n")
        req = h.upgrade_request("127.0.0.1:%d" % port,
                              origin="https://evil.example")

        def refuse(n):
            statuses = {}
            for _ in range(n):
                st = request_status(port, req)
                statuses[st] = statuses.get(st, 0) + 1
            return statuses

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(refuse, [125] * 8))
        took = time.monotonic() - t0
        statuses = {}
        for r in results:
            for k, v in r.items():
                statuses[k] = statuses.get(k, 0) + v
        self.assertNotIn(101, statuses, "foreign Origins were let in")
        await asyncio.sleep(0.3)
        added = log_bytes(daemon).count(b"\n") - before
        self.assertLessEqual(added, 20, "1000 refusals in %.1f s added %d "
                             "log lines" % (took, added))
        self.assertTrue(daemon.running())


# ---------------------------------------------------------------- filters

class TestLargeFilters(SecurityCase):
    """SPEC "Client protocol": a client receives exactly the ticks its
    filter passes, also with the largest filters allowed (256 symbols,
    many exchanges), however they are matched inside."""

    SYMBOLS = ["A%03d-USDT" % i for i in range(300)]

    @staticmethod
    def trade(symbol, tid):
        ms = int(time.time() * 1000)
        return ('{"e":"trade","E":%d,"s":"%s","t":%d,"p":"1.5","q":"2",'
                '"T":%d,"m":true,"M":true}' %
                (ms, symbol.replace("-", ""), tid, ms))

    @staticmethod
    def quote(symbol, uid, bid="1.25"):
        return ('{"u":%d,"s":"%s","b":"%s","B":"3","a":"10.5","A":"4"}' %
                (uid, symbol.replace("-", ""), bid))

    async def read_ticks(self, ws, until_seq):
        """Live ticks, as (seq, exchange, symbol, type), up to @until_seq."""
        got = []
        while not got or got[-1][0] < until_seq:
            m = await h.recv_json(ws, 10, skip_status=True)
            if m.get("type") not in ("trade", "quote") or m.get("snapshot"):
                continue
            got.append((m["seq"], m["exchange"], m["symbol"], m["type"]))
        return got

    async def test_256_symbols_many_exchanges(self):
        """Clients with 256-symbol filters over many exchange names (by
        query and by subscribe), some with a type: each receives exactly
        the ticks of two exchanges that its filter passes, in order."""
        rnd = random.Random(7)
        b1 = await self.start_mock("binance")
        b2 = await self.start_mock("binance")
        port = h.free_port()
        conf = config(port, [h.exchange_entry(b1, self.SYMBOLS, name="b1"),
                             h.exchange_entry(b2, self.SYMBOLS, name="b2")],
                      clients={"max_message_bytes": 65536})
        daemon = await self.start_daemon(conf, self.make_tmpdir())
        await b1.wait_subscribed(1, timeout=10)
        await b2.wait_subscribed(1, timeout=10)
        # 128 configured symbols and 128 valid ones nobody trades.
        picked = rnd.sample(self.SYMBOLS, 128)
        f_symbols = picked + ["Z%03d-USDT" % i for i in range(128)]
        rnd.shuffle(f_symbols)
        others = ["x%02d" % i for i in range(60)]
        filters = {
            "query": (f_symbols, ["b1"] + others, None),
            "query_quotes": (f_symbols, others[:30] + ["b2"] + others[30:],
                             ["quote"]),
            "subscribe": (f_symbols[::-1], others + ["b1", "b2"],
                          ["trade"]),
        }
        everything = await self.client(daemon)
        clients = {}
        for name, (syms, exs, types) in filters.items():
            if name == "subscribe":
                ws = await self.client(daemon)
                req = {"op": "subscribe", "symbols": syms, "exchanges": exs}
                if types:
                    req["types"] = types
                await h.send_json(ws, req)
                await h.recv_until(ws, lambda m: m.get("type") ==
                                   "subscribed", skip_status=True)
            else:
                q = "?symbols=%s&exchanges=%s" % (",".join(syms),
                                                   ",".join(exs))
                if types:
                    q += "&types=" + ",".join(types)
                self.assertLess(len(q), 4096)
                ws = await self.client(daemon, q)
            await h.roundtrip_ping(ws)
            clients[name] = ws
        await h.roundtrip_ping(everything)
        # A mix: symbols in and out of the filters, from both exchanges.
        tid = 1
        for i in range(400):
            for mock in (b1, b2):
                sym = rnd.choice(self.SYMBOLS)
                frame = self.trade(sym, tid) if rnd.random() < 0.5 else \
                    self.quote(sym, tid)
                tid += 1
                await mock.send(frame)
        # The end: a trade and a quote of a symbol every filter has, from
        # each exchange; the quote is marked by its price.
        sym = picked[0]
        for mock in (b1, b2):
            await mock.send(self.trade(sym, tid),
                            self.quote(sym, tid + 1, bid="9.75"))
            tid += 2
        seen = []
        marks = set()
        while len(marks) < 2:
            m = await h.recv_json(everything, 10, skip_status=True)
            if m.get("type") not in ("trade", "quote") or m.get("snapshot"):
                continue
            seen.append((m["seq"], m["exchange"], m["symbol"], m["type"]))
            if m.get("bid") == "9.75":
                marks.add(m["exchange"])
        self.assertEqual(len(seen), tid - 1, "the unfiltered client missed "
                         "ticks")
        wrong = []
        for name, (syms, exs, types) in filters.items():
            want = [t for t in seen if t[1] in exs and t[2] in syms and
                    (types is None or t[3] in types)]
            self.assertGreater(len(want), 50, name)
            got = await self.read_ticks(clients[name], want[-1][0])
            if got != want:
                extra = [t for t in got if t not in want]
                missing = [t for t in want if t not in got]
                wrong.append("%s filter: %d ticks, %d expected; %d not "
                             "passed by the filter, e.g. %s; %d missing, "
                             "e.g. %s" % (name, len(got), len(want),
                                          len(extra), extra[:2],
                                          len(missing), missing[:2]))
        self.assertEqual(wrong, [])

    async def test_types_after_a_long_symbols_argument(self):
        """?symbols=<8 symbols>&types=quote: only quotes, whatever the
        order and length of the query's arguments."""
        port = h.free_port()
        syms = sim_symbols(10)
        daemon = await self.start_daemon(
                config(port, [sim_exchange("sim", syms, 500)]),
                self.make_tmpdir())
        wrong = {}
        for q in ("?types=quote&symbols=%s" % ",".join(syms[:8]),
                  "?symbols=%s&types=quote" % ",".join(syms[:8]),
                  "?symbols=%s&exchanges=sim&types=quote" %
                  ",".join(syms[:8])):
            ws = await self.client(daemon, q)
            ticks = await h.recv_ticks(ws, 40)
            kinds = {(t["type"], t["symbol"] in syms[:8]) for t in ticks}
            if kinds != {("quote", True)}:
                wrong[q.replace(",".join(syms[:8]), "<8 symbols>")] = \
                    sorted(kinds)
        self.assertEqual(wrong, {}, "(type, symbol in the filter) of the "
                         "ticks received")


# ---------------------------------------------------------------- unix socket

# Polls a path's mode as fast as it can, in a process of its own (no GIL
# shared with the test), until a stop file appears; prints every mode
# seen, with how often.
MODE_POLLER = r"""
import json, os, stat, sys
path, stop = sys.argv[1], sys.argv[2]
seen = {}
print("ready", flush=True)
lstat = os.lstat
n = 0
while True:
    try:
        m = stat.S_IMODE(lstat(path).st_mode)
        seen[m] = seen.get(m, 0) + 1
    except FileNotFoundError:
        pass
    n += 1
    if n % 256 == 0 and os.path.exists(stop):
        break
print(json.dumps({"%o" % k: v for k, v in seen.items()}), flush=True)
"""


class UmaskDaemon(h.Daemon):
    """tickerd started with umask 000: whatever it creates without an
    explicit mode is world-writable."""

    def popen_options(self):
        return {"umask": 0}


class TestUnixSocketMode(SecurityCase):
    """tickerd's unix socket is 0660 (README, systemd unit): never wider,
    not even for a moment between its creation and a chmod, whatever the
    umask tickerd was started with."""

    RUNS = 10

    async def test_never_wider_than_0660(self):
        """Ten starts with umask 000, the socket's mode polled from another
        process as fast as possible: never group/other bits beyond 0660."""
        tmp = self.make_tmpdir()
        seen = {}
        t0 = time.monotonic()
        runs = 0
        for run in range(self.RUNS):
            path = os.path.join(tmp, "s%d.sock" % run)
            stop = os.path.join(tmp, "stop%d" % run)
            port = h.free_port()
            conf = config(port, [sim_exchange("sim", ["BTC-USD"], 10)],
                          unix_path=path)
            poller = subprocess.Popen([sys.executable, "-c", MODE_POLLER,
                                       path, stop], stdout=subprocess.PIPE,
                                      text=True)
            self.addCleanup(poller.kill)
            ready = await asyncio.to_thread(poller.stdout.readline)
            self.assertEqual(ready.strip(), "ready")
            d = UmaskDaemon(h.write_config(tmp, conf, "t%d.json" % run),
                            tcp_port=port, unix_path=path)
            self.addCleanup(d.kill)
            await d.start()
            await asyncio.sleep(0.1)
            open(stop, "w").close()
            out, _ = await asyncio.to_thread(poller.communicate, timeout=10)
            await self._stop_daemon(d)
            for mode, n in json.loads(out.strip().splitlines()[-1]).items():
                seen[int(mode, 8)] = seen.get(int(mode, 8), 0) + n
            runs = run + 1
            # Seen once is enough; a busy machine gets fewer runs.
            if any(m & ~0o660 for m in seen) or \
                    time.monotonic() - t0 > 20 and runs >= 3:
                break
        self.assertTrue(seen, "the socket was never seen")
        wide = {"%04o" % m: n for m, n in seen.items() if m & ~0o660}
        self.assertEqual(wide, {}, "modes of the unix socket seen in %d "
                         "start(s) with umask 000 (mode: times seen): %s" %
                         (runs, {"%04o" % m: n for m, n in seen.items()}))


# ---------------------------------------------------------------- mistakes

class TestSaidNotSwallowed(SecurityCase):
    """Mistakes are said, not silently turned into something else: a query
    argument too long to read is refused (SPEC "Client protocol": a filter
    that cannot be honoured is not widened to everything), and a config
    that gives up on TLS (SPEC "Never": TLS certificates are verified) is
    warned about in the log and in /health's "warnings"."""

    async def test_query_argument_too_long(self):
        """?symbols= with 256 valid names, 4.8 KB in all: closed with 1008
        and a reason saying the argument is too long, not served
        everything."""
        port = h.free_port()
        daemon = await self.start_daemon(
                config(port, [sim_exchange("sim", ["BTC-USD", "ETH-USD"],
                                           200)]), self.make_tmpdir())
        names = ["S%03dXXXXXXXXXX-USD" % i for i in range(255)] + ["BTC-USD"]
        q = "?symbols=" + ",".join(names)
        self.assertGreater(len(q), 4800)
        ws = await self.client(daemon, q)
        got = []
        try:
            while len(got) < 20:
                m = await h.recv_json(ws, 3, skip_status=True)
                got.append(m)
        except websockets.ConnectionClosed as e:
            self.assertIsNotNone(e.rcvd, "closed without a close frame")
            self.assertEqual(e.rcvd.code, 1008, e)
            self.assertRegex(e.rcvd.reason, r"(?i)too long|longer than|"
                             r"exceeds|too many bytes")
            return
        self.fail("a %d-byte symbols= argument was not refused: %d "
                  "messages, e.g. %s" % (len(q), len(got), got[:2]))

    def warned(self, daemon, name):
        """The log lines at warning priority or above that name @name."""
        return [line for line in daemon.log().splitlines()
                if re.search(r"\b(warning|error|crit|alert|emerg):", line)
                and name in line]

    async def assert_warned(self, daemon, name, problem):
        t0 = time.monotonic()
        while not self.warned(daemon, name) and time.monotonic() - t0 < 1:
            await asyncio.sleep(0.05)
        lines = self.warned(daemon, name)
        self.assertTrue(lines, "no warning naming %s in the log:\n%s" %
                        (name, daemon.log_tail()))
        self.assertTrue(any(re.search(problem, line) for line in lines),
                        "the warnings do not say the problem (%s): %s" %
                        (problem, lines))
        status, body = await health(daemon)
        warnings = body.get("warnings")
        self.assertIsInstance(warnings, list, "no \"warnings\" array in "
                              "/health: %s" % body)
        mine = [w for w in warnings if isinstance(w, str) and name in w]
        self.assertTrue(mine, "no warning naming %s in /health: %s" %
                        (name, warnings))
        self.assertTrue(any(re.search(problem, w) for w in mine),
                        "the /health warnings do not say the problem "
                        "(%s): %s" % (problem, mine))
        return warnings

    async def test_tls_verify_false_warned(self):
        """An exchange with "tls_verify": false: a warning at start and in
        /health."""
        port = h.free_port()
        # Nothing listens there: the connection fails at once, locally.
        ex = {"name": "unverified", "adapter": "binance",
              "symbols": ["BTC-USDT"], "tls_verify": False,
              "url": "wss://127.0.0.1:%d/ws" % h.free_port()}
        daemon = await self.start_daemon(config(port, [ex]),
                                         self.make_tmpdir())
        await self.assert_warned(daemon, "unverified",
                                 r"(?i)tls_verify|certificate|verif")

    async def test_plain_ws_to_another_host_warned(self):
        """An exchange reached by ws:// (no TLS) at an address that is not
        loopback: a warning at start and in /health; one at 127.0.0.1 is
        not warned about."""
        port = h.free_port()
        mock = await self.start_mock("binance")
        # 0.0.0.0 is not a loopback address, and a connection to it stays
        # on this machine (Linux takes it as a local address); nothing
        # listens on that port, so it fails at once.
        plain = {"name": "exws", "adapter": "binance",
                 "symbols": ["BTC-USDT"],
                 "url": "ws://0.0.0.0:%d/ws" % h.free_port()}
        local = h.exchange_entry(mock, ["BTC-USDT"], name="local")
        daemon = await self.start_daemon(config(port, [plain, local]),
                                         self.make_tmpdir())
        problem = (r"(?i)unencrypted|not encrypted|plain ?text|clear ?text|"
                   r"without tls|no tls|not tls|insecure")
        warnings = await self.assert_warned(daemon, "exws", problem)
        local = re.compile(r"\blocal\b")
        self.assertEqual([w for w in warnings if local.search(w)], [],
                         "ws:// to 127.0.0.1 warned about")
        self.assertEqual([line for line in self.warned(daemon, "local")
                          if local.search(line) and
                          re.search(problem, line)], [],
                         "ws:// to 127.0.0.1 warned about")


# ---------------------------------------------------------------- memory

# ASan fills what malloc returns (up to max_malloc_fill_size bytes) with
# a byte, so every page of a block is touched and counts in RSS, as it
# would once a buffer is used; builds without ASan ignore it.
TOUCH_MALLOC = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:"
                                "quarantine_size_mb=1:malloc_fill_byte=190:"
                                "max_malloc_fill_size=%d" % (2 << 20)}


class TestReceiveBuffers(SecurityCase):
    """A client's message buffer is as large as the messages it sends, not
    clients.max_message_bytes from its first message on: otherwise a few
    hundred idle clients hold hundreds of MB."""

    CLIENTS = 200

    async def test_idle_clients_hold_no_full_size_buffer(self):
        """clients.max_message_bytes 1 MiB, 200 clients that each sent one
        ping and then idle: the daemon's RSS and data size grow by well
        under 200 x 1 MiB (less than 40 MiB)."""
        port = h.free_port()
        conf = config(port, [sim_exchange("sim", ["BTC-USD"], 5)],
                      clients={"max_message_bytes": 1 << 20, "max": 1000})
        daemon = await self.start_daemon(conf, self.make_tmpdir(),
                                         env=TOUCH_MALLOC)
        pid = daemon.proc.pid
        # Warm up: a few clients come and go, as the measured ones will.
        warm = [await asyncio.to_thread(raw_ws_open, port) for _ in range(5)]
        for s, _ in warm:
            s.close()
        await asyncio.sleep(0.3)
        rss0 = proc_status_kib(pid, "VmRSS")
        data0 = proc_status_kib(pid, "VmData")

        def open_all():
            socks = []
            for _ in range(self.CLIENTS):
                s, rest = raw_ws_open(port)
                socks.append(s)
                s.sendall(text_frame({"op": "ping"}))
            for s in socks:       # every ping answered: every one received
                buf = b""
                while b'"pong"' not in buf:
                    data = s.recv(65536)
                    if not data:
                        raise AssertionError("closed before its pong")
                    buf += data
            return socks

        socks = await asyncio.to_thread(open_all)
        for s in socks:
            self.addCleanup(s.close)
        await asyncio.sleep(0.3)
        rss = proc_status_kib(pid, "VmRSS") - rss0
        data = proc_status_kib(pid, "VmData") - data0
        print("\n%d idle clients: RSS %+d KiB, data %+d KiB" %
              (len(socks), rss, data))
        self.assertEqual(await clients_gauge(daemon), self.CLIENTS)
        self.assertLess(rss, 40 * 1024, "RSS grew %d KiB for %d clients "
                        "that sent one ping each" % (rss, len(socks)))
        self.assertLess(data, 40 * 1024, "data size grew %d KiB for %d "
                        "clients that sent one ping each" %
                        (data, len(socks)))


if __name__ == "__main__":
    unittest.main()
