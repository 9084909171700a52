# SPDX-License-Identifier: MIT
"""The reconnecting clients in README.md ("Clients that reconnect and
resume"), run exactly as printed there: the Python one as a script under
/usr/bin/python3, the browser one in headless Chromium.  Each reaches the
real tickerd through a TCP relay that the test cuts, so that the client
loses its connection while tickerd stays up, and that can refuse
connections for a while.  What the client delivered is compared with
what a client that stayed connected directly received: the same messages
with the same seqs, none lost, none twice, and no new snapshot after a
resume.  The Python one's backoff is checked too, and that it ends when
nobody reads its stdout any more.
When tickerd restarts (another epoch) or the client was away longer than
the ring reaches, the client must report the gap and go on with the
snapshot that follows.

How the examples are found: each is the fenced code block right below a
line

    <!-- readme-example: NAME (any text) -->

in README.md, NAME being python-client or browser-client, and the block's
language python or js.  Whoever edits the README keeps that comment right
above its block; if it is missing, this test fails and says so.

Why the relay listens on 127.0.0.2 with tickerd's port number: tickerd
lets a browser in only when the page's Origin is the Host it asks for, and
on loopback it accepts a Host only with the port the connection came in on
(README "Security").  A relay on 127.0.0.2:PORT in front of
127.0.0.1:PORT meets both, as a same-origin proxy in front of tickerd
would; it serves the test page itself (PAGE_PATH) and passes every other
request through unchanged.
"""

import asyncio
import collections
import json
import os
import re
import signal
import time
import unittest

import page_cdp
import tkharness as h

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, os.pardir, os.pardir, "README.md")
PYTHON = "/usr/bin/python3"
RELAY_HOST = "127.0.0.2"
PAGE_PATH = "/readme-client.html"
WAIT = 20.0     # seconds any awaited condition may take on a busy host

EXAMPLE = re.compile(r"^<!-- readme-example: (\S+) [^\n]*-->\n"
                     r"```(\w+)\n(.*?)^```$", re.M | re.S)

# Three symbols at two sim exchanges, of which the clients ask for two.
SIM = [("simex", ["BTC-USD", "ETH-USD"], 1),
       ("simfast", ["BTC-USD", "SOL-USD"], 2)]
FILTER = "?symbols=BTC-USD,SOL-USD"


def readme_example(name, lang):
    """The code of the README's example @name, as printed."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    found = {m.group(1): (m.group(2), m.group(3))
             for m in EXAMPLE.finditer(text)}
    if name not in found:
        raise AssertionError("README.md has no block marked <!-- "
                             "readme-example: %s ... --> (found: %s)" %
                             (name, sorted(found)))
    if found[name][0] != lang:
        raise AssertionError("README example %s is %s, expected %s" %
                             (name, found[name][0], lang))
    return found[name][1]


def sim_config(port, rate=150):
    return {"listen": {"tcp": "127.0.0.1:%d" % port},
            "exchanges": [{"name": ex, "adapter": "sim", "symbols": syms,
                           "rate": rate, "seed": seed}
                          for ex, syms, seed in SIM]}


async def until(cond, what, timeout=WAIT, context=str):
    """Waits for @cond() to be true, polling; fails after @timeout, with
    @context() in the message."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("not within %.0f s: %s%s" %
                                 (timeout, what, context()))
        await asyncio.sleep(0.05)


def flatten(text):
    msg = json.loads(text)
    return msg if isinstance(msg, list) else [msg]


def is_live(m):
    return "seq" in m and not m.get("snapshot")


def has_gap(lines):
    return any(m.get("type") == "gap" for m in lines)


