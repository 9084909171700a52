# SPDX-License-Identifier: MIT
"""systemd integration without systemd: sd_notify over a NOTIFY_SOCKET the
test owns (READY, WATCHDOG, STATUS, STOPPING, sent by the main pid),
socket activation through systemd-socket-activate, the watchdog stopping
when the loop is wedged, and the unit files (verify, security exposure).

The notify socket is what systemd gives a Type=notify service: an AF_UNIX
datagram socket named by $NOTIFY_SOCKET.  SO_PASSCRED makes the kernel
attach the sender's credentials to every datagram, which is how systemd
applies NotifyAccess=main; the test checks the same thing."""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import websockets

import tkharness as h

# The container tests' probe (tests/system/probe.py): its GET over TCP or
# a unix socket.
sys.path.insert(0, os.path.join(h.HERE, os.pardir, "system"))
import probe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir, "systemd"))
SERVICE = os.path.join(UNITS, "tickerd.service")
SOCKET = os.path.join(UNITS, "tickerd.socket")

WATCHDOG_USEC = 200000
# The first word is /health's "status" (ok, degraded, down).
STATUS_RE = re.compile(r"^(ok|degraded|down): (\d+)/(\d+) exchanges "
                       r"delivering, (\d+) clients, (\d+) ticks/s$")
STATUS_PERIOD_S = 5.0  # notify.c refreshes STATUS= this often


class Message:
    """One datagram: when it came, who sent it, and its KEY=VALUE lines."""

    def __init__(self, when, pid, text):
        self.when = when
        self.pid = pid
        self.text = text
        self.fields = dict(line.split("=", 1) for line in text.split("\n")
                           if "=" in line)

    def __repr__(self):
        return "<%.3f pid %s %r>" % (self.when, self.pid, self.text)


class NotifySocket:
    """$NOTIFY_SOCKET: records every datagram with the sender's pid."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        ucred = struct.calcsize("3i")
        while self.running:
            try:
                data, anc, _, _ = self.sock.recvmsg(
                        4096, socket.CMSG_SPACE(ucred))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and \
                   kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", cdata[:ucred])[0]
            with self.lock:
                self.messages.append(Message(time.monotonic(), pid,
                                             data.decode("utf-8",
                                                         "replace")))

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def with_field(self, key, value=None, since=0.0):
        return [m for m in self.snapshot() if key in m.fields and
                m.when >= since and (value is None or
                                     m.fields[key] == value)]

    async def wait_for(self, key, value=None, timeout=5.0, since=0.0,
                       context=""):
        deadline = time.monotonic() + timeout
        while True:
            found = self.with_field(key, value, since)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError("no %s=%s within %.1f s; got %s%s" % (
                        key, value or "*", timeout, self.snapshot(),
                        context))
            await asyncio.sleep(0.02)


def sim_config(tcp_port, unix_path=None):
    listen = {"tcp": "127.0.0.1:%d" % tcp_port}
    if unix_path:
        listen["unix"] = unix_path
    return {"listen": listen, "exchanges": [
        {"name": "simex", "adapter": "sim", "symbols": ["BTC-USD"],
         "rate": 50, "seed": 1},
        {"name": "simtwo", "adapter": "sim", "symbols": ["ETH-USD"],
         "rate": 50, "seed": 2}]}


class Proc:
    """tickerd (or a launcher that execs it) with WATCHDOG_PID set to its
    own pid, the way systemd sets it: a shell exports $$ and execs, so the
    pid stays the same all the way to tickerd."""

    def __init__(self, tmpdir, argv, env):
        self.log_path = os.path.join(tmpdir, "tickerd.stderr")
        self._log = open(self.log_path, "wb")
        full_env = h.daemon_env()
        full_env.update(env)
        watchdog_pid = env.get("WATCHDOG_PID", "$$")
        full_env.pop("WATCHDOG_PID", None)
        for k, v in env.items():
            if v is None:  # not set at all
                full_env.pop(k)
        self.proc = subprocess.Popen(
                ["/bin/sh", "-c", 'WATCHDOG_PID=%s; export WATCHDOG_PID; '
                 'exec "$@"' % watchdog_pid, "sh"] + argv,
                stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=self._log, env=full_env, start_new_session=True)
        self.pid = self.proc.pid

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def context(self):
        return "\n--- tickerd log ---\n" + self.log()[-4000:]

    async def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.proc.poll()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


class NotifyCase(unittest.IsolatedAsyncioTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tk-", dir="/tmp")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.notify = NotifySocket(os.path.join(self.tmp, "notify"))
        self.addCleanup(self.notify.close)

    def env(self, **kw):
        env = {"NOTIFY_SOCKET": self.notify.path,
               "WATCHDOG_USEC": str(WATCHDOG_USEC)}
        env.update(kw)
        return env

    def start(self, argv, **env):
        p = Proc(self.tmp, argv, self.env(**env))
        self.addCleanup(self.check_log, p)
        self.addCleanup(p.kill)
        return p

    def check_log(self, p):
        log = p.log()
        for m in h.FATAL_LOG_MARKERS:
            self.assertNotIn(m, log, log)

    def tickerd(self, conf, *args, **env):
        path = h.write_config(self.tmp, conf)
        return self.start([h.tickerd_path(), "-c", path] + list(args),
                          **env)

    def assertFromMain(self, msgs, p):
        self.assertTrue(msgs)
        for m in msgs:
            self.assertEqual(m.pid, p.pid, "%r not sent by the main pid "
                             "%d%s" % (m, p.pid, p.context()))

    def assertStatus(self, text, up=None, total=None, clients=None,
                     health=None):
        """STATUS= says @health, then @up of @total exchanges delivering
        and @clients (each checked when given); returns those numbers
        and the rate."""
        m = STATUS_RE.match(text)
        self.assertIsNotNone(m, "STATUS=%r" % text)
        if health is not None:
            self.assertEqual(m.group(1), health, "STATUS=%r" % text)
        got = [int(x) for x in m.groups()[1:]]
        for i, want in enumerate((up, total, clients)):
            if want is not None:
                self.assertEqual(got[i], want, "STATUS=%r" % text)
        return got

    def watchdog_pings(self, since, until):
        return [m for m in self.notify.with_field("WATCHDOG", "1", since)
                if m.when <= until]

    def assertPingRate(self, pings, seconds, p):
        """One ping per half WATCHDOG_USEC, and no gap that would let
        systemd's watchdog fire."""
        half = WATCHDOG_USEC / 2e6
        expected = seconds / half
        self.assertGreaterEqual(len(pings), 0.6 * expected,
                                "%d pings in %.1f s%s" % (
                                    len(pings), seconds, p.context()))
        self.assertLessEqual(len(pings), 1.3 * expected + 1,
                             "%d pings in %.1f s" % (len(pings), seconds))
        gaps = [b.when - a.when for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), WATCHDOG_USEC / 1e6,
                        "a gap between pings reached WATCHDOG_USEC: %s" %
                        ["%.3f" % g for g in gaps])
        self.assertFromMain(pings, p)


