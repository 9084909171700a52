# SPDX-License-Identifier: MIT
"""The command line: options, exit codes, configuration errors, SIGTERM."""

import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import tkharness as h

RUN_TIMEOUT = 10


def run(*args, timeout=RUN_TIMEOUT):
    """Runs tickerd to completion (killed after @timeout)."""
    return subprocess.run([h.tickerd_path()] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=h.daemon_env(), timeout=timeout)


def good_config():
    return h.binance_config(h.free_port(), "ws://127.0.0.1:9/ws")


class CliCase(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tk-", dir="/tmp")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def assertExit(self, res, code):
        self.assertEqual(res.returncode, code,
                         "exit %d, expected %d\nstdout: %s\nstderr: %s" %
                         (res.returncode, code, res.stdout, res.stderr))
        for m in h.FATAL_LOG_MARKERS:
            self.assertNotIn(m, res.stderr)

    def check_config(self, conf):
        path = h.write_config(self.tmp, conf)
        return path, run("-c", path, "--check-config")


class TestOptions(CliCase):

    def test_version(self):
        res = run("--version")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"\d+\.\d+\.\d+")

    def test_help(self):
        res = run("--help")
        self.assertExit(res, 0)
        text = res.stdout + res.stderr
        for opt in ("-c", "--check-config", "--version"):
            self.assertIn(opt, text)

    def test_unknown_option(self):
        res = run("--frobnicate")
        self.assertExit(res, 2)
        self.assertTrue(res.stderr.strip(), "no message on stderr")

    def test_missing_option_argument(self):
        res = run("-c")
        self.assertExit(res, 2)
        self.assertTrue(res.stderr.strip(), "no message on stderr")

    def test_extra_argument(self):
        res = run("--check-config", "stray")
        self.assertExit(res, 2)


class TestCheckConfig(CliCase):

    def test_good_config(self):
        path, res = self.check_config(good_config())
        self.assertExit(res, 0)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 1, res.stdout)
        self.assertIn("OK", lines[0])

    def test_warnings_on_stderr(self):
        # Accepted, but weaker than the default: said on stderr, with the
        # JSON path, while stdout keeps its one summary line.
        conf = good_config()
        conf["exchanges"][0]["url"] = "ws://192.0.2.1:9/ws"
        conf["exchanges"].append({"name": "b2", "adapter": "binance",
                                  "symbols": ["BTC-USDT"],
                                  "tls_verify": False})
        path, res = self.check_config(conf)
        self.assertExit(res, 0)
        self.assertEqual(len(res.stdout.splitlines()), 1, res.stdout)
        self.assertEqual(res.stderr.splitlines(), [
            'tickerd: %s: warning: exchanges[0].url: "ws://192.0.2.1:9/ws" '
            'is not encrypted: what 192.0.2.1 sends can be read and '
            'changed on the way (use wss://)' % path,
            'tickerd: %s: warning: exchanges[1].tls_verify: false: TLS '
            'certificates of stream.binance.com are not verified' % path])
        # A loopback test server is nothing to warn about.
        path, res = self.check_config(good_config())
        self.assertEqual(res.stderr, "")

    def test_good_config_minimal(self):
        # SPEC: every key but listen, name, adapter and symbols has a
        # default, so this is complete.
        path, res = self.check_config({
                "listen": {"unix": os.path.join(self.tmp, "t.sock")},
                "exchanges": [{"name": "binance", "adapter": "binance",
                               "symbols": ["BTC-USDT"]}]})
        self.assertExit(res, 0)
        self.assertIn("OK", res.stdout)

    def test_syntax_error(self):
        # The comma after line 2 is missing: the error is on line 3.
        text = ('{\n'
                '  "listen": {"tcp": "127.0.0.1:8765"}\n'
                '  "exchanges": []\n'
                '}\n')
        path, res = self.check_config(text)
        self.assertExit(res, 2)
        m = re.search(re.escape(path) + r":(\d+):(\d+): \S", res.stderr)
        self.assertTrue(m, "no FILE:LINE:COL: in %r" % res.stderr)
        self.assertEqual(int(m.group(1)), 3, res.stderr)
        self.assertTrue(1 <= int(m.group(2)) <= 18, res.stderr)
        self.assertNotIn("OK", res.stdout)

    def test_bad_symbol(self):
        conf = good_config()
        conf["exchanges"].append({"name": "binance-b",
                                  "adapter": "binance",
                                  "symbols": ["BTCUSD"]})
        path, res = self.check_config(conf)
        self.assertExit(res, 2)
        self.assertIn('%s: exchanges[1].symbols[0]: "BTCUSD" is not '
                      'BASE-QUOTE (expected upper case like "BTC-USD")' %
                      path, res.stderr)

    def test_unknown_key_suggestion(self):
        conf = good_config()
        conf["exchanges"][0]["symbls"] = conf["exchanges"][0]["symbols"]
        path, res = self.check_config(conf)
        self.assertExit(res, 2)
        self.assertIn('%s: exchanges[0].symbls: unknown key (did you mean '
                      '"symbols"?)' % path, res.stderr)

    def test_bad_values_name_their_path(self):
        def base():
            return good_config()
        cases = []
        c = base(); c["exchanges"][0]["symbols"] = ["btc-usdt"]
        cases.append(("lower case", c, "exchanges[0].symbols[0]"))
        c = base(); c["exchanges"][0]["adapter"] = "nosuch"
        cases.append(("adapter", c, "exchanges[0].adapter"))
        c = base(); c["exchanges"][0]["stale_s"] = "soon"
        cases.append(("stale_s type", c, "exchanges[0].stale_s"))
        c = base(); c["exchanges"][0]["channels"] = ["candles"]
        cases.append(("channel", c, "exchanges[0].channels[0]"))
        c = base(); c["exchanges"].append(dict(c["exchanges"][0]))
        cases.append(("duplicate name", c, "exchanges[1].name"))
        c = base(); c["listen"] = {}
        cases.append(("no listener", c, "listen"))
        c = base(); c["lisen"] = c.pop("listen")
        cases.append(("top-level typo", c, 'did you mean "listen"'))
        for what, conf, needle in cases:
            with self.subTest(what):
                path, res = self.check_config(conf)
                self.assertExit(res, 2)
                self.assertIn(path, res.stderr)
                self.assertIn(needle, res.stderr)

    def test_missing_file(self):
        path = os.path.join(self.tmp, "no-such-config.json")
        for args in (["--check-config"], []):
            with self.subTest(args=args):
                res = run("-c", path, *args)
                self.assertExit(res, 2)
                self.assertIn(path, res.stderr)

    def test_bad_config_when_running(self):
        # Not only --check-config: starting with a bad config fails too.
        conf = good_config()
        conf["exchanges"][0]["symbols"] = ["BTCUSD"]
        path = h.write_config(self.tmp, conf)
        res = run("-c", path)
        self.assertExit(res, 2)
        self.assertIn("exchanges[0].symbols[0]", res.stderr)


