#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Soak test for tickerd: hours of realistic load, with figures.

Three mock Binance exchanges (the integration harness's MockBinance, real
WebSocket servers on 127.0.0.1) each send trades and book tickers at a
steady rate, and a sim source runs beside them.  Persistent clients read
everything and check that seq strictly increases and that every exchange's
trade ids arrive in order with no duplicate and no gap outside an exchange
drop; churn clients come and go (clean closes, aborts, subscribe/ping
round trips, slow readers that tickerd must cut).  Every few minutes one
exchange drops its connection.  Optionally, bursts of attack connections
(clients that never read, requests that never end) must be closed by
tickerd and must not keep a probe client out.  tickerd's RSS, fds and key
metrics are sampled into a CSV.  At the end tickerd is stopped with SIGTERM, so an
ASan/LSan build reports leaks, and a summary is printed and written to
summary.json.

Not part of CI: see README.md in this folder.
"""

import argparse
import asyncio
import csv
import json
import os
import random
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))
os.environ.setdefault("TK_FIXTURES", os.path.join(HERE, os.pardir,
                                                  "fixtures"))

import tkharness as h  # noqa: E402
import test_security as sec  # noqa: E402
import websockets  # noqa: E402

SYMBOLS = [("BTC-USDT", "BTCUSDT", 37000.0), ("ETH-USDT", "ETHUSDT", 2000.0)]


def messages(text):
    """The messages of one frame: an array in batch mode, else one."""
    m = json.loads(text)
    return m if isinstance(m, list) else [m]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=3600,
                   help="seconds of load (default 3600)")
    p.add_argument("--rate", type=float, default=200,
                   help="ticks/s per mock exchange (default 200)")
    p.add_argument("--exchanges", type=int, default=3,
                   help="mock Binance exchanges (default 3)")
    p.add_argument("--sim-rate", type=float, default=50,
                   help="ticks/s of the sim source (default 50, 0: none)")
    p.add_argument("--persistent", type=int, default=3,
                   help="clients that stay for the whole run (default 3)")
    p.add_argument("--fast", type=int, default=0, metavar="N",
                   help="the first N persistent clients ask for every tick "
                   "at once (?max_delay_ms=0; default 0)")
    p.add_argument("--churn-interval", type=float, default=0.5,
                   help="seconds between two churn clients (default 0.5)")
    p.add_argument("--drop-every", type=float, default=180,
                   help="seconds between exchange drops (default 180)")
    p.add_argument("--sample", type=float, default=10,
                   help="seconds between RSS samples (default 10)")
    p.add_argument("--attack-nonreaders", type=int, default=0, metavar="N",
                   help="attack bursts of N clients that ask for replies "
                   "and never read (default 0: none)")
    p.add_argument("--attack-slowloris", type=int, default=0, metavar="N",
                   help="attack bursts of N connections that send half a "
                   "request head, then nothing (default 0: none)")
    p.add_argument("--attack-every", type=float, default=None,
                   help="seconds between attack bursts (default: a quarter "
                   "of the duration, at least 20)")
    p.add_argument("--out", default=None,
                   help="output folder (default /tmp/soak-<date>)")
    p.add_argument("--tickerd", default=os.environ.get("TICKERD"),
                   help="tickerd binary (default $TICKERD)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- frames

class Feed:
    """One mock exchange and the frames it sends: Binance raw /ws trades
    (ids 1, 2, 3... over both symbols, so that any duplicate, reordering
    or loss shows as a broken sequence) and book tickers, alternately."""

    def __init__(self, mock, name, rate):
        self.mock = mock
        self.name = name
        self.rate = rate
        self.next_id = 1		# next trade id to send
        self.sent_trades = 0
        self.sent_quotes = 0
        self.unsent = 0		# due while no connection was open
        self.drop_ids = []		# next_id at each drop
        self.n = 0
        self.price = [s[2] for s in SYMBOLS]

    def frame(self):
        i = self.n % len(SYMBOLS)
        self.n += 1
        self.price[i] *= 1 + random.uniform(-1e-4, 1e-4)
        ms = int(time.time() * 1000)
        native = SYMBOLS[i][1]
        if self.n % 2:
            f = ('{"e":"trade","E":%d,"s":"%s","t":%d,"p":"%.2f",'
                 '"q":"%.5f","T":%d,"m":%s,"M":true}' %
                 (ms, native, self.next_id, self.price[i],
                  random.uniform(0.001, 2), ms,
                  "true" if random.random() < 0.5 else "false"))
            return f, True
        p = self.price[i]
        return ('{"u":%d,"s":"%s","b":"%.2f","B":"%.4f","a":"%.2f",'
                '"A":"%.4f"}' % (self.n, native, p - 0.01,
                                 random.uniform(0.1, 5), p + 0.01,
                                 random.uniform(0.1, 5))), False

    async def run(self, stop):
        start = time.monotonic()
        due_total = 0
        while not stop.is_set():
            await asyncio.sleep(0.01)
            target = int((time.monotonic() - start) * self.rate)
            conns = self.mock.open_connections()
            # Only subscribed connections get data, as on the real thing.
            conns = [c for c in conns if c.subscribes]
            while due_total < target:
                due_total += 1
                if not conns:
                    self.unsent += 1
                    continue
                text, is_trade = self.frame()
                try:
                    for c in conns:
                        await c.ws.send(text)
                except websockets.ConnectionClosed:
                    conns = []
                    continue
                if is_trade:
                    self.next_id += 1
                    self.sent_trades += 1
                else:
                    self.sent_quotes += 1


# ---------------------------------------------------------------- clients

class Persistent:
    """A client for the whole run that keeps up: checks seq strictly
    increasing and every exchange's trade ids consecutive."""

    def __init__(self, daemon, idx, feeds, query=""):
        self.daemon = daemon
        self.idx = idx
        self.feeds = {f.name: f for f in feeds}
        self.query = query
        self.ticks = 0
        self.trades = 0
        self.statuses = 0
        self.snapshots = 0
        self.seq_violations = 0
        self.seq_gaps = 0		# ticks with seq skipped (conflation)
        self.bbos = 0			# consolidated bbo messages
        self.id_dups = 0		# trade id repeated or out of order
        self.id_gaps_drop = 0		# trade ids missing across a drop
        self.id_gaps_lost = 0		# trade ids missing elsewhere
        self.closed = 0			# times tickerd closed us
        self.resumes = 0		# reconnects that resumed after last_seq
        self.resume_gaps = 0		# ... that could not (gap)
        self.epoch = None		# of the hello
        self.last_seq = 0
        self.last_id = {}
        self.problems = []

    def filtered(self):
        return any(k in self.query for k in ("symbols=", "exchanges=",
                                              "types="))

    def note(self, what):
        if len(self.problems) < 50:
            self.problems.append("%.1f %s" % (time.time(), what))

    def check_trade(self, t):
        ex = t["exchange"]
        feed = self.feeds.get(ex)
        if feed is None:
            return
        tid = int(t["trade_id"])
        prev = self.last_id.get(ex)
        self.last_id[ex] = max(tid, prev or 0)
        if prev is None:
            return
        if tid <= prev:
            self.id_dups += 1
            self.note("%s trade id %d after %d" % (ex, tid, prev))
        elif tid > prev + 1:
            missing = tid - prev - 1
            # Frames in flight when the mock aborts its socket are lost
            # on the exchange's side: a gap that spans a drop is expected.
            slack = int(feed.rate * 2)
            if any(prev - slack <= d <= tid for d in feed.drop_ids):
                self.id_gaps_drop += missing
            else:
                self.id_gaps_lost += missing
                self.note("%s trade ids %d..%d missing" %
                          (ex, prev + 1, tid - 1))

    def on_message(self, msg):
        kind = msg.get("type")
        if kind == "status":
            self.statuses += 1
            return
        if kind == "gap":
            # not resumed: ids jump legitimately, seq too
            self.resume_gaps += 1
            self.resumes -= 1
            self.last_id = {}
            self.last_seq = 0
            return
        if kind not in ("trade", "quote", "bbo", "funding"):
            return
        if msg.get("snapshot"):
            # Snapshot ticks repeat older seqs by design.
            self.snapshots += 1
            return
        seq = msg["seq"]
        if seq <= self.last_seq:
            self.seq_violations += 1
            self.note("seq %d after %d" % (seq, self.last_seq))
        elif seq > self.last_seq + 1 and self.last_seq and \
                not self.filtered():
            self.seq_gaps += seq - self.last_seq - 1
        self.last_seq = max(seq, self.last_seq)
        if kind == "bbo":
            # numbered like the ticks, derived from the quotes
            self.bbos += 1
            return
        self.ticks += 1
        if kind == "trade":
            self.trades += 1
            self.check_trade(msg)

    def resume_query(self):
        """After a lost connection: go on after the last seq seen."""
        if self.epoch is None or not self.last_seq:
            return self.query
        return "%s%ssince=%d&epoch=%s" % (
                self.query or "?", "&" if self.query else "",
                self.last_seq, self.epoch)

    async def run(self, stop):
        while not stop.is_set():
            query = self.resume_query()
            try:
                ws = await h.connect(self.daemon, query)
            except (OSError, AssertionError, asyncio.TimeoutError,
                    websockets.InvalidHandshake) as e:
                self.note("connect: %r" % e)
                await asyncio.sleep(1)
                continue
            if ws.tk_hello is not None:
                self.epoch = ws.tk_hello["epoch"]
            if query != self.query:
                self.resumes += 1	# less one if a gap follows
            try:
                while not stop.is_set():
                    try:
                        text = await asyncio.wait_for(ws.recv(), 1.0)
                    except asyncio.TimeoutError:
                        continue
                    for m in messages(text):
                        self.on_message(m)
            except websockets.ConnectionClosed as e:
                if not stop.is_set():
                    self.closed += 1
                    self.note("closed by tickerd: %s %s" %
                              (e.code, e.reason))
            finally:
                try:
                    await asyncio.wait_for(ws.close(), 3)
                except (asyncio.TimeoutError, OSError):
                    ws.transport.abort()


