# SPDX-License-Identifier: MIT
"""Integration-test harness for tickerd.

The real tickerd binary ($TICKERD) runs against mock exchanges (one
Mock<Venue> class per adapter, collected in MOCKS: real WebSocket servers on
127.0.0.1, each speaking its exchange's protocol, with the REST API of those
that need one) that replay the real frames from $TK_FIXTURES/<exchange>/,
and is read by real WebSocket clients.  Only the Python standard library and Debian's python3-websockets
(10.x) are used.

Every process and server a test starts is stopped in its cleanups, also when
the test fails; every wait is bounded.
"""

import asyncio
import base64
import collections
import functools
import json
import os
import re
import shutil
import signal
import socket
import struct
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
                                "no_proxy")
           # never talk to a real service manager from a test daemon
           and not k.startswith(("NOTIFY_SOCKET", "WATCHDOG_", "LISTEN_"))}
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


def exchange_entry(mock, symbols, name=None, **keys):
    """One exchanges[] entry for @mock (a MockExchange) with @symbols,
    named @name (default: the adapter's name); keyword arguments add or
    override keys.  A mock with a REST API of its own (mock.rest) gets
    its rest_url."""
    ex = {"name": name or mock.ADAPTER, "adapter": mock.ADAPTER,
          "symbols": list(symbols), "url": mock.url, "stale_s": 30}
    if mock.rest is not None:
        ex["rest_url"] = mock.rest.url
    ex.update(keys)
    return ex


def daemon_config(tcp_port, exchanges, unix_path=None):
    """A config listening on 127.0.0.1:@tcp_port with @exchanges (a list
    of exchange_entry() dicts)."""
    listen = {"tcp": "127.0.0.1:%d" % tcp_port}
    if unix_path:
        listen["unix"] = unix_path
    return {"listen": listen, "exchanges": list(exchanges)}


# ---------------------------------------------------------------- fixtures

def exchange_fixture(exchange, name):
    """The text of $TK_FIXTURES/@exchange/@name, without the final
    newline."""
    with open(os.path.join(FIXTURES, exchange, name), encoding="utf-8") as f:
        return f.read().rstrip("\n")


def fixture(name):
    """The text of $TK_FIXTURES/binance/@name, without the final newline."""
    return exchange_fixture("binance", name)


def exchanges():
    """The exchanges tickerd speaks to: one folder of $TK_FIXTURES each,
    named after its adapter, in name order."""
    return sorted(d for d in os.listdir(FIXTURES)
                  if os.path.isdir(os.path.join(FIXTURES, d)))


# The receive time the golden files were made with: a golden "ts" equal to
# it means the exchange gave no time and tickerd used its receive time.
GOLDEN_RECV_TS = 1700000000000000


class Golden:
    """The golden parse result of one fixture frame
    ($TK_FIXTURES/<exchange>/expected/<frame>.out): kind (DATA, CONTROL,
    RECONNECT, EXCHANGE_ERROR, MALFORMED), nticks, unknown, detail, and
    the ticks (dicts, keys in SPEC order)."""

    def __init__(self, exchange, frame):
        self.exchange = exchange
        self.frame = frame
        self.detail = None
        self.ticks = []
        stem = os.path.splitext(frame)[0]
        path = os.path.join(FIXTURES, exchange, "expected", stem + ".out")
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                if line.startswith("# detail="):
                    self.detail = line[len("# detail="):]
                elif line.startswith("# "):
                    head = dict(kv.split("=", 1) for kv in line[2:].split())
                    self.kind = head["kind"]
                    self.nticks = int(head["nticks"])
                    self.unknown = int(head["unknown"])
                elif line:
                    self.ticks.append(loads_strict(line))
        if len(self.ticks) != self.nticks:
            raise ValueError("%s: %d ticks, header says %d" %
                             (path, len(self.ticks), self.nticks))

    def __repr__(self):
        return "Golden(%s/%s %s)" % (self.exchange, self.frame, self.kind)


def goldens(exchange):
    """Every fixture frame of @exchange that has a golden file, as
    [(frame text, Golden)] in file name order."""
    out = []
    folder = os.path.join(FIXTURES, exchange)
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext not in (".json", ".txt") or not os.path.exists(
                os.path.join(folder, "expected", stem + ".out")):
            continue
        out.append((exchange_fixture(exchange, name),
                    Golden(exchange, name)))
    return out


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

    def command(self):
        """The argv that runs tickerd."""
        return [tickerd_path(), "-c", self.config_path] + self.args

    def popen_options(self):
        """More keyword arguments of tickerd's subprocess.Popen (e.g.
        umask, preexec_fn)."""
        return {}

    def _spawn(self):
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        env = daemon_env()
        for k, v in self.extra_env.items():
            # A callable gets the open stderr file (e.g. to name it).
            env[k] = v(self._err) if callable(v) else v
        self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=self._out,
                stderr=self._err, env=env, cwd=self.workdir,
                start_new_session=True, **self.popen_options())

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
        self.opened_at = time.monotonic()
        self.received = []  # every frame, in order
        self.times = []  # monotonic time each of those arrived
        self.subscribes = []  # the parsed subscribe requests
        self.pings = []  # the application-level pings, as received
        self.state = {}  # the protocol's per-connection state
        self.open = True


