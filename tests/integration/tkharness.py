# SPDX-License-Identifier: MIT
"""Integration-test harness for tickerd.

The real tickerd binary ($TICKERD) runs against MockBinance, a real WebSocket
server on 127.0.0.1 that replays real Binance frames from
$TK_FIXTURES/binance/, and is read by real WebSocket clients.  Only the
Python standard library and Debian's python3-websockets (10.x) are used.

Every process and server a test starts is stopped in its cleanups, also when
the test fails; every wait is bounded.
"""

import asyncio
import collections
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get("TK_FIXTURES",
                          os.path.join(HERE, os.pardir, "fixtures"))

# Every field of a tick, in the order SPEC "Ticks" shows them.
TRADE_KEYS = ["type", "exchange", "symbol", "price", "size", "side",
              "trade_id", "ts", "recv_ts", "seq"]
QUOTE_KEYS = ["type", "exchange", "symbol", "bid", "bid_size", "ask",
              "ask_size", "ts", "recv_ts", "seq"]

# Sanitizer and crash reports that make any test fail, whatever it checked.
FATAL_LOG_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "AddressSanitizer:DEADLYSIGNAL")

DEFAULT_TIMEOUT = 5.0


def tickerd_path():
    path = os.environ.get("TICKERD")
    if not path:
        raise RuntimeError("TICKERD is not set: run through ctest, or "
                           "export TICKERD=/path/to/tickerd")
    if not os.access(path, os.X_OK):
        raise RuntimeError("TICKERD=%s is not executable" % path)
    return path


