# SPDX-License-Identifier: MIT
"""Text from exchanges and clients (SPEC "Never"): valid UTF-8 in every
message tickerd sends, and escaped in every log line it writes.

An exchange error text full of line breaks and terminal escapes, and a
browser Origin with raw bytes, must neither forge a log line (under
journald: a line with a priority of its choosing) nor reach the terminal;
a multi-byte character at the edge of a status detail must not make a
strict client (this one: Python websockets) close with 1007.
"""

import asyncio
import json
import os
import re
import unittest

import tkharness as h

# Newlines with a journald priority and a would-be plain log line after
# them, ESC sequences (clear screen, colour) and the C1 control CSI.
HOSTILE = ("bad key\n<0>forged emergency\r\n"
           "2030-01-01 00:00:00.000 notice: forged plain\x1b[2J\x1b[31m"
           "red\u009b31mcsi\x7fend")


def journal_stream(f):
    st = os.fstat(f.fileno())
    return "%d:%d" % (st.st_dev, st.st_ino)


class TestLogEscaping(h.TkTestCase):

    async def start(self, journald):
        tmp = self.make_tmpdir()
        self.mock = await self.start_mock()
        self.port = h.free_port()
        conf = h.binance_config(self.port, self.mock.url)
        env = {"JOURNAL_STREAM": journal_stream} if journald else None
        self.daemon = await self.start_daemon(conf, tmp, env=env)
        await self.mock.wait_subscribed(1)

    async def exchange_error_logged(self):
        ws = await self.client(self.daemon)
        await h.roundtrip_ping(ws)
        seen = len(ws.tk_statuses)
        await self.mock.send(json.dumps({"code": 2, "msg": HOSTILE}))
        st = await h.recv_status(ws, "connected", exchange="binance",
                                 after=seen)
        # Clients get the text itself, JSON-escaped.
        self.assertEqual(st["detail"], "code 2: " + HOSTILE)
        for _ in range(100):
            if "exchange error" in self.daemon.log():
                break
            await asyncio.sleep(0.05)
        with open(self.daemon.stderr_path, "rb") as f:
            return f.read()

    def assertSafeLog(self, raw, line_re):
        self.assertNotIn(b"\x1b", raw)
        self.assertNotIn(b"\r", raw)
        self.assertNotIn(b"\x7f", raw)
        self.assertNotIn("\u009b".encode(), raw)
        text = raw.decode("utf-8")  # valid UTF-8, or this raises
        lines = text.splitlines()
        for line in lines:
            self.assertRegex(line, line_re, lines)
            self.assertNotRegex(line, r"^(<0>)?forged|^2030-", lines)
        (err,) = [l for l in lines if "exchange error" in l]
        self.assertIn(r"bad key\n<0>forged emergency\r\n2030-01-01 "
                      r"00:00:00.000 notice: forged plain\x1b[2J\x1b[31m"
                      r"red\xc2\x9b31mcsi\x7fend", err)

    async def test_exchange_error_plain(self):
        await self.start(journald=False)
        raw = await self.exchange_error_logged()
        self.assertSafeLog(raw, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} "
                                r"[a-z]+: ")

    async def test_exchange_error_journald(self):
        await self.start(journald=True)
        raw = await self.exchange_error_logged()
        self.assertSafeLog(raw, r"^<[0-7]>\S")
        # The only priority the exchange text could claim is gone.
        self.assertNotRegex(raw.decode(), r"(?m)^<0>")

    async def test_refused_origin_escaped(self):
        """The Origin of a refused browser page is logged: raw bytes (an
        ESC, invalid UTF-8) come out as \\xNN."""
        await self.start(journald=False)
        status = await asyncio.to_thread(
                h.upgrade_status, self.port,
                b"https://evil.example\x1b[2J\xff\xc3")
        self.assertRegex(status, r"^HTTP/1\.[01] 403")
        for _ in range(100):
            if "refused a WebSocket" in self.daemon.log():
                break
            await asyncio.sleep(0.05)
        with open(self.daemon.stderr_path, "rb") as f:
            raw = f.read()
        self.assertNotIn(b"\x1b", raw)
        raw.decode("utf-8")
        self.assertIn(rb"origin https://evil.example\x1b[2J\xff\xc3 ", raw)


class TestStatusUtf8(h.TkTestCase):

    async def test_detail_cut_between_characters(self):
        """An exchange error whose 159-byte cut falls inside a character:
        the status goes out without it, and the strict client stays."""
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), mock.url)
        daemon = await self.start_daemon(conf, tmp)
        await mock.wait_subscribed(1)
        ws = await self.client(daemon)
        await h.roundtrip_ping(ws)
        seen = len(ws.tk_statuses)
        msg = "a" * 150 + "\u00e9\u20ac and more"
        await mock.send(json.dumps({"code": 2, "msg": msg}))
        st = await h.recv_status(ws, "connected", exchange="binance",
                                 after=seen)
        self.assertEqual(st["detail"], "code 2: " + "a" * 150)
        # A later client gets it again, in the snapshot, and stays too.
        late = await self.client(daemon)
        await h.roundtrip_ping(late)
        self.assertIn(st, late.tk_statuses)
        await h.roundtrip_ping(ws)


if __name__ == "__main__":
    unittest.main()