def _compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def _iso_now():
    """The current UTC time in RFC 3339 with microseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
            ".%06dZ" % int((t % 1) * 1e6)


# A flat JSON object (one trade of a "data" array).
_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")


def _item_spans(text, id_re, symbol_re):
    """[(symbol, start, end)] of the trade id of every flat object in
    @text that has both an id (@id_re group 1) and a symbol (group 1)."""
    spans = []
    for m in _FLAT_OBJECT.finditer(text):
        i = id_re.search(m.group(0))
        s = symbol_re.search(m.group(0))
        if i and s:
            spans.append((s.group(1), m.start() + i.start(1),
                          m.start() + i.end(1)))
    return spans


async def _await_change(changed, pred, timeout, failure):
    """Waits until @pred() holds, checked whenever @changed (an
    asyncio.Condition) is notified; after @timeout seconds raises
    AssertionError(failure())."""
    try:
        async with changed:
            await asyncio.wait_for(changed.wait_for(pred), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(failure()) from None


async def _shut(server, enders):
    """Closes @server's listener, calls each of @enders (one a
    connection: ends it) and waits up to 5 s for the server to finish."""
    server.close()
    for end in enders:
        end()
    try:
        await asyncio.wait_for(server.wait_closed(), 5)
    except asyncio.TimeoutError:
        pass


class MockRest:
    """An exchange's public REST API: a real HTTP/1.1 server on
    127.0.0.1:<free port>, one request per connection (Connection:
    close).  Answers come from a table (answer()); every request is
    recorded with its time (requests).  Faults on cue: fail_with() answers
    every request with that status (and Retry-After), hang() reads
    requests and never answers."""

    def __init__(self):
        self.routes = {}  # (method, path) -> (status, body)
        self.headers = {}  # (method, path) -> {name: value}
        self.requests = []  # [RestRequest]
        self.failure = None  # (status, retry_after or None)
        self.hanging = False
        self.server = None
        self.port = None
        self._writers = set()
        self._changed = None

    def answer(self, method, path, body, status=200, headers=None):
        """Answers @method @path (with its query) with @body: text, or a
        function of the request that returns it; @headers added."""
        self.routes[(method, path)] = (status, body)
        self.headers[(method, path)] = dict(headers or {})

    def fail_with(self, status, retry_after=None):
        self.failure = (status, retry_after)
        self.hanging = False

    def hang(self):
        self.hanging = True
        self.failure = None

    def heal(self):
        self.failure = None
        self.hanging = False

    async def start(self):
        self._changed = asyncio.Condition()
        self.server = await asyncio.start_server(self._serve, "127.0.0.1",
                                                 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def count(self, method=None, path=None):
        return sum(1 for r in self.requests
                   if (method is None or r.method == method) and
                   (path is None or r.path == path))

    async def wait_requests(self, n, timeout=DEFAULT_TIMEOUT):
        """Waits until @n requests in all have come; returns them."""
        await _await_change(
                self._changed, lambda: len(self.requests) >= n, timeout,
                lambda: "rest mock: %d of %d requests within %.1f s: %s" %
                (len(self.requests), n, timeout, self.requests))
        return self.requests[:n]

    async def _serve(self, reader, writer):
        self._writers.add(writer)
        try:
            req = await self._read_request(reader)
            if req is None:
                return
            self.requests.append(req)
            async with self._changed:
                self._changed.notify_all()
            if self.hanging:
                await reader.read()  # until the client gives up
                return
            writer.write(self._response(req))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    @staticmethod
    async def _read_request(reader):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        body = (await reader.readexactly(n)).decode() if n else ""
        return RestRequest(time.monotonic(), method, path, headers, body)

    def _response(self, req):
        extra = ""
        if self.failure is not None:
            status, retry_after = self.failure
            body = '{"code":"50001","msg":"mock failure"}'
            if retry_after is not None:
                extra = "Retry-After: %s\r\n" % retry_after
        else:
            status, body = self.routes.get((req.method, req.path),
                                           (404, '{"msg":"no route"}'))
            if callable(body):
                body = body(req)
            for k, v in self.headers.get((req.method, req.path),
                                         {}).items():
                extra += "%s: %s\r\n" % (k, v)
        data = body.encode()
        return (("HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                 "Content-Length: %d\r\n%sConnection: close\r\n\r\n" %
                 (status, len(data), extra)).encode() + data)

    async def close(self):
        if self.server is None:
            return
        await _shut(self.server, [w.close for w in self._writers])
        self.server = None


RestRequest = collections.namedtuple(
        "RestRequest", "time method path headers body")


class MockExchange:
    """A WebSocket server on 127.0.0.1:<free port> that speaks one
    exchange's public protocol, as far as tickerd uses it.

    Subclasses say what URL path the real endpoint has (PATH), how a
    subscribe request looks (SUBSCRIBE) and is acked (subscribe_replies),
    how an application-level ping looks (PING) and is answered (pong),
    what the exchange sends right after the upgrade (GREETING) and on a
    live link without market data (KEEPALIVE), which frame announces a
    disconnect (DISCONNECT_NOTICE), and where the trade ids of a trade
    frame are (TRADE, TRADE_ID, TRADE_SYMBOL); each a fixture file name
    or a pattern, or None where the exchange has no such thing.  A
    protocol these do not describe overrides the method that uses them.

    The mock records every frame per connection, lets the test push frames
    to, or drop, every open connection, and can refuse upgrades
    (reject_status) while timing every attempt (attempts)."""

    ADAPTER = None  # tickerd's adapter name (also the fixture folder)
    PATH = "/"
    DISCONNECT_NOTICE = None
    # (key, value, ...): a JSON object whose key has one of the values.
    SUBSCRIBE = None
    PING = None
    GREETING = None
    KEEPALIVE = None
    # A trade frame matches TRADE; each flat object in it that has both
    # holds a trade id (TRADE_ID's group 1) and its native symbol
    # (TRADE_SYMBOL's group 1).
    TRADE = None
    TRADE_ID = None
    TRADE_SYMBOL = None
    # What test_all_adapters sends through the merge: (configured symbols,
    # a trade fixture frame, a quote fixture frame), one tick each; the
    # quote may be a tuple of frames that give one tick together, in
    # order (a codec that publishes only changes).
    SAMPLE = None

    def __init__(self, path=None, ack=True, answer_pings=True):
        self._sent_ids = set()
        self._next_id = FRESH_ID_BASE
        self.renamed = {}  # fresh trade id -> the fixture's id
        self.attempts = []  # monotonic time of every upgrade attempt
        self.reject_status = None
        self.path = path if path is not None else self.PATH
        self.ack = ack
        self.answer_pings = answer_pings
        self.server = None
        self.port = None
        self.rest = None  # a MockRest, where rest_routes() names any
        self.connections = []
        self._changed = None

    # -- protocol (overridden per exchange)

    @staticmethod
    def _is(req, spec):
        """True if the JSON object @req is what @spec (key, value, ...)
        describes."""
        return spec is not None and isinstance(req, dict) and \
            req.get(spec[0]) in spec[1:]

    def is_subscribe(self, req):
        """True if the parsed text frame @req is a subscribe request."""
        return self._is(req, self.SUBSCRIBE)

    def subscribe_replies(self, conn, req):
        """The frames that ack the subscribe request @req on @conn."""
        return []

    def ping_reply(self, text, req):
        """The reply if @text (parsed: @req, or None) is an
        application-level ping, else None."""
        return self.pong(req) if self._is(req, self.PING) else None

    def pong(self, req):
        """The answer to the application-level ping @req."""
        raise AssertionError("%s has no application-level ping" %
                             self.ADAPTER)

    def greeting(self, conn):
        """Frames the exchange sends by itself right after the upgrade."""
        return [] if self.GREETING is None else [self.fixture(self.GREETING)]

    def keepalive_frames(self):
        """What the exchange sends on a live connection that carries no
        market data (heartbeats, pongs): never data to tickerd."""
        return [] if self.KEEPALIVE is None else \
            [self.fixture(self.KEEPALIVE)]

    def _trade_ids(self, text):
        """[(native symbol, start, end)]: where the trade ids of a trade
        frame are in @text (the id's characters, without quotes)."""
        if self.TRADE is None or not self.TRADE.search(text):
            return []
        return _item_spans(text, self.TRADE_ID, self.TRADE_SYMBOL)

    def rest_routes(self):
        """[(method, path, body)]: the exchange's REST API as far as
        tickerd uses it (MockRest.answer), served by a MockRest of the
        mock's own (rest), started and closed with it."""
        return []

    @classmethod
    def fixture(cls, name):
        return exchange_fixture(cls.ADAPTER, name)

    def disconnect_notice(self):
        if self.DISCONNECT_NOTICE is None:
            raise AssertionError("%s announces no disconnect" %
                                 self.ADAPTER)
        return self.fixture(self.DISCONNECT_NOTICE)

    # -- server

    async def start(self, port=0):
        routes = self.rest_routes()
        if routes:
            self.rest = await MockRest().start()
            for route in routes:
                self.rest.answer(*route)
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
            for text in self.greeting(conn):
                await ws.send(text)
            async for msg in ws:
                conn.received.append(msg)
                conn.times.append(time.monotonic())
                if isinstance(msg, str):
                    await self._request(conn, msg)
                await self._notify()
        except websockets.ConnectionClosed:
            pass
        finally:
            conn.open = False
            await self._notify()

    async def _request(self, conn, msg):
        try:
            req = json.loads(msg)
        except ValueError:
            req = None
        replies = []
        if isinstance(req, dict) and self.is_subscribe(req):
            conn.subscribes.append(req)
            if self.ack:
                replies = self.subscribe_replies(conn, req)
        else:
            pong = self.ping_reply(msg, req)
            if pong is not None:
                conn.pings.append(msg)
                if self.answer_pings:
                    replies = [pong]
        for text in replies:
            await conn.ws.send(text)

    # -- waiting

    def open_connections(self):
        return [c for c in self.connections if c.open and
                c.ws.open]

    def subscribe_count(self):
        return sum(len(c.subscribes) for c in self.connections)

    async def _wait_for(self, pred, timeout, what):
        await _await_change(
                self._changed, pred, timeout,
                lambda: "mock: timed out after %.1f s waiting for %s; "
                "connections: %s" % (timeout, what,
                [(c.path, c.received) for c in self.connections]))

    async def wait_connections(self, n, timeout=DEFAULT_TIMEOUT):
        """Waits for the n-th connection (1-based); returns it."""
        await self._wait_for(lambda: len(self.connections) >= n,
                             timeout, "connection #%d" % n)
        return self.connections[n - 1]

    async def wait_subscribed(self, n, timeout=DEFAULT_TIMEOUT, count=1):
        """Waits until the n-th connection (1-based) has sent at least
        @count subscribe requests; returns that connection."""
        await self._wait_for(
                lambda: len(self.connections) >= n and
                len(self.connections[n - 1].subscribes) >= count,
                timeout, "%d subscribe request(s) on connection #%d" %
                (count, n))
        return self.connections[n - 1]

    async def wait_closed(self, conn, timeout=DEFAULT_TIMEOUT):
        await self._wait_for(lambda: not conn.open, timeout,
                             "connection #%d to close" % (conn.index + 1))

    # -- sending

    async def send(self, *frames):
        """Sends each text frame to every open connection, in order, with
        fresh ids for trades sent before (fresh_trade_id).  Returns the
        number of connections; at least one is required."""
        conns = self.open_connections()
        if not conns:
            raise AssertionError("mock: no open connection to send to")
        for text in frames:
            text = self.fresh_trade_id(text)
            for c in conns:
                await self._deliver(c, text)
        return len(conns)

    @staticmethod
    async def _deliver(conn, text):
        """Sends one frame of send() on @conn."""
        await conn.ws.send(text)

    @staticmethod
    async def send_raw(conn, *frames):
        """Sends on one connection only, as is (no fresh ids): e.g. the
        same trades on both connections of a rotation."""
        for text in frames:
            await conn.ws.send(text)

    async def announce_disconnect(self, conn=None):
        """Sends the exchange's "reconnect now" frame on @conn, or on
        every open connection."""
        for c in [conn] if conn is not None else self.open_connections():
            await c.ws.send(self.disconnect_notice())

    def fresh_trade_id(self, text):
        """A real exchange never repeats a trade id, and tickerd publishes
        a repeated trade once.  When a test sends the same trade again
        (or a frame repeats an id), the copy gets a new id: only the
        characters of the id change, and renamed maps it back."""
        out, pos = [], 0
        for symbol, start, end in self._trade_ids(text):
            key = (symbol, text[start:end])
            if key not in self._sent_ids:
                self._sent_ids.add(key)
                continue
            self._next_id += 1
            new = str(self._next_id)
            self._sent_ids.add((symbol, new))
            self.renamed[new] = text[start:end]
            out += [text[pos:start], new]
            pos = end
        return "".join(out + [text[pos:]])

    def original_trade_id(self, trade_id):
        """The fixture's id of a trade the mock sent as @trade_id."""
        return self.renamed.get(trade_id, trade_id)

    def with_trade_ids(self, text, *ids):
        """@text with its trade ids, in order, set to @ids."""
        spans = self._trade_ids(text)
        if len(spans) != len(ids):
            raise ValueError("%d trade ids in %s, %d given" %
                             (len(spans), text, len(ids)))
        out, pos = [], 0
        for (_, start, end), new in zip(spans, ids):
            out += [text[pos:start], str(new)]
            pos = end
        return "".join(out + [text[pos:]])

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
        if self.server is not None:
            await _shut(self.server, [c.ws.transport.abort
                                      for c in self.connections if c.open])
            self.server = None
        if self.rest is not None:
            await self.rest.close()


def _echo_req_id(msg, req):
    """@msg, with the req_id of the request @req where it has one."""
    if "req_id" in req:
        msg["req_id"] = req["req_id"]
    return msg


class MockBinance(MockExchange):
    """Binance spot raw streams (/ws): {"method":"SUBSCRIBE",...} acked
    {"result":null,"id":<id>}; no application-level ping (the server pings
    at the WebSocket level); serverShutdown announces a disconnect."""

    ADAPTER = "binance"
    PATH = "/ws"
    DISCONNECT_NOTICE = "server_shutdown_raw.json"
    SAMPLE = (["BTC-USDT"], "aggTrade_3.json",
              "edge_bookTicker_all_market_deprecated.json")
    SUBSCRIBE = ("method", "SUBSCRIBE")

    def subscribe_replies(self, conn, req):
        return [_compact({"result": None, "id": req.get("id")})]

    _TRADE_ID = re.compile(r'"e":"(trade|aggTrade)".*?"s":"([A-Z0-9]+)".*?"(t|a)":(\d+)')

    def _trade_ids(self, text):
        m = self._TRADE_ID.search(text)
        return [] if m is None else [(m.group(2), m.start(4), m.end(4))]


class MockCoinbase(MockExchange):
    """Coinbase Exchange ws-feed (/): {"type":"subscribe",...} acked with
    {"type":"subscriptions",...} listing the connection's whole
    subscription set; no application-level ping, no disconnect notice."""

    ADAPTER = "coinbase"
    PATH = "/"
    SAMPLE = (["BTC-USD"], "last_match_2.json", "ticker_4.json")
    SUBSCRIBE = ("type", "subscribe")
    KEEPALIVE = "heartbeat.json"
    TRADE = re.compile(r'"type":"(?:last_)?match"')
    TRADE_ID = re.compile(r'"trade_id":(\d+)')
    TRADE_SYMBOL = re.compile(r'"product_id":"([^"]+)"')

    def subscribe_replies(self, conn, req):
        subs = conn.state.setdefault("channels", {})
        for ch in req.get("channels") or []:
            if isinstance(ch, dict):
                name, ids = ch.get("name"), ch.get("product_ids") or []
            else:
                name, ids = ch, req.get("product_ids") or []
            have = subs.setdefault(name, [])
            have += [p for p in ids if p not in have]
        return [_compact({"type": "subscriptions", "channels": [
                {"name": n, "product_ids": p} for n, p in subs.items()]})]


class MockKraken(MockExchange):
    """Kraken spot WebSocket v2 (/v2): a status frame on connect;
    {"method":"subscribe",...} acked once per symbol; {"method":"ping"}
    answered {"method":"pong"}; no disconnect notice."""

    ADAPTER = "kraken"
    PATH = "/v2"
    SAMPLE = (["MATIC-USD", "ALGO-USD"], "trade.json", "ticker.json")
    SUBSCRIBE = ("method", "subscribe")
    PING = ("method", "ping")
    GREETING = "status.json"
    KEEPALIVE = "heartbeat.json"
    TRADE = re.compile(r'"channel":"trade"')
    TRADE_ID = re.compile(r'"trade_id":(\d+)')
    TRADE_SYMBOL = re.compile(r'"symbol":"([^"]+)"')

    def subscribe_replies(self, conn, req):
        params = req.get("params") or {}
        return [_compact(_echo_req_id(
                {"method": "subscribe",
                 "result": {"channel": params.get("channel"),
                            "snapshot": params.get("snapshot", True),
                            "symbol": sym},
                 "success": True, "time_in": _iso_now(),
                 "time_out": _iso_now()}, req))
                for sym in params.get("symbol") or []]

    def pong(self, req):
        pong = _echo_req_id({"method": "pong"}, req)
        pong.update(time_in=_iso_now(), time_out=_iso_now())
        return _compact(pong)


class MockBitstamp(MockExchange):
    """Bitstamp WebSocket v2 (/): bts:subscribe acked
    bts:subscription_succeeded per channel; {"event":"bts:heartbeat"}
    answered; bts:request_reconnect announces a disconnect."""

    ADAPTER = "bitstamp"
    PATH = "/"
    DISCONNECT_NOTICE = "request_reconnect.json"
    SAMPLE = (["ETH-USD", "BTC-USD"], "trade.json", "order_book.json")
    SUBSCRIBE = ("event", "bts:subscribe")
    PING = ("event", "bts:heartbeat")
    HEARTBEAT_REPLY = _compact({"event": "bts:heartbeat", "channel": "",
                                "data": {"status": "success"}})

    def subscribe_replies(self, conn, req):
        ch = (req.get("data") or {}).get("channel")
        return [_compact({"event": "bts:subscription_succeeded",
                          "channel": ch, "data": {}})]

    def pong(self, req):
        return self.HEARTBEAT_REPLY

    def keepalive_frames(self):
        return [self.HEARTBEAT_REPLY]

    _TRADE = re.compile(r'"event":\s*"trade"')
    _ID = re.compile(r'"id":\s*(\d+)')
    _CHANNEL = re.compile(r'"channel":\s*"live_trades_([^"]+)"')

    def _trade_ids(self, text):
        ch = self._CHANNEL.search(text)
        m = self._ID.search(text)
        if not self._TRADE.search(text) or ch is None or m is None:
            return []
        return [(ch.group(1), m.start(1), m.end(1))]


class MockOKX(MockExchange):
    """OKX v5 public (/ws/v5/public): {"op":"subscribe"} acked with one
    {"event":"subscribe","arg":...} per arg; the text "ping" answered
    "pong"; notice 64008 announces a disconnect."""

    ADAPTER = "okx"
    PATH = "/ws/v5/public"
    DISCONNECT_NOTICE = "notice_service_upgrade.json"
    SAMPLE = (["BTC-USDT"], "trade.json", "ticker.json")
    SUBSCRIBE = ("op", "subscribe")
    KEEPALIVE = "pong.txt"
    TRADE = re.compile(r'"channel":"trades"')
    TRADE_ID = re.compile(r'"tradeId":"([^"]*)"')
    TRADE_SYMBOL = re.compile(r'"instId":"([^"]+)"')
    # The instruments list, asked for before connecting when a swap is
    # configured: served by the mock's REST API (self.rest).
    INSTRUMENTS = "/api/v5/public/instruments?instType=SWAP"

    def rest_routes(self):
        return [("GET", self.INSTRUMENTS,
                 self.fixture("rest/instruments_swap.json"))]

    def subscribe_replies(self, conn, req):
        conn_id = "%08x" % (0x4d0c0000 + conn.index)
        return [_compact({"event": "subscribe", "arg": arg,
                          "connId": conn_id})
                for arg in req.get("args") or []]

    def ping_reply(self, text, req):
        return "pong" if text == "ping" else None


class MockBybit(MockExchange):
    """Bybit v5 public spot (/v5/public/spot): {"op":"subscribe"} acked
    {"success":true,"op":"subscribe",...}; {"op":"ping"} answered with the
    spot pong; no disconnect notice (short restarts are not announced)."""

    ADAPTER = "bybit"
    PATH = "/v5/public/spot"
    SAMPLE = (["BTC-USDT"], "trade_2_spot.json", "orderbook1_snapshot.json")
    SUBSCRIBE = ("op", "subscribe")
    PING = ("op", "ping")
    KEEPALIVE = "pong_spot.json"
    TRADE = re.compile(r'"topic":"publicTrade\.')
    TRADE_ID = re.compile(r'"i":"([^"]*)"')
    TRADE_SYMBOL = re.compile(r'"s":"([^"]+)"')

    def _conn_id(self, conn):
        return "0970e817-426e-429a-a679-%012x" % conn.index

    @staticmethod
    def _answer(req, ret_msg, conn_id, op):
        msg = _echo_req_id({"success": True, "ret_msg": ret_msg,
                            "conn_id": conn_id}, req)
        msg["op"] = op
        return _compact(msg)

    def subscribe_replies(self, conn, req):
        return [self._answer(req, "subscribe", self._conn_id(conn),
                             "subscribe")]

    def pong(self, req):
        return self._answer(req, "pong",
                            "0970e817-426e-429a-a679-ff7f55e0b16a", "ping")


class MockGateio(MockExchange):
    """Gate.io API v4 spot (/ws/v4/): {"time":..,"channel":..,"event":
    "subscribe","payload":[pairs]} acked once per request with
    {"result":{"status":"success"}}; a "time" that is not a JSON integer
    is refused with Gate's schema error, as the real server does;
    {"channel":"spot.ping"} answered with spot.pong; no disconnect
    notice."""

    ADAPTER = "gateio"
    PATH = "/ws/v4/"
    SAMPLE = (["BTC-USDT"], "spot_trades_3_btc_usdt.json",
              "book_ticker_1.json")
    SUBSCRIBE = ("event", "subscribe")
    PING = ("channel", "spot.ping")
    KEEPALIVE = "pong_docs_example.json"
    TRADE = re.compile(r'"channel":"spot\.trades"')
    TRADE_ID = re.compile(r'"id":(\d+)')
    TRADE_SYMBOL = re.compile(r'"currency_pair":"([^"]+)"')

    @staticmethod
    def _reply(channel, event, **body):
        now = time.time()
        msg = {"time": int(now), "time_ms": int(now * 1000),
               "channel": channel, "event": event}
        msg.update(body)
        return _compact(msg)

    def subscribe_replies(self, conn, req):
        t = req.get("time")
        if "time" in req and (not isinstance(t, int) or
                              isinstance(t, bool)):
            return [self._reply("", "", error={
                "code": 1,
                "message": "request payload does not follow json schema"},
                result=None)]
        return [self._reply(req.get("channel"), "subscribe", error=None,
                            result={"status": "success"})]

    def pong(self, req):
        return self._reply("spot.pong", "", error=None, result=None)


class MockBinanceUsdm(MockExchange):
    """Binance USDⓈ-M futures (/market/ws): the spot stream protocol
    ({"method":"SUBSCRIBE",...} acked {"result":null,"id":<id>}), no
    application-level ping, no disconnect notice (the server cuts every
    connection at 24 h, which tickerd rotates ahead of)."""

    ADAPTER = "binance_usdm"
    PATH = "/market/ws"
    SAMPLE = (["SUSHI-USDT-PERP"], "aggtrade_2_sushiusdt.json",
              "bookticker_1_sushiusdt.json")
    SUBSCRIBE = MockBinance.SUBSCRIBE
    subscribe_replies = MockBinance.subscribe_replies
    TRADE = re.compile(r'"e":"aggTrade"')
    TRADE_ID = re.compile(r'"a":(\d+)')
    TRADE_SYMBOL = re.compile(r'"s":"([A-Z0-9]+)"')


class MockBybitLinear(MockBybit):
    """Bybit v5 linear (/v5/public/linear): the spot protocol
    (MockBybit), with the linear ack ({"success":true,"ret_msg":"",
    "req_id":<id>,"op":"subscribe"}) and the linear pong."""

    ADAPTER = "bybit_linear"
    PATH = "/v5/public/linear"
    SAMPLE = (["BTC-USDT-PERP"], "publictrade_1_btcusdt.json",
              "orderbook1_snapshot_btcusdt.json")
    KEEPALIVE = "pong_linear.json"

    def subscribe_replies(self, conn, req):
        # The linear ack always has a req_id: "" where the request has none.
        return [self._answer({"req_id": req.get("req_id", "")}, "",
                             self._conn_id(conn), "subscribe")]


class MockDeribit(MockExchange):
    """Deribit API v2, JSON-RPC (/ws/api/v2): public/set_heartbeat and
    public/subscribe (tickerd's subscribe messages) answered with
    {"jsonrpc":"2.0","id":N,"result":..}; the heartbeat's test_request
    must be answered with public/test, which the mock records as a ping
    and answers; no disconnect notice."""

    ADAPTER = "deribit"
    PATH = "/ws/api/v2"
    SAMPLE = (["BTC-USD-20210326", "BTC-USD-PERP"],
              "trades_2_btc_26mar21_raw.json", "quote_1_btc_perpetual.json")
    SUBSCRIBE = ("method", "public/subscribe", "public/set_heartbeat")
    PING = ("method", "public/test")
    TRADE = re.compile(r'"channel":"trades\.')
    TRADE_ID = re.compile(r'"trade_id":"([^"]*)"')
    TRADE_SYMBOL = re.compile(r'"instrument_name":"([^"]+)"')
    TEST_REQUEST = _compact({"jsonrpc": "2.0", "method": "heartbeat",
                             "params": {"type": "test_request"}})

    @staticmethod
    def _result(req, result):
        us = int(time.time() * 1e6)
        return _compact({"jsonrpc": "2.0", "id": req.get("id"),
                         "result": result, "usIn": us, "usOut": us + 300,
                         "usDiff": 300, "testnet": False})

    def subscribe_replies(self, conn, req):
        if req.get("method") == "public/set_heartbeat":
            return [self._result(req, "ok")]
        return [self._result(req, (req.get("params") or {}).get(
                "channels") or [])]

    def pong(self, req):
        return self._result(req, {"version": "1.2.26"})

    def keepalive_frames(self):
        return [self.TEST_REQUEST]


class MockBitfinex(MockExchange):
    """Bitfinex WS v2 (/ws/2): the info event on connect; each
    {"event":"subscribe",..} acked {"event":"subscribed",..,"chanId":N},
    with the channel ids of the fixtures' prelude.jsonl where it names the
    subscription (so that the fixture frames reach the right symbol) and
    fresh ones otherwise; heartbeats [chanId,"hb"]; info 20051 announces
    a disconnect.

    A book subscription ({"channel":"book",..,"prec":..,"freq":..,
    "len":..}) is acked with those three echoed, and then, on every
    connection, the book's snapshot where books[native symbol] holds one
    (a fixture frame of that channel id); a test sends the updates after
    it.  Data of a channel never comes before its ack (_deliver)."""

    ADAPTER = "bitfinex"
    PATH = "/ws/2"
    DISCONNECT_NOTICE = "info_reconnect_20051.json"
    # A snapshot gives a quote only when it changes the book: each round
    # first takes the ask away (no tick), then sends the book again.
    SAMPLE = (["BTC-USD", "TESTBTC-TESTUSD"], "trade_te.json",
              ("book_delta_3_remove_ask.json", "book_snapshot.json"))
    SUBSCRIBE = ("event", "subscribe")
    GREETING = "info.json"
    KEEPALIVE = "heartbeat.json"
    _BOOK_KEYS = ("prec", "freq", "len")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.books = {}  # native symbol -> its snapshot frame

    def _prelude(self):
        ids = {}
        path = os.path.join(FIXTURES, self.ADAPTER, "prelude.jsonl")
        with open(path, encoding="utf-8") as f:
            for line in f:
                ack = json.loads(line)
                ids[(ack["channel"], ack["symbol"])] = ack["chanId"]
        return ids

    def subscribe_replies(self, conn, req):
        ids = conn.state.setdefault("ids", self._prelude())
        key = (req.get("channel"), req.get("symbol"))
        if key not in ids:
            ids[key] = 300000 + len(ids)
        sym = req.get("symbol") or ""
        conn.state.setdefault("acked", set()).add(ids[key])
        ack = {"event": "subscribed", "channel": key[0],
               "chanId": ids[key], "symbol": sym}
        if key[0] == "book":
            ack.update((k, req[k]) for k in self._BOOK_KEYS if k in req)
        ack["pair"] = sym[1:]
        replies = [_compact(ack)]
        if key[0] == "book" and sym in self.books:
            replies.append(self.books[sym])
        return replies

    # Data frames name only their channel id: [chanId, ...].
    _CHAN = re.compile(r'^\[(\d+),')

    async def _deliver(self, conn, text):
        """The way Bitfinex orders a connection: no data of a channel
        before its ack.  A frame of a subscription not acked yet on
        @conn (and every frame after it there) waits until the ack is
        sent."""
        conn.state.setdefault("held", []).append(text)
        await self._flush(conn)

    async def _request(self, conn, msg):
        await super()._request(conn, msg)
        await self._flush(conn)

    async def _flush(self, conn):
        held = conn.state.get("held") or []
        ids = conn.state.get("ids", self._prelude())
        acked = conn.state.setdefault("acked", set())
        while held:
            m = self._CHAN.match(held[0])
            cid = int(m.group(1)) if m else None
            if cid is not None and cid in ids.values() and \
                    cid not in acked:
                return
            await conn.ws.send(held.pop(0))

    _TRADE = re.compile(r'^\[(\d+),"te",\[(\d+),')

    def _trade_ids(self, text):
        m = self._TRADE.match(text)
        return [] if m is None else [(m.group(1), m.start(2), m.end(2))]


class MockKucoin(MockExchange):
    """KuCoin spot: every connection needs a token from its REST API
    (self.rest, POST /api/v1/bullet-public), whose answer names this
    mock's endpoint and a fresh token each time (tokens); the socket
    greets with "welcome", {"type":"subscribe"} is acked
    {"id":..,"type":"ack"}, {"type":"ping"} answered with a pong."""

    ADAPTER = "kucoin"
    PATH = "/endpoint"
    SAMPLE = (["DAPPT-BTC", "SNX-BTC"], "match_1.json", "ticker_1.json")
    SUBSCRIBE = ("type", "subscribe")
    PING = ("type", "ping")
    GREETING = "welcome.json"
    TRADE = re.compile(r'"subject":"trade\.l3match"')
    TRADE_ID = re.compile(r'"tradeId":"([^"]*)"')
    TRADE_SYMBOL = re.compile(r'"symbol":"([^"]+)"')
    BULLET = "/api/v1/bullet-public"

    def __init__(self, ping_interval_ms=18000, welcome=True, **kw):
        super().__init__(**kw)
        self.ping_interval_ms = ping_interval_ms
        self.welcome = welcome  # False: the test sends it (welcome())
        self.tokens = []  # issued, in order

    def rest_routes(self):
        return [("POST", self.BULLET, self._bullet)]

    def _bullet(self, req):
        token = "2neAiuYvAU61ZDXANAGAsiL4-iAExI1SfNx%03d" % len(self.tokens)
        self.tokens.append(token)
        return _compact({"code": "200000", "data": {
            "token": token, "instanceServers": [{
                "endpoint": self.url, "encrypt": False,
                "protocol": "websocket",
                "pingInterval": self.ping_interval_ms,
                "pingTimeout": 10000}]}})

    def greeting(self, conn):
        return super().greeting(conn) if self.welcome else []

    async def send_welcome(self, conn):
        conn.welcomed_at = time.monotonic()
        await conn.ws.send(self.fixture(self.GREETING))

    def subscribe_replies(self, conn, req):
        return [_compact({"id": str(req.get("id")), "type": "ack"})]

    def pong(self, req):
        return _compact({"id": req.get("id"), "type": "pong"})

    def keepalive_frames(self):
        return [self.pong({"id": "tickerd"})]


def _mock_classes(base=MockExchange):
    """Every subclass of @base, also those of its subclasses."""
    for cls in base.__subclasses__():
        yield cls
        yield from _mock_classes(cls)


# Every mock, by adapter name: each class above.
MOCKS = {cls.ADAPTER: cls for cls in _mock_classes()}


# ---------------------------------------------------------------- metrics

async def http_get(daemon, path, timeout=DEFAULT_TIMEOUT):
    """GET @path from @daemon's TCP listener; returns (status, body)."""
    async def get():
        r, w = await asyncio.open_connection("127.0.0.1", daemon.tcp_port)
        try:
            w.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Connection: close\r\n\r\n" % path).encode())
            head = await r.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = None
            for line in lines[1:]:
                k, _, v = line.partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v)
            body = await (r.readexactly(length) if length is not None
                          else r.read())
            return status, body.decode("utf-8")
        finally:
            w.close()
    try:
        return await asyncio.wait_for(get(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError("GET %s: no answer within %.1f s" %
                             (path, timeout)) from None


_METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_METRIC_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format, minimally: {(name, frozenset of label
    (key, value) pairs): value}; comments skipped."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _METRIC_LINE.match(line)
        if m is None:
            raise ValueError("not a metric line: %r" % line)
        labels = frozenset(_METRIC_LABEL.findall(m.group(2) or ""))
        out[m.group(1), labels] = float(m.group(3))
    return out


async def metric(daemon, name, **labels):
    """The value of metric @name with exactly @labels (GET /metrics)."""
    status, body = await http_get(daemon, "/metrics")
    if status != 200:
        raise AssertionError("GET /metrics: HTTP %d" % status)
    key = (name, frozenset(labels.items()))
    values = parse_metrics(body)
    if key not in values:
        raise AssertionError("no metric %s%s in:\n%s" % (name, labels,
                                                         body))
    return values[key]


# ---------------------------------------------------------------- clients

HELLO_KEYS = ["type", "version", "epoch", "seq"]


async def connect(daemon, query="", unix=False, timeout=DEFAULT_TIMEOUT,
                  hello=True):
    """A websockets client of @daemon (TCP, or its unix socket).  @query
    is appended to "/" (e.g. "?symbols=BTC-USDT").  Frames the helpers
    skip or read ahead are kept on the client: ws.tk_pending (not yet
    returned) and ws.tk_statuses (every status message seen).

    Every connection starts with a hello: with @hello it is read here and
    kept as ws.tk_hello (None if tickerd closed the connection instead,
    which the next recv then reports); without, the caller reads it."""
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
    ws.tk_hello = None
    ws.tk_bbos = []
    if hello:
        try:
            text = await asyncio.wait_for(ws.recv(), timeout)
        except websockets.ConnectionClosed:
            return ws  # refused after the upgrade: recv() says so again
        except asyncio.TimeoutError:
            raise AssertionError("client: no hello within %.1f s%s" %
                                 (timeout, _context(ws))) from None
        msg = loads_strict(text)
        if not isinstance(msg, dict) or list(msg) != HELLO_KEYS or \
                msg["type"] != "hello":
            raise AssertionError("client: the first message is not a "
                                 "hello: %s" % text)
        ws.tk_hello = msg
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
    """The next @n messages that are ticks (trade, quote or funding, which
    only exchanges configured with that channel send); status
    messages are skipped (and recorded) when @skip_status, bbo messages
    (tickerd's own, derived from the quotes) are skipped and recorded in
    ws.tk_bbos, any other message is an error."""
    deadline = time.monotonic() + timeout
    ticks = []
    while len(ticks) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("client: %d of %d ticks within %.1f "
                                 "s: %s%s" % (len(ticks), n, timeout,
                                 ticks, _context(ws)))
        msg = await recv_json(ws, left, skip_status=skip_status)
        if msg.get("type") == "bbo":
            ws.tk_bbos.append(msg)
        elif msg.get("type") in ("trade", "quote", "funding"):
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


# ---------------------------------------------------------------- raw bytes

def ws_frame(opcode, payload, fin=True, mask=True):
    """One WebSocket frame; a client's frames are masked (RFC 6455 5.3),
    a server's are not (mask=False)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    keys = (key * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^
            int.from_bytes(keys, "big")).to_bytes(n, "big")
    return head + key + body


def upgrade_request(host, path="/", origin=None, extra=b""):
    """A WebSocket upgrade request with exactly this Host (bytes or str)."""
    if isinstance(host, str):
        host = host.encode()
    key = base64.b64encode(os.urandom(16))
    req = (b"GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           b"Sec-WebSocket-Version: 13\r\n" % (path.encode(), host, key))
    if origin is not None:
        req += b"Origin: %s\r\n" % (origin if isinstance(origin, bytes)
                                    else origin.encode())
    return req + extra + b"\r\n"


def upgrade_status(port, origin):
    """The status line tickerd on 127.0.0.1:@port answers a WebSocket
    upgrade from @origin (bytes or str) with."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(upgrade_request("127.0.0.1:%d" % port, origin=origin))
        return s.recv(4096).decode(errors="replace").split("\r\n")[0]


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

    async def start_mock(self, adapter="binance", **kw):
        """Starts the mock exchange for @adapter (MOCKS); closed in the
        cleanups."""
        mock = await MOCKS[adapter](**kw).start()
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

    async def client(self, daemon, query="", unix=False, hello=True):
        ws = await connect(daemon, query, unix=unix, hello=hello)
        self.addAsyncCleanup(self._close_client, ws)
        return ws

    @staticmethod
    async def _close_client(ws):
        # A client that stopped reading a busy stream cannot see the close
        # reply behind the data it did not read: do not wait for long.
        ws.close_timeout = 0.5
        try:
            await asyncio.wait_for(ws.close(), 1)
        except (asyncio.TimeoutError, OSError):
            ws.transport.abort()

    def assertGoldenTick(self, tick, expected, mock=None):
        """@tick is the golden tick @expected: the same keys in the same
        order, every value equal except recv_ts and seq (the goldens were
        made with fixed ones), ts equal to recv_ts where the golden ts is
        GOLDEN_RECV_TS (the exchange gave no time), and trade_id compared
        with the fixture's id when @mock gave the trade a fresh one."""
        self.assertEqual(list(tick), list(expected),
                         "keys of %s, expected %s" % (tick, expected))
        for k, v in expected.items():
            got = tick[k]
            if k in ("recv_ts", "seq"):
                continue
            if k == "ts" and v == GOLDEN_RECV_TS:
                self.assertEqual(got, tick["recv_ts"],
                                 "ts should be the receive time: %s" % tick)
                continue
            if k == "trade_id" and mock is not None:
                got = mock.original_trade_id(got)
            self.assertEqual(got, v, "%s in %s, expected %s" %
                             (k, tick, expected))
        self.assertRecent(tick["recv_ts"])
        self.assertIsInstance(tick["seq"], int, tick)

    def assertRecent(self, us, slack_s=5.0, what="recv_ts"):
        """@us (µs since epoch) is within @slack_s of the wall clock."""
        self.assertIsInstance(us, int, what)
        self.assertLess(abs(us / 1e6 - time.time()), slack_s,
                        "%s %d is not near now" % (what, us))