class Relay:
    """A TCP relay on RELAY_HOST:@port to tickerd on 127.0.0.1:@port.  It
    reads each request head; GET PAGE_PATH gets @page, anything else goes
    to tickerd as is, and from then on bytes are copied both ways."""

    def __init__(self, port, page=None):
        self.port = port
        self.page = page
        self.refusing = False
        self.upgrades = 0       # WebSocket requests passed to tickerd
        self.open = set()       # transports of relayed connections
        self.server = None

    async def start(self):
        self.server = await asyncio.start_server(self._serve, RELAY_HOST,
                                                 self.port)
        return self

    async def close(self):
        self.cut()
        self.server.close()
        await self.server.wait_closed()

    def cut(self):
        """Drops every relayed connection at once, both sides, as a
        network failure would: no close frame, no data still buffered."""
        for t in list(self.open):
            t.abort()
        self.open.clear()

    async def _serve(self, r, w):
        if self.refusing:
            w.transport.abort()
            return
        try:
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), WAIT)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, OSError):
            w.transport.abort()
            return
        if self.page is not None and \
                head.startswith(b"GET %s " % PAGE_PATH.encode()):
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; "
                    b"charset=utf-8\r\nContent-Length: %d\r\n"
                    b"Connection: close\r\n\r\n" % len(self.page) +
                    self.page)
            await w.drain()
            w.close()
            return
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            w.transport.abort()
            return
        if b"\r\nupgrade: websocket\r\n" in head.lower():
            self.upgrades += 1
        self.open.update((w.transport, uw.transport))
        uw.write(head)
        await asyncio.gather(self._copy(r, uw), self._copy(ur, w))
        self.open.difference_update((w.transport, uw.transport))

    @staticmethod
    async def _copy(src, dst):
        try:
            while True:
                data = await src.read(1 << 16)
                if not data:
                    break
                dst.write(data)
                await dst.drain()
        except OSError:
            pass
        dst.transport.abort()


class Reference:
    """A client connected straight to tickerd that never disconnects:
    every live message (with a seq, not from the snapshot) it received."""

    def __init__(self, ws):
        self.ws = ws
        self.live = []
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        try:
            async for text in self.ws:
                self.live.extend(m for m in flatten(text) if is_live(m))
        except Exception:   # closed: the test compares what came before
            pass

    def last(self):
        return self.live[-1]["seq"] if self.live else 0


class PythonExample:
    """The README's Python client, run as a script: its stdout lines
    parsed (ticks and gaps, in order), its stderr lines as text."""

    def __init__(self, script, url):
        self.argv = [PYTHON, script, url]
        self.lines = []
        self.notices = []
        self.proc = None

    async def start(self):
        env = h.daemon_env()
        self.proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env)
        self.tasks = [asyncio.ensure_future(self._read(
                              self.proc.stdout, self.lines, json.loads)),
                      asyncio.ensure_future(self._read(
                              self.proc.stderr, self.notices, str))]
        return self

    @staticmethod
    async def _read(stream, out, parse):
        while line := await stream.readline():
            out.append(parse(line.decode("utf-8").rstrip("\n")))

    def context(self):
        """What the script said on stderr last, and whether it exited."""
        return "\n--- example's stderr (last 10 lines)%s ---\n%s" % (
                "" if self.proc.returncode is None else
                ", exited with %d" % self.proc.returncode,
                "\n".join(self.notices[-10:]))

    async def stop(self):
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def segments(lines):
    """@lines (ticks and gap messages, as the example delivered them) cut
    at each gap: [(gap or None, snapshot ticks, live ticks)].  Within a
    segment the snapshot must come first: a snapshot tick after live ones
    means the client took a fresh snapshot without a gap."""
    out = [(None, [], [])]
    for m in lines:
        if m.get("type") == "gap":
            out.append((m, [], []))
        elif m.get("snapshot"):
            if out[-1][2]:
                raise AssertionError(
                        "a snapshot tick after %d live ones, without a "
                        "gap: the client did not resume: %s" %
                        (len(out[-1][2]), m))
            out[-1][1].append(m)
        else:
            out[-1][2].append(m)
    return out