class TestNotify(NotifyCase):

    async def test_ready_status_watchdog_stopping(self):
        port = h.free_port()
        p = self.tickerd(sim_config(port))
        ready = await self.notify.wait_for("READY", "1",
                                           context=p.context())
        self.assertFromMain([ready], p)
        # READY=1 means listening: a connection works right away.
        with socket.create_connection(("127.0.0.1", port), 2):
            pass
        self.assertStatus(ready.fields.get("STATUS", ""), total=2,
                          clients=0)

        t0 = time.monotonic()
        await asyncio.sleep(2.0)
        self.assertPingRate(self.watchdog_pings(t0, t0 + 2.0), 2.0, p)

        # STATUS= is refreshed with the numbers of the moment.
        async with websockets.connect("ws://127.0.0.1:%d/" % port,
                                      ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            since = time.monotonic()
            st = await self.notify.wait_for(
                    "STATUS", since=since, timeout=STATUS_PERIOD_S + 2,
                    context=p.context())
            up, total, clients, rate = self.assertStatus(
                    st.fields["STATUS"], up=2, total=2, clients=1,
                    health="ok")
            self.assertGreater(rate, 0, st)
            self.assertNotIn("READY", st.fields)
            self.assertFromMain([st], p)

            since = time.monotonic()
            p.proc.send_signal(signal.SIGTERM)
            stopping = await self.notify.wait_for(
                    "STOPPING", "1", since=since, context=p.context())
            self.assertFromMain([stopping], p)
            self.assertEqual(await p.wait(2.0), 0, p.context())
        self.assertFromMain(self.notify.snapshot(), p)
        # Nothing but STOPPING and pings after the stop began.
        late = [m for m in self.notify.snapshot() if m.when > since and
                "STATUS" in m.fields and "STOPPING" not in m.fields]
        self.assertEqual(late, [])

    async def test_status_word_follows_health(self):
        """STATUS= starts with /health's word: degraded while one of two
        exchanges delivers nothing (no exchange listens at its URL), down
        when none does."""
        dead = {"name": "binance", "adapter": "binance",
                "symbols": ["BTC-USDT"],
                "url": "ws://127.0.0.1:%d/ws" % h.free_port()}
        for exchanges, up, word in ((sim_config(0)["exchanges"][:1] +
                                     [dead], 1, "degraded"),
                                    ([dead], 0, "down")):
            port = h.free_port()
            since = time.monotonic()
            p = self.tickerd({"listen": {"tcp": "127.0.0.1:%d" % port},
                              "exchanges": exchanges})
            ready = await self.notify.wait_for("READY", "1", since=since,
                                               context=p.context())
            self.assertStatus(ready.fields.get("STATUS", ""), up=up,
                              total=len(exchanges), health=word)
            p.proc.send_signal(signal.SIGTERM)
            self.assertEqual(await p.wait(2.0), 0, p.context())

    async def test_watchdog_pid_of_another_process(self):
        """WATCHDOG_PID names who is watched: not us, no pings (systemd
        sets it so that children of a service do not ping for it)."""
        p = self.tickerd(sim_config(h.free_port()), WATCHDOG_PID="1")
        await self.notify.wait_for("READY", "1", context=p.context())
        await asyncio.sleep(0.6)
        self.assertEqual(self.notify.with_field("WATCHDOG"), [])

    async def test_no_notify_socket(self):
        """Without NOTIFY_SOCKET nothing is sent and tickerd just runs."""
        port = h.free_port()
        p = self.tickerd(sim_config(port), NOTIFY_SOCKET=None)
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                self.assertIsNone(p.proc.poll(), p.context())
                self.assertLess(time.monotonic(), deadline, p.context())
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        self.assertEqual(self.notify.snapshot(), [])
        p.proc.send_signal(signal.SIGTERM)
        self.assertEqual(await p.wait(2.0), 0, p.context())

    async def test_wedged_loop_stops_the_pings(self):
        p = self.tickerd(sim_config(h.free_port()), "--test-wedge-after",
                         "1")
        await self.notify.wait_for("READY", "1", context=p.context())
        await asyncio.sleep(2.5)
        pings = self.notify.with_field("WATCHDOG", "1")
        self.assertGreater(len(pings), 3, p.context())
        silent = time.monotonic() - pings[-1].when
        # systemd would have killed it: no ping for several periods ...
        self.assertGreater(silent, 3 * WATCHDOG_USEC / 1e6,
                           "pings went on: %s" % pings[-5:])
        # ... while the process is still there, stuck.
        self.assertIsNone(p.proc.poll(), p.context())
        self.assertIn("stops turning", p.log())


@unittest.skipUnless(shutil.which("systemd-socket-activate"),
                     "systemd-socket-activate is not installed")
class TestSocketActivation(NotifyCase):

    async def test_serves_on_passed_fds(self):
        port = h.free_port()
        unused = h.free_port()
        sock_path = os.path.join(self.tmp, "act.sock")
        conf = h.write_config(self.tmp, sim_config(unused))
        p = self.start(["systemd-socket-activate",
                        "-l", "127.0.0.1:%d" % port, "-l", sock_path,
                        "--fdname=tcp:unix",
                        "-E", "NOTIFY_SOCKET", "-E", "WATCHDOG_USEC",
                        "-E", "WATCHDOG_PID",
                        h.tickerd_path(), "-c", conf])
        # It execs tickerd on the first connection, which then waits in
        # the backlog until tickerd accepts it.
        deadline = time.monotonic() + 5
        while not os.path.exists(sock_path):
            self.assertLess(time.monotonic(), deadline, p.context())
            await asyncio.sleep(0.02)
        ws_tcp = await asyncio.wait_for(websockets.connect(
                "ws://127.0.0.1:%d/?symbols=BTC-USD" % port,
                ping_interval=None), 10)
        self.addAsyncCleanup(ws_tcp.close)
        ready = await self.notify.wait_for("READY", "1",
                                           context=p.context())
        self.assertFromMain([ready], p)
        hello = json.loads(await asyncio.wait_for(ws_tcp.recv(), 5))
        self.assertEqual(hello["type"], "hello", hello)
        tick = json.loads(await asyncio.wait_for(ws_tcp.recv(), 5))
        self.assertEqual(tick["symbol"], "BTC-USD", tick)

        ws_unix = await asyncio.wait_for(websockets.unix_connect(
                sock_path, "ws://localhost/?symbols=ETH-USD",
                ping_interval=None), 5)
        self.addAsyncCleanup(ws_unix.close)
        hello = json.loads(await asyncio.wait_for(ws_unix.recv(), 5))
        self.assertEqual(hello["type"], "hello", hello)
        tick = json.loads(await asyncio.wait_for(ws_unix.recv(), 5))
        self.assertEqual(tick["symbol"], "ETH-USD", tick)

        for target in ("127.0.0.1:%d" % port, sock_path):
            status, body = await asyncio.to_thread(
                    probe.http_get, target, "/health")
            self.assertEqual(status, 200, body)
            health = json.loads(body)
            self.assertEqual(health["clients"], 2, health)

        # The Origin check applies to the passed TCP socket too: another
        # site's page is refused, tickerd's own page is let in.
        with self.assertRaises(websockets.InvalidHandshake):
            await asyncio.wait_for(websockets.connect(
                    "ws://127.0.0.1:%d/" % port,
                    origin="https://evil.example"), 5)
        own = await asyncio.wait_for(websockets.connect(
                "ws://127.0.0.1:%d/?symbols=BTC-USD" % port,
                origin="http://127.0.0.1:%d" % port), 5)
        await own.close()

        # The config's own "listen" is not used.
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", unused), 1).close()
        log = p.log()
        self.assertIn("socket activation", log)
        self.assertIn("is ignored", log)
        self.assertRegex(log, r"tcp 127\.0\.0\.1:%d \(fd \d+ \"tcp\"\)" %
                         port)
        self.assertIn("unix %s (fd" % sock_path, log)

        pings = self.notify.with_field("WATCHDOG", "1")
        self.assertGreater(len(pings), 0)
        self.assertFromMain(pings, p)

        since = time.monotonic()
        p.proc.send_signal(signal.SIGTERM)
        await self.notify.wait_for("STOPPING", "1", since=since,
                                   context=p.context())
        with self.assertRaises(websockets.ConnectionClosed) as cm:
            while True:
                await asyncio.wait_for(ws_tcp.recv(), 5)
        self.assertEqual(cm.exception.code, 1001)
        self.assertEqual(await p.wait(2.0), 0, p.context())


def analyze_root(tmp):
    """A root for systemd-analyze: the binaries the units name, and the
    system's units that they refer to (targets)."""
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "usr", "bin"))
    os.makedirs(os.path.join(root, "etc", "systemd", "system"))
    os.symlink("usr/bin", os.path.join(root, "bin"))
    shutil.copy(h.tickerd_path(), os.path.join(root, "usr", "bin",
                                               "tickerd"))
    shutil.copy("/bin/kill", os.path.join(root, "usr", "bin", "kill"))
    for d in ("/usr/lib/systemd/system", "/lib/systemd/system"):
        if os.path.isdir(d):
            shutil.copytree(d, os.path.join(root, "usr", "lib", "systemd",
                                            "system"), symlinks=True)
            break
    for unit in (SERVICE, SOCKET):
        shutil.copy(unit, os.path.join(root, "etc", "systemd", "system"))
    return root


