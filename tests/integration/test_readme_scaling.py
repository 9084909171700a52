# SPDX-License-Identifier: MIT
"""README "Scaling out", "On one machine": its four commands and the two
configs they name (config/ingest.json, config/edge.json), run as printed
but for the ports and the store directory, which the test picks free and
temporary: nats-server with JetStream, the ingest tickerd on the two
simulated exchanges, the edge tickerd reading the stream, and a WebSocket
client of the edge.  The client must get the edge's hello, a snapshot,
then live ticks of both exchanges with increasing seq; the edge's /health
must show its NATS source connected and the ingest's /metrics what the
stream acknowledged, as the README says.

The commands are the fenced block right below the line
<!-- readme-example: scaling-one-machine ... --> in README.md; a command
this test does not know how to run fails it, so the README cannot drift
from what is tested."""

import asyncio
import json
import os
import shlex
import subprocess
import time

import unittest

import natsharness as n
import tkharness as h
import websockets
from test_readme_clients import readme_example

ROOT = os.path.normpath(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), os.pardir, os.pardir))
WAIT = 20.0


def readme_commands():
    """The four command lines of the README block, split as a shell would."""
    lines = [ln for ln in readme_example("scaling-one-machine", "sh")
             .splitlines() if ln.strip() and not ln.startswith("#")]
    return [shlex.split(ln) for ln in lines]


def option(argv, flag):
    """The value after @flag in @argv."""
    if flag not in argv[:-1]:
        raise AssertionError("README command %r has no %s" % (argv, flag))
    return argv[argv.index(flag) + 1]


def config_file(argv):
    """The config a README command runs tickerd on: `sh scripts/run.sh F`
    (which builds, then execs build/daemon/tickerd -c F) or
    `build/daemon/tickerd -c F`."""
    if argv[:2] == ["sh", "scripts/run.sh"] and len(argv) == 3:
        return argv[2]
    if argv[0] == "build/daemon/tickerd" and len(argv) == 3:
        return option(argv, "-c")
    raise AssertionError("README command %r: not a way this test knows to "
                         "run tickerd" % (argv,))


@unittest.skipUnless(n.have_nats_server(), "nats-server is not installed")
class TestReadmeScaling(h.TkTestCase):

    TEST_TIMEOUT = 90.0

    async def asyncSetUp(self):
        self.tmp = self.make_tmpdir()
        self.ports = {}     # README port -> free port

    def port(self, readme_port):
        if readme_port not in self.ports:
            self.ports[readme_port] = h.free_port()
        return self.ports[readme_port]

    def localize(self, text):
        """@text with each README port replaced by this test's."""
        for p in ("4222", "8765", "8766"):
            text = text.replace("127.0.0.1:%s" % p,
                                "127.0.0.1:%d" % self.port(p))
        return text

    def start_nats(self, argv):
        self.assertEqual(argv[0], "nats-server", argv)
        self.assertIn("-js", argv, "JetStream must be on")
        self.assertEqual(option(argv, "-a"), "127.0.0.1")
        port = self.port(option(argv, "-p"))
        store = os.path.join(self.tmp, "store")
        args = list(argv)
        args[args.index("-p") + 1] = str(port)
        args[args.index("-sd") + 1] = store
        args[0] = n.NATS_SERVER
        log = open(os.path.join(self.tmp, "nats.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.addCleanup(self.stop_process, proc)
        return proc

    @staticmethod
    def stop_process(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    async def start_tickerd(self, argv):
        with open(os.path.join(ROOT, config_file(argv)),
                  encoding="utf-8") as f:
            conf = json.loads(self.localize(f.read()))
        return await self.start_daemon(conf, self.make_tmpdir())

    async def recv(self, ws, what):
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        except asyncio.TimeoutError:
            self.fail("edge client: no message within %.0f s, waiting for "
                      "%s" % (WAIT, what))

    async def until(self, what, fn):
        deadline = time.monotonic() + WAIT
        while True:
            got = await fn()
            if got:
                return got
            if time.monotonic() > deadline:
                self.fail("not within %.0f s: %s" % (WAIT, what))
            await asyncio.sleep(0.1)

    async def test_one_machine(self):
        cmds = readme_commands()
        self.assertEqual(len(cmds), 4, cmds)
        self.start_nats(cmds[0])
        ingest = await self.start_tickerd(cmds[1])
        edge = await self.start_tickerd(cmds[2])

        self.assertEqual(cmds[3][:3], ["python3", "-m", "websockets"])
        url = self.localize(cmds[3][3])
        self.assertTrue(url.startswith("ws://127.0.0.1:%d/" %
                                       edge.tcp_port), url)
        ws = await websockets.connect(url, ping_interval=None)
        ws.close_timeout = 0.5
        self.addAsyncCleanup(ws.close)
        hello = await self.recv(ws, "a hello")
        self.assertEqual(hello["type"], "hello")

        # A snapshot first (the edge took it from the stream), then live
        # ticks of both simulated exchanges, numbered by the edge.
        exchanges, seqs, snapshots = set(), [], 0
        deadline = time.monotonic() + WAIT
        while exchanges != {"simex", "simfast"} or len(seqs) < 20:
            if time.monotonic() > deadline:
                self.fail("edge client: live ticks of %s, %d seqs, %d "
                          "snapshots" % (sorted(exchanges), len(seqs),
                                         snapshots))
            msgs = await self.recv(ws, "ticks of %s" % sorted(
                {"simex", "simfast"} - exchanges))
            for m in msgs if isinstance(msgs, list) else [msgs]:
                if m.get("type") not in ("trade", "quote"):
                    continue    # statuses, and the edge's own bbo
                self.assertEqual(m["symbol"], "BTC-USD", m)
                if m.get("snapshot"):
                    snapshots += 1
                    self.assertEqual(seqs, [], "a snapshot after live ticks")
                    continue
                exchanges.add(m["exchange"])
                seqs.append(m["seq"])
        self.assertEqual(seqs, sorted(set(seqs)), "seq not increasing")

        async def hub_connected():
            status, body = await h.http_get(edge, "/health")
            hub = [e for e in json.loads(body)["exchanges"]
                   if e["name"] == "hub"]
            return status == 200 and hub and hub[0]["state"] == "connected"
        await self.until("the edge's hub source connected", hub_connected)

        async def acked():
            return await h.metric(ingest, "tickerd_nats_acked_total") > 0
        await self.until("the ingest's publishes acknowledged", acked)


if __name__ == "__main__":
    unittest.main()