class ReadmeCase(h.TkTestCase):

    TEST_TIMEOUT = 120.0

    # what a failed wait adds to its message (the client's own words)
    context = str

    async def until(self, cond, what):
        await until(cond, what, context=self.context)

    def assertSameAsReference(self, live, ref, what):
        """@live is every message @ref got from @live's first seq to its
        last: same order, same content, none lost, none twice."""
        self.assertTrue(live, "%s: no live ticks" % what)
        seqs = [m["seq"] for m in live]
        twice = [s for s, n in collections.Counter(seqs).items() if n > 1]
        self.assertFalse(twice, "%s: seqs delivered twice: %s" %
                         (what, twice[:20]))
        want = [m for m in ref if seqs[0] <= m["seq"] <= seqs[-1]]
        lost = sorted({m["seq"] for m in want} - set(seqs))
        self.assertFalse(lost, "%s: %d of %d seqs in %d..%d lost: %s" % (
                what, len(lost), len(want), seqs[0], seqs[-1], lost[:20]))
        self.assertEqual(live, want, what)

    async def start_relay(self, port, page=None):
        relay = await Relay(port, page).start()
        self.addAsyncCleanup(relay.close)
        return relay

    async def reference(self, daemon, query=FILTER):
        ref = Reference(await self.client(daemon, query))
        self.addCleanup(ref.task.cancel)
        return ref

    async def cut_three_times(self, relay, live_count):
        """Cuts mid-stream, again as soon as the client's WebSocket request
        has passed (before or during its replay), and mid-stream again;
        waits each time for the client to come back, and at the end for
        40 more live ticks."""
        for i in range(3):
            n = live_count()
            if i != 1:
                await self.until(lambda: live_count() >= n + 40,
                                 "40 more live ticks before cut %d" % (i + 1))
            before = relay.upgrades
            relay.cut()
            await self.until(lambda: relay.upgrades > before,
                             "the client reconnects after cut %d" % (i + 1))
        n = live_count()
        await self.until(lambda: live_count() >= n + 40,
                         "40 more live ticks after the cuts")

    async def restart_under(self, daemon, relay):
        """Restarts tickerd (a new epoch) while @relay refuses, so that the
        client comes back only after a new reference is connected and has
        live ticks; returns that reference."""
        relay.refusing = True
        relay.cut()
        await daemon.stop()
        await daemon.start()
        ref = await self.reference(daemon)
        await self.until(lambda: len(ref.live) >= 20,
                         "live ticks after the restart")
        relay.refusing = False
        return ref

    def check_resumed(self, lines, ref):
        """After the cuts: one snapshot, then the live stream as @ref got
        it, in one piece."""
        (_, snap, live), *more = segments(lines)
        self.assertFalse(more, "a gap while tickerd held every message")
        self.assertTrue(snap, "no snapshot at the first connection")
        self.assertSameAsReference(live, ref.live, "across the cuts")

    def check_cuts_then_restart(self, lines, ref1, ref2):
        (_, snap, live1), (gap, snap2, live2) = segments(lines)
        self.assertTrue(snap, "no snapshot at the first connection")
        self.assertSameAsReference(live1, ref1.live, "before the restart")
        self.assertEqual(gap["since"], live1[-1]["seq"],
                         "the gap should say since the last tick received")
        self.assertTrue(snap2, "no snapshot after the gap")
        self.assertSameAsReference(live2, ref2.live, "after the restart")
        self.assertLess(max(m["seq"] for m in snap2), live2[0]["seq"])