class Churn:
    """Clients that come and go in every way a real one might."""

    QUERIES = ["", "?symbols=BTC-USDT", "?types=trade", "?types=quote",
               "?exchanges=b1,sim", "?symbols=ETH-USDT&types=quote",
               "?symbols=NOT-ASYMBOL", "?symbols=bad", "?types=nope",
               "?batch=1", "?batch=1&types=trade", "?batch=x"]

    def __init__(self, daemon, interval):
        self.daemon = daemon
        self.interval = interval
        self.counts = {}
        self.failures = {}
        self.slow_active = 0
        self.slow_cut = 0
        self.tasks = set()

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def fail(self, kind):
        self.failures[kind] = self.failures.get(kind, 0) + 1

    async def one(self):
        kind = random.choice(["read", "read", "abort", "roundtrip",
                              "garbage", "slow"])
        if kind == "slow" and self.slow_active >= 2:
            kind = "read"
        self.count(kind)
        # A slow reader asks for everything: a bad query would get it
        # closed (1008) for another reason.
        query = "" if kind == "slow" else random.choice(self.QUERIES)
        try:
            ws = await h.connect(self.daemon, query)
        except (OSError, AssertionError, asyncio.TimeoutError,
                websockets.InvalidHandshake):
            self.fail(kind)
            return
        try:
            if kind == "abort":
                ws.transport.abort()
                return
            if kind == "read":
                # A filter may match nothing (an unknown symbol): quiet
                # is fine, only the connection's fate matters.
                end = time.monotonic() + random.uniform(0.1, 3)
                try:
                    while time.monotonic() < end:
                        await asyncio.wait_for(
                                ws.recv(), end - time.monotonic())
                except asyncio.TimeoutError:
                    pass
            elif kind == "roundtrip":
                await h.send_json(ws, {"op": "subscribe",
                                       "symbols": ["BTC-USDT"]})
                await h.send_json(ws, {"op": "ping"})
                end = time.monotonic() + 5
                while time.monotonic() < end:
                    got = messages(await asyncio.wait_for(ws.recv(), 5))
                    if any(m.get("type") == "pong" for m in got):
                        break
            elif kind == "garbage":
                await ws.send(random.choice(
                        ["{", "null", "\x00\x01", '{"op":"x"}',
                         b"\xff\xfe binary", "[]" * 100]))
                await asyncio.wait_for(ws.recv(), 3)
            elif kind == "slow":
                # Reads nothing for a while: tickerd must cut it once it
                # falls a whole ring behind, without hurting the others.
                self.slow_active += 1
                try:
                    await asyncio.sleep(random.uniform(5, 30))
                    try:
                        while True:
                            await asyncio.wait_for(ws.recv(), 0.5)
                    except websockets.ConnectionClosed as e:
                        if e.code == 1008:
                            self.slow_cut += 1
                    except asyncio.TimeoutError:
                        pass
                finally:
                    self.slow_active -= 1
        except websockets.ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            self.fail(kind)
        finally:
            try:
                await asyncio.wait_for(ws.close(), 3)
            except (asyncio.TimeoutError, OSError):
                ws.transport.abort()

    async def run(self, stop):
        while not stop.is_set():
            t = asyncio.ensure_future(self.one())
            self.tasks.add(t)
            t.add_done_callback(self.tasks.discard)
            await asyncio.sleep(self.interval)
        # Whatever is still going (slow readers) is cut short.
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=10)