def daemon_env():
    """The environment for tickerd: no proxies, since libwebsockets would
    route even 127.0.0.1 connections through $http_proxy."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                "no_proxy")}
    # A sanitizer report must not be lost among the logs; keep leak checks.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmpdir, conf, name="tickerd.json"):
    """Writes @conf (a dict, or text as is) into @tmpdir; returns the path."""
    path = os.path.join(tmpdir, name)
    with open(path, "w", encoding="utf-8") as f:
        if isinstance(conf, str):
            f.write(conf)
        else:
            json.dump(conf, f, indent=2)
            f.write("\n")
    return path


def binance_config(tcp_port, mock_url, unix_path=None, **exchange):
    """The usual test config: one "binance" exchange with BTC-USDT and
    ETH-USDT at @mock_url; keyword arguments override exchange keys."""
    ex = {"name": "binance", "adapter": "binance",
          "symbols": ["BTC-USDT", "ETH-USDT"], "url": mock_url,
          "stale_s": 30}
    ex.update(exchange)
    listen = {"tcp": "127.0.0.1:%d" % tcp_port}
    if unix_path:
        listen["unix"] = unix_path
    return {"listen": listen, "exchanges": [ex]}


# ---------------------------------------------------------------- fixtures

def fixture(name):
    """The text of $TK_FIXTURES/binance/@name, without the final newline."""
    with open(os.path.join(FIXTURES, "binance", name), encoding="utf-8") as f:
        return f.read().rstrip("\n")


FRESH_ID_BASE = 9000000000


def is_fresh_trade_id(trade_id):
    """True for ids MockBinance.fresh_trade_id() made up for resent trades."""
    return trade_id.isdigit() and int(trade_id) > FRESH_ID_BASE


def unwrap(text):
    """The raw payload of a combined-stream frame
    {"stream":"...","data":PAYLOAD}, cut out of the text so that every
    byte of the payload stays as Binance sent it.  What a /ws connection
    receives is exactly that payload."""
    head = '{"stream":"'
    if not text.startswith(head):
        return text
    i = text.index('","data":', len(head)) + len('","data":')
    if not text.endswith("}"):
        raise ValueError("not a combined-stream frame: %s" % text)
    return text[i:-1]


def with_symbol(text, old, new):
    """@text with the Binance symbol @old replaced by @new (the "s" field,
    and the stream name if wrapped).  Used only where the fixtures have no
    real frame for a symbol; everything else stays byte-for-byte."""
    field_old, field_new = '"s":"%s"' % old, '"s":"%s"' % new
    if text.count(field_old) != 1:
        raise ValueError("%r not exactly once in %s" % (field_old, text))
    text = text.replace(field_old, field_new)
    return text.replace('"stream":"%s@' % old.lower(),
                        '"stream":"%s@' % new.lower())


def _no_duplicate_keys(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def loads_strict(text):
    """json.loads that rejects duplicate keys (a dict keeps key order)."""
    return json.loads(text, object_pairs_hook=_no_duplicate_keys)


# ---------------------------------------------------------------- daemon

class DaemonError(AssertionError):
    pass


class Daemon:
    """One tickerd process with its stdout/stderr captured in files."""

    def __init__(self, config_path, tcp_port=None, unix_path=None,
                 args=None, workdir=None, env=None):
        self.config_path = config_path
        self.tcp_port = tcp_port
        self.unix_path = unix_path
        self.args = list(args or [])
        self.extra_env = dict(env or {})
        self.workdir = workdir or os.path.dirname(config_path)
        self.proc = None
        self.returncode = None
        self._out = self._err = None
        self.stderr_path = os.path.join(self.workdir, "tickerd.stderr")
        self.stdout_path = os.path.join(self.workdir, "tickerd.stdout")

    # -- start

    def _spawn(self):
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        env = daemon_env()
        for k, v in self.extra_env.items():
            # A callable gets the open stderr file (e.g. to name it).
            env[k] = v(self._err) if callable(v) else v
        self.proc = subprocess.Popen(
                [tickerd_path(), "-c", self.config_path] + self.args,
                stdin=subprocess.DEVNULL, stdout=self._out,
                stderr=self._err, env=env, cwd=self.workdir,
                start_new_session=True)

    def _check_alive(self):
        if self.proc.poll() is not None:
            self.returncode = self.proc.returncode
            raise DaemonError("tickerd exited with %d before it was "
                              "ready\n%s" % (self.returncode,
                                             self.log_tail()))

    async def start(self, timeout=10.0):
        """Starts tickerd and waits (without blocking the event loop, so
        that mock exchanges keep running) until the TCP port accepts."""
        self._spawn()
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                r, w = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1",
                                                self.tcp_port), 0.5)
                w.close()
                try:
                    await w.wait_closed()
                except OSError:
                    pass
                return self
            except (OSError, asyncio.TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise DaemonError("tickerd did not listen on port %d "
                                  "within %.0f s\n%s" % (self.tcp_port,
                                  timeout, self.log_tail()))
            await asyncio.sleep(0.05)

    # -- stop

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    async def stop(self, timeout=5.0, sig=signal.SIGTERM):
        """Sends @sig and waits for the exit without blocking the loop;
        SIGKILL after @timeout.  Returns the exit code (negative: killed
        by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and \
                  time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return self.kill()

    async def wait(self, timeout):
        """Waits up to @timeout for the process to exit by itself;
        returns its exit code, or None if it is still running."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.proc.poll()

    def kill(self, grace=3.0):
        """Synchronous last resort for cleanups: SIGTERM, then SIGKILL."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.returncode = self.proc.returncode
        # Anything it left behind in its own process group (e.g. when
        # $TICKERD is a wrapper script) goes too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for f in (self._out, self._err):
            if f is not None and not f.closed:
                f.close()
        return self.returncode

    # -- logs

    def log(self):
        try:
            with open(self.stderr_path, encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        text = self.log().splitlines()[-lines:]
        return "--- tickerd stderr (last %d lines) ---\n%s" % (
                len(text), "\n".join(text))

    def fatal_reports(self):
        """Sanitizer/crash reports found in the log, as text ('' if none)."""
        log = self.log()
        if any(m in log for m in FATAL_LOG_MARKERS):
            return log
        return ""


# ---------------------------------------------------------------- mock

class MockConnection:
    def __init__(self, ws, path, index):
        self.ws = ws
        self.path = path
        self.index = index
        self.received = []  # every text frame, in order
        self.subscribes = []  # the parsed SUBSCRIBE requests
        self.open = True


class MockBinance:
    """A Binance-like WebSocket server on 127.0.0.1:<free port>/ws.

    Records every text frame per connection, acks SUBSCRIBE like Binance
    ({"result":null,"id":<id>}), and lets the test push frames to, or drop,
    every open connection."""

    def __init__(self, path="/ws", ack=True):
        self._sent_ids = set()
        self._next_id = FRESH_ID_BASE
        self.attempts = []  # monotonic time of every upgrade attempt
        self.reject_status = None
        self.path = path
        self.ack = ack
        self.server = None
        self.port = None
        self.connections = []
        self._changed = None

    async def start(self, port=0):
        self._changed = asyncio.Condition()
        mock = self

        class Protocol(websockets.WebSocketServerProtocol):
            async def process_request(self, path, headers):
                return await mock._upgrade(self, path, headers)

        self.server = await websockets.serve(
                self._handler, "127.0.0.1", port, ping_interval=None,
                max_size=1 << 20, create_protocol=Protocol)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _upgrade(self, proto, path, headers):
        """Every upgrade attempt is timed; with reject_status set, the
        attempt is refused with that HTTP status (e.g. 429), the way a web
        server does it: the response, then an orderly close.  (websockets'
        own rejection aborts the socket, and the RST can overtake the
        response.)"""
        self.attempts.append(time.monotonic())
        if not self.reject_status:
            return None
        body = b"rate limited\n"
        proto.transport.write(
                b"HTTP/1.1 %d Refused\r\nRetry-After: 1\r\n"
                b"Content-Type: text/plain\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n%s" %
                (self.reject_status, len(body), body))
        await asyncio.sleep(0.2)
        proto.transport.close()
        # Ends websockets' handler quietly: the answer is already sent.
        raise ConnectionAbortedError("refused by the mock")

    @property
    def url(self):
        return "ws://127.0.0.1:%d%s" % (self.port, self.path)

    async def _notify(self):
        async with self._changed:
            self._changed.notify_all()

    async def _handler(self, ws, path):
        conn = MockConnection(ws, path, len(self.connections))
        self.connections.append(conn)
        await self._notify()
        try:
            async for msg in ws:
                if isinstance(msg, bytes):
                    conn.received.append(msg)
                    continue
                conn.received.append(msg)
                try:
                    req = json.loads(msg)
                except ValueError:
                    req = None
                if isinstance(req, dict) and \
                   req.get("method") == "SUBSCRIBE":
                    conn.subscribes.append(req)
                    if self.ack:
                        await ws.send(json.dumps(
                                {"result": None,
                                 "id": req.get("id")},
                                separators=(",", ":")))
                await self._notify()
        except websockets.ConnectionClosed:
            pass
        finally:
            conn.open = False
            await self._notify()

    def open_connections(self):
        return [c for c in self.connections if c.open and
                c.ws.open]

    def subscribe_count(self):
        return sum(len(c.subscribes) for c in self.connections)

    async def _wait_for(self, pred, timeout, what):
        try:
            async with self._changed:
                await asyncio.wait_for(
                        self._changed.wait_for(pred), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                    "mock: timed out after %.1f s waiting for %s; "
                    "connections: %s" % (timeout, what,
                    [(c.path, c.received) for c in
                     self.connections])) from None

    async def wait_connections(self, n, timeout=DEFAULT_TIMEOUT):
        """Waits for the n-th connection (1-based); returns it."""
        await self._wait_for(lambda: len(self.connections) >= n,
                             timeout, "connection #%d" % n)
        return self.connections[n - 1]

    async def wait_subscribed(self, n, timeout=DEFAULT_TIMEOUT):
        """Waits until the n-th connection (1-based) has sent at least
        one SUBSCRIBE; returns that connection."""
        await self._wait_for(
                lambda: len(self.connections) >= n and
                self.connections[n - 1].subscribes,
                timeout, "a SUBSCRIBE on connection #%d" % n)
        return self.connections[n - 1]

    async def wait_closed(self, conn, timeout=DEFAULT_TIMEOUT):
        await self._wait_for(lambda: not conn.open, timeout,
                             "connection #%d to close" % (conn.index + 1))

    async def send(self, *frames):
        """Sends each text frame to every open connection, in order.
        Returns the number of connections; at least one is required."""
        conns = self.open_connections()
        if not conns:
            raise AssertionError("mock: no open connection to send to")
        for text in frames:
            text = self.fresh_trade_id(text)
            for c in conns:
                await c.ws.send(text)
        return len(conns)

    _TRADE_ID = re.compile(r'"e":"(trade|aggTrade)".*?"s":"([A-Z0-9]+)".*?"(t|a)":(\d+)')

    def fresh_trade_id(self, text):
        """A real exchange never repeats a trade id, and tickerd publishes
        a repeated trade once.  When a test sends the same trade frame
        again, the copy gets a new id (only the digits of "t"/"a" change)."""
        m = self._TRADE_ID.search(text)
        if m is None:
            return text
        key = (m.group(2), m.group(4))
        if key not in self._sent_ids:
            self._sent_ids.add(key)
            return text
        self._next_id += 1
        self._sent_ids.add((m.group(2), str(self._next_id)))
        return text[:m.start(4)] + str(self._next_id) + text[m.end(4):]

    async def drop(self, abrupt=True, code=1001):
        """Ends every open connection: abruptly (TCP transport aborted,
        no close frame) or with a close frame carrying @code."""
        conns = self.open_connections()
        for c in conns:
            if abrupt:
                c.ws.transport.abort()
            else:
                await asyncio.wait_for(c.ws.close(code), 5)
        for c in conns:
            await self.wait_closed(c)
        return len(conns)

    async def close(self):
        if self.server is None:
            return
        self.server.close()
        for c in self.connections:
            if c.open:
                c.ws.transport.abort()
        try:
            await asyncio.wait_for(self.server.wait_closed(), 5)
        except asyncio.TimeoutError:
            pass
        self.server = None


# ---------------------------------------------------------------- clients

async def connect(daemon, query="", unix=False, timeout=DEFAULT_TIMEOUT):
    """A websockets client of @daemon (TCP, or its unix socket).  @query
    is appended to "/" (e.g. "?symbols=BTC-USDT").  Frames the helpers
    skip or read ahead are kept on the client: ws.tk_pending (not yet
    returned) and ws.tk_statuses (every status message seen)."""
    if unix:
        ws = await asyncio.wait_for(websockets.unix_connect(
                daemon.unix_path, "ws://localhost/" + query,
                ping_interval=None, max_size=1 << 22), timeout)
    else:
        ws = await asyncio.wait_for(websockets.connect(
                "ws://127.0.0.1:%d/%s" % (daemon.tcp_port, query),
                ping_interval=None, max_size=1 << 22), timeout)
    ws.tk_daemon = daemon
    ws.tk_pending = collections.deque()
    ws.tk_statuses = []
    return ws


def _context(ws):
    d = getattr(ws, "tk_daemon", None)
    return ("\n" + d.log_tail()) if d is not None else ""


async def recv_raw(ws, timeout=DEFAULT_TIMEOUT):
    """The next text frame (read-ahead frames first)."""
    if ws.tk_pending:
        return ws.tk_pending.popleft()
    try:
        msg = await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError("client: no message within %.1f s%s" %
                             (timeout, _context(ws))) from None
    if isinstance(msg, bytes):
        raise AssertionError("client: got a binary frame %r" % msg[:80])
    return msg


async def recv_json(ws, timeout=DEFAULT_TIMEOUT, skip_status=False):
    """The next message, parsed (keys in wire order, duplicates refused).
    With @skip_status, status messages are recorded and skipped."""
    deadline = time.monotonic() + timeout
    while True:
        text = await recv_raw(ws, max(0.0, deadline - time.monotonic()))
        msg = loads_strict(text)
        if isinstance(msg, dict) and msg.get("type") == "status":
            ws.tk_statuses.append(msg)
            if skip_status:
                continue
        return msg


async def recv_ticks(ws, n, timeout=DEFAULT_TIMEOUT, skip_status=True):
    """The next @n messages that are ticks (trade or quote); status
    messages are skipped (and recorded) when @skip_status, any other
    message is an error."""
    deadline = time.monotonic() + timeout
    ticks = []
    while len(ticks) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("client: %d of %d ticks within %.1f "
                                 "s: %s%s" % (len(ticks), n, timeout,
                                 ticks, _context(ws)))
        msg = await recv_json(ws, left, skip_status=skip_status)
        if msg.get("type") in ("trade", "quote"):
            ticks.append(msg)
        else:
            raise AssertionError("client: expected a tick, got %s" %
                                 msg)
    return ticks


async def recv_until(ws, pred, timeout=DEFAULT_TIMEOUT, skip_status=True):
    """Reads messages until @pred(msg); returns (all read before, msg)."""
    deadline = time.monotonic() + timeout
    before = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("client: awaited message not seen "
                                 "within %.1f s; got %s%s" %
                                 (timeout, before, _context(ws)))
        msg = await recv_json(ws, left, skip_status=skip_status)
        if pred(msg):
            return before, msg
        before.append(msg)


async def recv_status(ws, state, timeout=DEFAULT_TIMEOUT, exchange=None,
                      after=0):
    """Waits for a status message with @state, counting only statuses
    from index @after of ws.tk_statuses on (those seen already included);
    ticks read meanwhile are kept for later recv calls.  Returns it."""
    def match(st):
        return st.get("state") == state and \
                (exchange is None or st.get("exchange") == exchange)
    for st in ws.tk_statuses[after:]:
        if match(st):
            return st
    deadline = time.monotonic() + timeout
    held = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                        "client: no status %r within %.1f s; statuses "
                        "seen: %s%s" % (state, timeout, ws.tk_statuses,
                        _context(ws)))
            text = await recv_raw(ws, left)
            msg = loads_strict(text)
            if msg.get("type") != "status":
                held.append(text)
                continue
            ws.tk_statuses.append(msg)
            if match(msg):
                return msg
    finally:
        ws.tk_pending.extendleft(reversed(held))


async def send_json(ws, obj):
    await ws.send(json.dumps(obj, separators=(",", ":")))


async def roundtrip_ping(ws, timeout=DEFAULT_TIMEOUT):
    """Sends {"op":"ping"} and reads until {"type":"pong"}; returns the
    non-status messages read before it."""
    await send_json(ws, {"op": "ping"})
    before, _ = await recv_until(ws, lambda m: m.get("type") == "pong",
                                 timeout)
    return before


# ---------------------------------------------------------------- test case

def _bounded(fn, seconds):
    @functools.wraps(fn)
    async def wrapper(self, *a, **kw):
        try:
            return await asyncio.wait_for(fn(self, *a, **kw), seconds)
        except asyncio.TimeoutError:
            raise AssertionError("test exceeded %.0f s" % seconds) \
                    from None
    return wrapper


class TkTestCase(unittest.IsolatedAsyncioTestCase):
    """Base for tests with a daemon: every async test_* method is bounded
    by TEST_TIMEOUT seconds, and helpers register their own cleanups
    (clients closed, then the daemon stopped, then mocks closed, then the
    temporary directory removed)."""

    TEST_TIMEOUT = 30.0

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name, fn in list(vars(cls).items()):
            if name.startswith("test") and \
               asyncio.iscoroutinefunction(fn):
                setattr(cls, name, _bounded(fn, cls.TEST_TIMEOUT))

    def make_tmpdir(self):
        # Short path: unix socket paths are limited to 108 bytes.
        d = tempfile.mkdtemp(prefix="tk-", dir="/tmp")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        return d

    async def start_mock(self, **kw):
        mock = await MockBinance(**kw).start()
        self.addAsyncCleanup(mock.close)
        return mock

    async def start_daemon(self, conf, tmpdir, args=None, env=None):
        """Writes @conf and runs tickerd on it; the cleanup stops it and
        fails the test if the log holds a sanitizer report."""
        path = write_config(tmpdir, conf)
        tcp = conf["listen"]["tcp"]
        port = int(tcp.rsplit(":", 1)[1])
        d = Daemon(path, tcp_port=port,
                   unix_path=conf["listen"].get("unix"), args=args,
                   env=env)
        self.addCleanup(d.kill)  # runs after _stop_daemon, even if it fails
        self.addAsyncCleanup(self._stop_daemon, d)
        await d.start()
        return d

    async def _stop_daemon(self, d):
        await d.stop()
        report = d.fatal_reports()
        if report:
            self.fail("tickerd reported a memory/UB error:\n" + report)

    async def client(self, daemon, query="", unix=False):
        ws = await connect(daemon, query, unix=unix)
        self.addAsyncCleanup(self._close_client, ws)
        return ws

    @staticmethod
    async def _close_client(ws):
        try:
            await asyncio.wait_for(ws.close(), 3)
        except (asyncio.TimeoutError, OSError):
            ws.transport.abort()

    def assertRecent(self, us, slack_s=5.0, what="recv_ts"):
        """@us (µs since epoch) is within @slack_s of the wall clock."""
        self.assertIsInstance(us, int, what)
        self.assertLess(abs(us / 1e6 - time.time()), slack_s,
                        "%s %d is not near now" % (what, us))