class TestPythonExample(ReadmeCase):

    @staticmethod
    def write_example(tmp):
        script = os.path.join(tmp, "follow.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(readme_example("python-client", "python"))
        return script

    async def start_example(self, tmp, port, query):
        script = self.write_example(tmp)
        ex = await PythonExample(
                script, "ws://%s:%d/%s" % (RELAY_HOST, port, query)).start()
        self.addAsyncCleanup(ex.stop)
        self.context = ex.context
        return ex

    async def test_cuts_resume_and_a_restart_is_a_gap(self):
        tmp = self.make_tmpdir()
        port = h.free_port()
        d = await self.start_daemon(sim_config(port), tmp)
        ref1 = await self.reference(d)
        relay = await self.start_relay(port)
        # batch mode too: the live stream comes as arrays
        ex = await self.start_example(tmp, port, FILTER + "&batch=1")

        def live():
            return sum(1 for m in ex.lines if is_live(m))
        await self.cut_three_times(relay, live)
        self.check_resumed(ex.lines, ref1)
        ref2 = await self.restart_under(d, relay)
        await self.until(lambda: has_gap(ex.lines), "a gap after the restart")
        want = ref2.last() + 20
        await self.until(lambda: ex.lines[-1].get("seq", 0) >= want,
                         "the client goes on after the gap")
        await ex.stop()
        self.check_cuts_then_restart(ex.lines, ref1, ref2)
        self.assertTrue(all(m["symbol"] in ("BTC-USD", "SOL-USD")
                            for m in ex.lines if "seq" in m),
                        "the filter was not kept")
        since = segments(ex.lines)[1][0]["since"]
        self.assertTrue(any(n.startswith("gap: ticks after seq %d were "
                                         "lost" % since)
                            for n in ex.notices), ex.notices)
        self.assertGreaterEqual(sum(n.startswith("disconnected")
                                    for n in ex.notices), 4, ex.notices)
        self.assertGreaterEqual(relay.upgrades, 5)

    async def test_backoff_doubles_and_starts_over_after_a_hello(self):
        tmp = self.make_tmpdir()
        port = h.free_port()
        await self.start_daemon(sim_config(port), tmp)
        relay = await self.start_relay(port)
        relay.refusing = True
        ex = await self.start_example(tmp, port, FILTER)

        def waits():
            return [float(m.group(1)) for m in (
                    re.match(r"disconnected \(.*\), again in ([\d.]+) s$",
                             n) for n in ex.notices) if m]
        await self.until(lambda: len(waits()) >= 4, "four refused attempts")
        relay.refusing = False
        await self.until(lambda: any(is_live(m) for m in ex.lines),
                         "live ticks once let in")
        relay.cut()
        await self.until(lambda: len(waits()) >= 5, "a notice after the cut")
        # 0.5 s doubling, each wait between half and all of it (printed
        # to 0.1 s), and 0.5 s again once a connection had its hello
        for w, top in zip(waits(), (0.5, 1, 2, 4, 0.5)):
            self.assertTrue(top / 2 - 0.05 <= w <= top + 0.05,
                            "waits %s, expected up to 0.5, 1, 2, 4, 0.5" %
                            waits())

    async def test_ends_when_stdout_is_closed(self):
        # "| head": a client nobody reads must not reconnect for ever
        tmp = self.make_tmpdir()
        port = h.free_port()
        await self.start_daemon(sim_config(port), tmp)
        script = self.write_example(tmp)
        proc = await asyncio.create_subprocess_exec(
                "/bin/sh", "-c", '"$0" "$1" "$2" | head -n 3', PYTHON,
                script, "ws://127.0.0.1:%d/" % port,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=h.daemon_env(),
                start_new_session=True)
        self.addCleanup(self.kill_group, proc)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), WAIT)
        except asyncio.TimeoutError:
            self.fail("the client did not end with its reader")
        self.assertEqual(len(out.splitlines()), 3, out)
        self.assertNotIn(b"disconnected", err)

    @staticmethod
    def kill_group(proc):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    async def test_away_longer_than_the_ring_is_a_gap(self):
        tmp = self.make_tmpdir()
        mock = await self.start_mock("binance")
        port = h.free_port()
        conf = h.binance_config(port, mock.url)
        conf["clients"] = {"queue_ticks": 64}
        d = await self.start_daemon(conf, tmp)
        await mock.wait_subscribed(1)
        ref = await self.reference(d, "")
        relay = await self.start_relay(port)
        ex = await self.start_example(tmp, port, "")
        trades = Trades()

        async def send(n):
            # no faster than the reference reads: a ring of 64 is short
            for _ in range(0, n, 16):
                want = ref.last() + 16
                await mock.send(*trades.frames(16))
                await self.until(lambda: ref.last() >= want,
                                 "the reference reads trade %d" % want)

        # Until the client has live trades: trades sent while its request
        # is on its way come in its snapshot.  16 at a time, each time
        # until it has them, so that it is never a ring behind.
        await self.until(lambda: relay.upgrades, "the client connects")
        while not any(is_live(m) for m in ex.lines):
            await send(16)
            await self.until(lambda: max((m.get("seq", 0) for m in
                                          ex.lines), default=0) >=
                             ref.last(), "the client has the trades")
        relay.refusing = True
        relay.cut()
        await send(160)     # 2.5 rings while the client is away
        relay.refusing = False
        await self.until(lambda: has_gap(ex.lines),
                         "a gap after the long absence")
        await send(32)
        await self.until(lambda: ex.lines[-1].get("seq") == ref.last(),
                         "the client goes on after the gap")
        await ex.stop()

        (_, snap, live1), (gap, snap2, live2) = segments(ex.lines)
        self.assertSameAsReference(live1, ref.live, "before the absence")
        self.assertEqual(gap["since"], live1[-1]["seq"])
        self.assertGreater(gap["oldest"], gap["since"] + 1, gap)
        # the snapshot: the latest trade of each symbol, then the stream
        self.assertEqual(sorted(m["symbol"] for m in snap2),
                         ["BTC-USDT", "ETH-USDT"])
        self.assertSameAsReference(live2, ref.live, "after the gap")
        self.assertTrue(any(n.startswith("gap: ticks after seq %d were "
                                         "lost" % gap["since"])
                            for n in ex.notices), ex.notices)