# ---------------------------------------------------------------- attacks

def server_owned(port):
    """{client port: True} for the TCP connections to 127.0.0.1:@port whose
    server side is still a descriptor of some process (tickerd); a socket
    tickerd closed is gone or an orphan (inode 0)."""
    owned = {}
    want = "0100007F:%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[1] != want:
                    continue
                client = int(fields[2].split(":")[1], 16)
                if fields[9] != "0":
                    owned[client] = True
    except OSError:
        pass
    return owned


class AttackConn:
    def __init__(self, sock, kind):
        self.sock = sock
        self.kind = kind
        self.port = sock.getsockname()[1]
        self.last_send = time.monotonic()
        self.closed_after = None	# seconds from last_send to the close
        self.given_up = False		# still open HOLD_S after last_send


class Attacks:
    """Bursts of hostile connections (tests/integration/test_security.py
    has the same kinds): non-readers ask for snapshots and pongs on a
    socket with a tiny receive buffer and never read; slowloris ones send
    half a request head and nothing more.  Each connection is watched from
    the server's side (/proc/net/tcp) until tickerd closes it; one still
    open 60 s after its last byte is given up on.  During every burst a
    well-behaved probe client must get in and be served."""

    HOLD_S = 60.0

    def __init__(self, daemon, nonreaders, slowloris, every):
        self.daemon = daemon
        self.port = daemon.tcp_port
        self.nonreaders = nonreaders
        self.slowloris = slowloris
        self.every = every
        self.conns = []
        self.refused = {"nonreader": 0, "slowloris": 0}
        self.bursts = 0
        self.probes = 0
        self.probe_failures = []
        self.ended = None

    async def open_one(self, kind):
        loop = asyncio.get_running_loop()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if kind == "nonreader":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(
                    s, ("127.0.0.1", self.port)), 5)
            if kind == "slowloris":
                await loop.sock_sendall(s, sec.SLOW_HEAD)
                return AttackConn(s, kind)
            await loop.sock_sendall(s, h.upgrade_request(
                    "127.0.0.1:%d" % self.port))
            head = b""
            while b"\r\n\r\n" not in head:
                data = await asyncio.wait_for(loop.sock_recv(s, 4096), 5)
                if not data:
                    raise ConnectionResetError("closed")
                head += data
            if not head.startswith(b"HTTP/1.1 101"):
                raise ConnectionRefusedError(head[:40])
            return AttackConn(s, kind)
        except (OSError, asyncio.TimeoutError):
            s.close()
            self.refused[kind] += 1
            return None

    async def pester(self, conns, rounds=150, gap=0.02):
        """Every non-reader asks for a snapshot and a pong, @rounds times:
        replies pile up in tickerd, since none is read."""
        loop = asyncio.get_running_loop()
        req = sec.text_frame({"op": "subscribe"}) + \
            sec.text_frame({"op": "ping"})
        alive = list(conns)
        for _ in range(rounds):
            for c in list(alive):
                try:
                    await asyncio.wait_for(loop.sock_sendall(c.sock, req), 2)
                    c.last_send = time.monotonic()
                except (OSError, asyncio.TimeoutError):
                    alive.remove(c)
            await asyncio.sleep(gap)

    async def probe(self):
        """A new, well-behaved client: gets in, pong, a live tick."""
        self.probes += 1
        try:
            ws = await h.connect(self.daemon, timeout=5)
        except (OSError, asyncio.TimeoutError,
                websockets.InvalidHandshake) as e:
            self.probe_failures.append("%.0f connect: %r" % (time.time(), e))
            return
        try:
            await h.send_json(ws, {"op": "ping"})
            pong = live = False
            end = time.monotonic() + 5
            while not (pong and live):
                m = messages(await asyncio.wait_for(
                        ws.recv(), max(0.01, end - time.monotonic())))
                pong = pong or any(x.get("type") == "pong" for x in m)
                live = live or any("seq" in x and not x.get("snapshot")
                                   for x in m)
        except asyncio.TimeoutError:
            self.probe_failures.append("%.0f not served within 5 s" %
                                       time.time())
        except websockets.ConnectionClosed as e:
            self.probe_failures.append("%.0f closed: %s %s" %
                                       (time.time(), e.code, e.reason))
        finally:
            ws.transport.abort()

    async def burst(self):
        self.bursts += 1
        opened = await asyncio.gather(
                *([self.open_one("nonreader")
                   for _ in range(self.nonreaders)] +
                  [self.open_one("slowloris")
                   for _ in range(self.slowloris)]))
        new = [c for c in opened if c is not None]
        self.conns += new
        pester = asyncio.ensure_future(self.pester(
                [c for c in new if c.kind == "nonreader"]))
        await asyncio.sleep(1.5)
        await self.probe()
        await pester
        await asyncio.sleep(2)
        await self.probe()

    async def watch(self, stop):
        """Notes when tickerd closes each attack connection."""
        while True:
            owned = server_owned(self.port)
            now = time.monotonic()
            for c in self.conns:
                if c.closed_after is not None or c.sock.fileno() < 0:
                    continue
                if c.port not in owned:
                    c.closed_after = now - c.last_send
                    c.sock.close()
                elif now - c.last_send > self.HOLD_S:
                    c.given_up = True
                    c.sock.close()
            if stop.is_set():
                break
            await asyncio.sleep(0.25)

    async def run(self, stop, first_s, end_at):
        """Bursts from @first_s on, every self.every seconds, none within
        20 s of @end_at (monotonic): each one's connections have that long
        to be closed before the run ends."""
        watcher = asyncio.ensure_future(self.watch(stop))
        try:
            await asyncio.wait_for(stop.wait(), first_s)
        except asyncio.TimeoutError:
            pass
        while not stop.is_set() and time.monotonic() + 20 < end_at:
            await self.burst()
            try:
                await asyncio.wait_for(stop.wait(), self.every)
            except asyncio.TimeoutError:
                pass
        await stop.wait()
        await watcher
        self.ended = time.monotonic()
        for c in self.conns:
            c.sock.close()

    def summary(self):
        out = {"bursts": self.bursts, "probes": self.probes,
               "probe_failures": self.probe_failures}
        for kind in ("nonreader", "slowloris"):
            mine = [c for c in self.conns if c.kind == kind]
            times = [c.closed_after for c in mine
                     if c.closed_after is not None]
            # open when the run ended: for how long since their last byte
            open_s = [self.ended - c.last_send for c in mine
                      if c.closed_after is None and not c.given_up]
            out[kind] = {
                "connections": len(mine),
                "refused_at_connect": self.refused[kind],
                "closed_by_server": len(times),
                "still_open_after_%ds" % self.HOLD_S:
                sum(c.given_up for c in mine),
                "open_at_end": len(open_s),
                "open_at_end_min_s": round(min(open_s), 1) if open_s
                else None,
                "close_s_max": round(max(times), 1) if times else None,
                "close_s_median": round(statistics.median(times), 1)
                if times else None}
        return out