@unittest.skipUnless(shutil.which("systemd-analyze"),
                     "systemd-analyze is not installed")
class TestUnits(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tk-", dir="/tmp")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = analyze_root(self.tmp)

    def analyze(self, *args):
        return subprocess.run(["systemd-analyze"] + list(args),
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    def test_verify_prints_nothing(self):
        # It exits 0 on unknown keys and bad values: any output fails.
        res = self.analyze("verify", "--root=" + self.root,
                           "/etc/systemd/system/tickerd.service",
                           "/etc/systemd/system/tickerd.socket")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(res.stdout + res.stderr, "")

    def test_security_exposure_below_2(self):
        res = self.analyze("security", "--offline=yes", "--no-pager",
                           "--root=" + self.root, "--threshold=19",
                           "/etc/systemd/system/tickerd.service")
        m = re.search(r"Overall exposure level for tickerd\.service: "
                      r"(\d+\.\d+)", res.stdout)
        self.assertIsNotNone(m, res.stdout + res.stderr)
        self.assertLess(float(m.group(1)), 2.0, res.stdout)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    def test_socket_unit(self):
        with open(SOCKET, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("ListenStream=/run/tickerd/tickerd.sock", text)
        self.assertIn("ListenStream=127.0.0.1:8765", text)
        self.assertIn("SocketMode=0660", text)

    def test_service_unit(self):
        with open(SERVICE, encoding="utf-8") as f:
            keys = {}
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    keys.setdefault(k, []).append(v)
        for k, v in (("Type", "notify"), ("NotifyAccess", "main"),
                     ("Restart", "on-failure"),
                     ("ExecReload", "/bin/kill -HUP $MAINPID"),
                     ("ConfigurationDirectory", "tickerd"),
                     ("RuntimeDirectory", "tickerd"),
                     ("LimitNOFILE", "65536")):
            self.assertIn(v, keys.get(k, []), k)
        self.assertIn("WatchdogSec", keys)


if __name__ == "__main__":
    unittest.main()