class Trades:
    """Binance trade frames with ids that never repeat, alternating
    BTCUSDT and ETHUSDT."""

    FRAME = ('{"e":"trade","E":%d,"s":"%s","t":%d,"p":"37000.%02d",'
             '"q":"0.5","T":%d,"m":false,"M":true}')

    def __init__(self):
        self.n = 0

    def frames(self, count):
        now = int(time.time() * 1000)
        out = []
        for _ in range(count):
            self.n += 1
            sym = ("BTCUSDT", "ETHUSDT")[self.n % 2]
            out.append(self.FRAME % (now, sym, 8000000 + self.n,
                                     self.n % 100, now))
        return out


# The page the browser example runs in: the README's block as printed,
# then a call that collects what it delivers, as the Python one prints it.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>README client</title></head>
<body><script>
%s
</script><script>
window.delivered = [];
window.stopFollowing = followTicker(
  "ws://" + location.host + "/" + %s,
  (tick) => delivered.push(tick),
  (gap) => delivered.push(gap));
</script></body></html>
"""


@page_cdp.needs_chromium
class TestBrowserExample(ReadmeCase):

    async def test_cuts_resume_and_a_restart_is_a_gap(self):
        port = h.free_port()
        d = await self.start_daemon(sim_config(port), self.make_tmpdir())
        ref1 = await self.reference(d)
        page = PAGE % (readme_example("browser-client", "js"),
                       json.dumps(FILTER))
        relay = await self.start_relay(port, page.encode("utf-8"))
        b = page_cdp.Browser()
        self.addCleanup(b.close)
        await asyncio.to_thread(b.start)
        await asyncio.to_thread(b.navigate, "http://%s:%d%s" % (
                RELAY_HOST, port, PAGE_PATH))

        counted = [0]

        async def count():
            counted[0] = await asyncio.to_thread(
                    b.eval, "delivered.filter(m => m.seq !== undefined "
                    "&& !m.snapshot).length")
        poller = asyncio.ensure_future(self.poll(count))
        self.addCleanup(poller.cancel)
        await self.cut_three_times(relay, lambda: counted[0])
        self.check_resumed(json.loads(await asyncio.to_thread(
                b.eval, "JSON.stringify(delivered)")), ref1)
        ref2 = await self.restart_under(d, relay)

        # seqs start over with the new epoch: the gap first, then more
        await asyncio.to_thread(b.wait_for, """(() => {
            const i = delivered.findIndex((m) => m.type === "gap");
            const last = delivered[delivered.length - 1];
            return i >= 0 && !last.snapshot && last.seq >= %d; })()"""
                                % (ref2.last() + 20), WAIT,
                                "the page goes on after the gap")
        poller.cancel()
        await asyncio.to_thread(b.eval, "stopFollowing(), true")
        lines = json.loads(await asyncio.to_thread(
                b.eval, "JSON.stringify(delivered)"))
        self.check_cuts_then_restart(lines, ref1, ref2)
        self.assertGreaterEqual(relay.upgrades, 5)
        self.assertTrue(all(m["symbol"] in ("BTC-USD", "SOL-USD")
                            for m in lines if "seq" in m),
                        "the filter was not kept")
        self.assertFalse([p for p in b.problems()
                          if p.startswith("exception")], b.problems())

    @staticmethod
    async def poll(fn):
        while True:
            await fn()
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    unittest.main()