# ---------------------------------------------------------------- sampling

def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "VmSize"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    return out


def metric_sum(values, name, **labels):
    """The sum of @name's series that have @labels among theirs."""
    want = set(labels.items())
    return sum(v for (n, lab), v in values.items()
               if n == name and want <= lab)


async def metrics(daemon):
    status, body = await h.http_get(daemon, "/metrics", timeout=10)
    if status != 200:
        raise RuntimeError("GET /metrics: HTTP %d" % status)
    return h.parse_metrics(body)


# ---------------------------------------------------------------- main

async def soak(args):
    out = args.out or time.strftime("/tmp/soak-%Y%m%d-%H%M%S")
    os.makedirs(out, exist_ok=True)
    if args.tickerd:
        # tickerd runs in the output folder: a relative path would break.
        os.environ["TICKERD"] = os.path.abspath(args.tickerd)
    h.tickerd_path()

    feeds, mocks = [], []
    for i in range(args.exchanges):
        mock = await h.MockBinance().start()
        mocks.append(mock)
        feeds.append(Feed(mock, "b%d" % (i + 1), args.rate))
    exchanges = [h.exchange_entry(f.mock, [s[0] for s in SYMBOLS],
                                  name=f.name) for f in feeds]
    if args.sim_rate > 0:
        exchanges.append({"name": "sim", "adapter": "sim",
                          "symbols": ["BTC-USD", "ETH-USD"],
                          "rate": args.sim_rate})
    port = h.free_port()
    conf = h.daemon_config(port, exchanges)
    path = h.write_config(out, conf)
    env = {}
    # A small quarantine, so that RSS shows tickerd's memory rather than
    # ASan's cache of freed blocks (default 256 MB) filling up.
    env["ASAN_OPTIONS"] = ("detect_leaks=1:abort_on_error=0:"
                           "quarantine_size_mb=16:"
                           "log_path=" + os.path.join(out, "asan"))
    daemon = h.Daemon(path, tcp_port=port, env=env)
    await daemon.start()
    print("soak: tickerd pid %d, port %d, output %s" %
          (daemon.proc.pid, port, out), flush=True)
    for m in mocks:
        await m.wait_subscribed(1, timeout=15)

    stop = asyncio.Event()
    clients = [Persistent(daemon, i, feeds) for i in range(args.persistent)]
    if args.persistent >= 3:
        clients[-1].query = "?types=trade"
    if args.persistent >= 4:
        clients[-2].query = "?batch=1"
    for c in clients[:args.fast]:
        c.query += ("&" if c.query else "?") + "max_delay_ms=0"
    churn = Churn(daemon, args.churn_interval)
    tasks = [asyncio.ensure_future(f.run(stop)) for f in feeds]
    tasks += [asyncio.ensure_future(c.run(stop)) for c in clients]
    await asyncio.sleep(2)	# persistent clients first
    tasks.append(asyncio.ensure_future(churn.run(stop)))
    attacks = None
    if args.attack_nonreaders > 0 or args.attack_slowloris > 0:
        every = args.attack_every or max(20.0, args.duration / 4)
        attacks = Attacks(daemon, args.attack_nonreaders,
                          args.attack_slowloris, every)
        tasks.append(asyncio.ensure_future(attacks.run(
                stop, min(10.0, args.duration / 10),
                time.monotonic() + args.duration)))

    rows = []
    csv_path = os.path.join(out, "rss.csv")
    fcsv = open(csv_path, "w", newline="")
    wr = csv.writer(fcsv)
    wr.writerow(["elapsed_s", "rss_kb", "hwm_kb", "vsz_kb", "fds",
                 "clients", "ticks_total", "delivered_total",
                 "reconnects_total", "parse_errors_total",
                 "slow_client_closes_total", "conflated_total"])
    start = time.monotonic()
    next_sample = start
    next_drop = start + args.drop_every
    drops = 0
    ndrop = 0
    try:
        while time.monotonic() - start < args.duration:
            if not daemon.running():
                raise RuntimeError("tickerd exited:\n" + daemon.log_tail())
            now = time.monotonic()
            if now >= next_drop:
                feed = feeds[ndrop % len(feeds)]
                feed.drop_ids.append(feed.next_id)
                await feed.mock.drop(abrupt=ndrop % 2 == 0)
                ndrop += 1
                drops += 1
                next_drop += args.drop_every
            if now >= next_sample:
                st = proc_status(daemon.proc.pid)
                mv = await metrics(daemon)
                row = [round(now - start, 1), st["VmRSS"], st["VmHWM"],
                       st["VmSize"], st["fds"],
                       metric_sum(mv, "tickerd_clients"),
                       metric_sum(mv, "tickerd_ticks_total"),
                       metric_sum(mv, "tickerd_delivered_total"),
                       metric_sum(mv, "tickerd_reconnects_total"),
                       metric_sum(mv, "tickerd_parse_errors_total"),
                       metric_sum(mv, "tickerd_slow_client_closes_total"),
                       metric_sum(mv, "tickerd_conflated_total")]
                rows.append(row)
                wr.writerow(row)
                fcsv.flush()
                next_sample += args.sample
            await asyncio.sleep(0.2)
    finally:
        elapsed = time.monotonic() - start
        stop.set()
        done, _ = await asyncio.wait(tasks, timeout=60)
        fcsv.close()
    # A part of the soak that died (an exchange, a client, the attacks)
    # would leave its checks unmade: the run fails.
    task_errors = ["%s: %r" % (t.get_coro().__qualname__, t.exception())
                   for t in tasks if t in done and not t.cancelled() and
                   t.exception() is not None]
    task_errors += ["%s: still running 60 s after the end" %
                    t.get_coro().__qualname__ for t in tasks if t not in done]

    final = await metrics(daemon)
    st = proc_status(daemon.proc.pid)
    t0 = time.monotonic()
    code = await daemon.stop(timeout=60)
    stop_s = time.monotonic() - t0
    for m in mocks:
        await m.close()

    reports = ""
    for name in sorted(os.listdir(out)):
        if name.startswith("asan."):
            with open(os.path.join(out, name)) as f:
                reports += f.read()
    log = daemon.log()
    leak = "LeakSanitizer" in reports or "LeakSanitizer" in log
    asan = any(m in reports or m in log for m in h.FATAL_LOG_MARKERS)

    rss = [r[1] for r in rows]
    # The first minutes fill caches, rings and tables; growth after the
    # first tenth of the run is what a leak would look like.
    settled = rss[len(rss) // 10] if rss else 0
    summary = {
        "duration_s": round(elapsed, 1),
        "rate_per_exchange": args.rate, "exchanges": args.exchanges,
        "sim_rate": args.sim_rate,
        "rss_kb": {"first": rss[0] if rss else None,
                   "settled": settled,
                   "last": rss[-1] if rss else None,
                   "max": max(rss) if rss else None,
                   "at_exit": st["VmRSS"]},
        "fds": {"first": rows[0][4] if rows else None,
                "last": rows[-1][4] if rows else None,
                "max": max(r[4] for r in rows) if rows else None},
        "sent": {f.name: {"trades": f.sent_trades,
                          "quotes": f.sent_quotes,
                          "unsent_while_down": f.unsent}
                 for f in feeds},
        "drops": drops,
        "metrics": {k: metric_sum(final, k) for k in (
                "tickerd_ticks_total", "tickerd_delivered_total",
                "tickerd_reconnects_total", "tickerd_parse_errors_total",
                "tickerd_slow_client_closes_total",
                "tickerd_conflated_total", "tickerd_dropped_total",
                "tickerd_duplicate_trades_total")},
        # how often the loop waited on the exchanges' sockets alone
        "loop_polls": {k: metric_sum(final, "tickerd_loop_polls_total",
                                     sockets=k)
                       for k in ("all", "sources")},
        "persistent": [{
                "query": c.query, "ticks": c.ticks, "trades": c.trades,
                "bbos": c.bbos,
                "snapshots": c.snapshots, "statuses": c.statuses,
                "seq_violations": c.seq_violations,
                "seq_gaps": c.seq_gaps,
                "trade_id_dups": c.id_dups,
                "trade_ids_missing_at_drop": c.id_gaps_drop,
                "trade_ids_missing_elsewhere": c.id_gaps_lost,
                "closed_by_tickerd": c.closed,
                "resumed": c.resumes, "resume_gaps": c.resume_gaps,
                "problems": c.problems} for c in clients],
        "churn": dict(churn.counts, failures=churn.failures,
                      slow_cut=churn.slow_cut),
        "attacks": attacks.summary() if attacks else None,
        "task_errors": task_errors,
        "exit_code": code, "stop_s": round(stop_s, 2),
        "leaks_reported": leak, "sanitizer_reports": asan,
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    ok = (not asan and code == 0 and not task_errors and
          all(c.seq_violations == 0 and c.id_dups == 0 and
              c.id_gaps_lost == 0 and c.closed == 0 for c in clients) and
          (attacks is None or not attacks.probe_failures))
    print(json.dumps(summary, indent=2))
    print("soak: %s (%s)" % ("PASS" if ok else "FAIL", out), flush=True)
    return 0 if ok else 1


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