class TestRunning(h.TkTestCase):

    async def test_sigterm_closes_clients_1001_and_exits_0(self):
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), mock.url,
                                os.path.join(tmp, "t.sock"))
        d = await self.start_daemon(conf, tmp)
        up = await mock.wait_subscribed(1)
        tcp = await self.client(d)
        unix = await self.client(d, unix=True)
        for ws in (tcp, unix):
            await h.roundtrip_ping(ws)
        t0 = time.monotonic()
        d.proc.send_signal(signal.SIGTERM)
        for ws in (tcp, unix):
            try:
                await asyncio.wait_for(ws.wait_closed(), 2.0)
            except asyncio.TimeoutError:
                self.fail("client not closed within 2 s of SIGTERM\n" +
                          d.log_tail())
            self.assertEqual(ws.close_code, 1001, d.log_tail())
        rc = await d.wait(2.0 - (time.monotonic() - t0) + 0.2)
        self.assertIsNotNone(rc, "still running 2 s after SIGTERM\n" +
                             d.log_tail())
        self.assertEqual(rc, 0, d.log_tail())
        self.assertLess(time.monotonic() - t0, 2.5)
        # The upstream connection is gone as well.
        await mock.wait_closed(up, 2)

    async def test_journald_priority_prefixes(self):
        # Under journald (JOURNAL_STREAM names stderr), every log line
        # starts with a syslog priority prefix instead of a timestamp.
        def journal_stream(f):
            st = os.fstat(f.fileno())
            return "%d:%d" % (st.st_dev, st.st_ino)
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), mock.url)
        d = await self.start_daemon(conf, tmp,
                                    env={"JOURNAL_STREAM": journal_stream})
        await mock.wait_subscribed(1)
        self.assertEqual(await d.stop(), 0, d.log_tail())
        lines = d.log().splitlines()
        self.assertTrue(lines, "nothing logged")
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>\S", lines)

    async def test_plain_stderr_has_no_prefixes(self):
        # Not under journald: no "<N>" (a terminal or a file reader
        # would see them as noise).
        tmp = self.make_tmpdir()
        mock = await self.start_mock()
        conf = h.binance_config(h.free_port(), mock.url)
        d = await self.start_daemon(conf, tmp)
        await mock.wait_subscribed(1)
        self.assertEqual(await d.stop(), 0, d.log_tail())
        lines = d.log().splitlines()
        self.assertTrue(lines, "nothing logged")
        for line in lines:
            self.assertNotRegex(line, r"^<[0-7]>", lines)


if __name__ == "__main__":
    unittest.main()
