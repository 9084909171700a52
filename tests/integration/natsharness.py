# SPDX-License-Identifier: MIT
"""NATS for the scaling-out tests: Debian's nats-server, one node or a
three-node JetStream cluster on free loopback ports with temporary store
directories, and a minimal client of NATS's text protocol, enough for the
JetStream API requests the tests check the stream with (stream info, one
message by sequence or by subject).  Only the Python standard library.

Every server is stopped by the cleanups of the test that started it; every
wait is bounded."""

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import tkharness as h

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def have_nats_server():
    return os.access(NATS_SERVER, os.X_OK)


def _http_json(url, timeout=1.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode())


class NatsNode:
    """One nats-server process with JetStream."""

    def __init__(self, workdir, name, port=None, cluster_port=None,
                 routes=None):
        self.name = name
        self.port = port or h.free_port()
        self.mon_port = h.free_port()
        self.cluster_port = cluster_port
        self.routes = routes or []
        self.store = os.path.join(workdir, name)
        self.conf = os.path.join(workdir, name + ".conf")
        self.log = os.path.join(workdir, name + ".log")
        self.proc = None

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def _write_conf(self):
        lines = ["server_name: %s" % self.name,
                 "listen: 127.0.0.1:%d" % self.port,
                 "http: 127.0.0.1:%d" % self.mon_port,
                 "jetstream {",
                 '  store_dir: "%s"' % self.store,
                 "  max_memory_store: 268435456",
                 "  max_file_store: 1073741824",
                 "}"]
        if self.cluster_port:
            lines += ["cluster {",
                      "  name: tk",
                      "  listen: 127.0.0.1:%d" % self.cluster_port,
                      "  routes: [%s]" % ", ".join(
                          "nats-route://127.0.0.1:%d" % p
                          for p in self.routes),
                      "}"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        self._write_conf()
        self._logf = open(self.log, "ab")
        self.proc = subprocess.Popen([NATS_SERVER, "-c", self.conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._logf, stderr=self._logf,
                                     start_new_session=True)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    async def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("nats-server %s exited: %s" %
                                     (self.name, self.log_tail()))
            try:
                _http_json("http://127.0.0.1:%d/varz" % self.mon_port)
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("nats-server %s not up within %.0f s"
                                     % (self.name, timeout))
            await asyncio.sleep(0.05)

    def jsz(self):
        return _http_json("http://127.0.0.1:%d/jsz" % self.mon_port)

    def kill(self, sig=signal.SIGKILL):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._logf.close()

    def stop(self):
        self.kill(signal.SIGTERM)

    def log_tail(self, lines=20):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class NatsCluster:
    """Three JetStream nodes n1..n3 routed to each other."""

    def __init__(self, workdir, size=3):
        cports = [h.free_port() for _ in range(size)]
        self.nodes = [NatsNode(workdir, "n%d" % (i + 1),
                               cluster_port=cports[i], routes=cports)
                      for i in range(size)]

    def start(self):
        for n in self.nodes:
            n.start()
        return self

    async def wait_ready(self, timeout=20.0):
        for n in self.nodes:
            await n.wait_ready(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                meta = self.nodes[0].jsz().get("meta_cluster") or {}
                if meta.get("leader"):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("no JetStream meta leader within "
                                     "%.0f s" % timeout)
            await asyncio.sleep(0.1)

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    @property
    def urls(self):
        return [n.url for n in self.nodes]

    def kill(self):
        for n in self.nodes:
            n.kill()


class NatsClient:
    """A minimal NATS client: CONNECT, PING/PONG, SUB and PUB with a reply
    inbox, MSG and HMSG.  request() is all the tests need."""

    def __init__(self):
        self.reader = self.writer = None
        self._task = None
        self._waiters = {}
        self._sid = 0

    async def connect(self, url, timeout=h.DEFAULT_TIMEOUT):
        hostport = url.split("://", 1)[1]
        host, port = hostport.rsplit(":", 1)
        self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection(host, int(port)), timeout)
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line.startswith(b"INFO "):
            raise AssertionError("not a NATS server: %r" % line)
        self.writer.write(b'CONNECT {"verbose":false,"pedantic":false,'
                          b'"headers":true,"no_responders":true,'
                          b'"lang":"python","version":"0"}\r\nPING\r\n')
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if line.strip() != b"PONG":
            raise AssertionError("NATS: %r" % line)
        self.writer.write(b"SUB _TK_INBOX.* 1\r\n")
        self._task = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self):
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    return
                parts = line.decode().split()
                if not parts:
                    continue
                if parts[0] == "PING":
                    self.writer.write(b"PONG\r\n")
                elif parts[0] == "MSG":
                    n = int(parts[-1])
                    data = (await self.reader.readexactly(n + 2))[:-2]
                    self._deliver(parts[1], b"", data)
                elif parts[0] == "HMSG":
                    hl, n = int(parts[-2]), int(parts[-1])
                    raw = (await self.reader.readexactly(n + 2))[:-2]
                    self._deliver(parts[1], raw[:hl], raw[hl:])
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def _deliver(self, subject, hdrs, data):
        fut = self._waiters.pop(subject, None)
        if fut is not None and not fut.done():
            fut.set_result((hdrs, data))

    async def request(self, subject, payload=b"", timeout=2.0):
        self._sid += 1
        inbox = "_TK_INBOX.%d" % self._sid
        fut = asyncio.get_running_loop().create_future()
        self._waiters[inbox] = fut
        self.writer.write(b"PUB %s %s %d\r\n%s\r\n" %
                          (subject.encode(), inbox.encode(), len(payload),
                           payload))
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._waiters.pop(inbox, None)

    async def js(self, api, body=None, timeout=2.0):
        """A JetStream API request: the parsed JSON answer."""
        payload = json.dumps(body).encode() if body is not None else b""
        hdrs, data = await self.request("$JS.API." + api, payload, timeout)
        if not data:
            raise AssertionError("JetStream API %s: no answer (%r)" %
                                 (api, hdrs))
        return json.loads(data)

    async def stream_info(self, stream):
        return await self.js("STREAM.INFO." + stream)

    async def get_msg(self, stream, seq=None, last_by_subj=None):
        """(subject, seq, parsed body) or None if there is none."""
        body = {"seq": seq} if seq is not None else \
            {"last_by_subj": last_by_subj}
        r = await self.js("STREAM.MSG.GET." + stream, body)
        if "error" in r:
            return None
        m = r["message"]
        data = base64.b64decode(m.get("data", "")) if m.get("data") else b""
        return m["subject"], m["seq"], json.loads(data)

    async def all_msgs(self, stream):
        """Every message the stream holds: [(subject, seq, body)]."""
        info = await self.stream_info(stream)
        st = info["state"]
        out = []
        for seq in range(st["first_seq"], st["last_seq"] + 1):
            m = await self.get_msg(stream, seq=seq)
            if m is not None:
                out.append(m)
        return out

    async def close(self):
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
