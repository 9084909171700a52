# SPDX-License-Identifier: MIT
"""Exchange host names are resolved off the loop, and the resolver never
leaves a thread of tickerd with the stop signals unblocked: a SIGTERM the
kernel handed to such a thread would kill the daemon on the spot, or be
lost when it runs as PID 1 in a container."""

import asyncio
import os
import re
import signal
import time

import tkharness as h

BTC_TRADE = h.unwrap(h.fixture("aggTrade_3.json"))
SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def trade(agg_id):
    text, n = re.subn(r'"a":\d+', '"a":%d' % agg_id, BTC_TRADE)
    assert n == 1
    return text


def threads_taking_sigterm(pid):
    """Live threads of @pid whose mask lets SIGTERM in, by thread id."""
    found = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                fields = dict(line.split(":", 1) for line in f
                              if ":" in line)
        except OSError:
            continue		# gone meanwhile
        state = fields.get("State", "").split()
        if state and state[0] in "RSD" and \
                not int(fields["SigBlk"], 16) & SIGTERM_BIT:
            found.append(tid)
    return found


class TestResolve(h.TkTestCase):

    async def test_exchange_by_host_name(self):
        """ws://localhost:PORT resolves (to 127.0.0.1 here) and delivers."""
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        port = h.free_port()
        url = mock.url.replace("127.0.0.1", "localhost")
        self.assertIn("localhost", url)
        daemon = await self.start_daemon(h.binance_config(port, url), tmp)
        await mock.wait_subscribed(1)
        ws = await h.connect(daemon)
        await mock.send(trade(7001))
        ticks = await h.recv_ticks(ws, 1)
        self.assertEqual(ticks[0]["trade_id"], "7001")
        await ws.close()

    async def test_no_thread_takes_sigterm_while_resolving(self):
        """40 exchanges resolve "localhost" and fail to connect, over and
        over; /proc is read as fast as it goes for 3 s.  Then SIGTERM
        stops the daemon the graceful way."""
        tmp = self.make_tmpdir()
        port = h.free_port()
        closed = h.free_port()
        conf = h.binance_config(port, "ws://localhost:%d/ws" % closed)
        base = conf["exchanges"][0]
        conf["exchanges"] = [dict(base, name="x%d" % i) for i in range(40)]
        daemon = await self.start_daemon(conf, tmp)
        pid = daemon.proc.pid
        seen, scans = set(), 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            seen.update(threads_taking_sigterm(pid))
            scans += 1
            if scans % 200 == 0:
                await asyncio.sleep(0)
        self.assertGreater(scans, 1000)
        self.assertIn("localhost", daemon.log())
        self.assertEqual(seen, set(),
                         "threads with SIGTERM unblocked (%d scans)" % scans)
        self.assertEqual(await daemon.stop(), 0)
        self.assertIn("stopping", daemon.log())
