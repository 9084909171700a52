# SPDX-License-Identifier: MIT
"""Headless Chromium driven over the DevTools protocol, standard library only.

Chromium is started with --remote-debugging-pipe: it reads commands from
fd 3 and writes replies and events to fd 4, each message a JSON text ended
by a NUL byte.  Unlike --dump-dom with --virtual-time-budget (virtual time
does not wait for WebSocket traffic, so a live page is caught before or
after its data at random), this lets a test wait for exactly the DOM state
it needs, read it, and screenshot it, with real time and bounded waits.

Every call blocks; run it in a thread (asyncio.to_thread) when an event
loop must keep running meanwhile.
"""

import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

CHROMIUM = "/usr/bin/chromium"

# A test case that needs Chromium: skipped where it is absent.
needs_chromium = unittest.skipUnless(
        os.path.exists(CHROMIUM),
        "%s is absent: install Debian's chromium (scripts/deps.sh does) "
        "to run the browser tests" % CHROMIUM)

# No network of its own: no updates, no sync, no QUIC, no first-run pages.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions",
         "--disable-default-apps", "--disable-dev-shm-usage",
         "--metrics-recording-only", "--mute-audio",
         "--password-store=basic", "--use-mock-keychain",
         "--no-proxy-server", "--remote-debugging-pipe"]


class CdpError(AssertionError):
    pass


class Browser:
    """One headless Chromium with one page (tab) attached."""

    def __init__(self, width=1200, height=700):
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="tk-chromium-", dir="/tmp")
        self.proc = None
        self.session = None
        self.events = []       # every event on the page's session, in order
        self._replies = {}
        self._next_id = 0
        self._cv = threading.Condition()
        self._reader = None
        self._wfd = self._rfd = None
        self._eof = False
        self.stderr_path = os.path.join(self.profile, "chromium.stderr")

    # -- process

    def start(self, timeout=15.0):
        cmd_r, cmd_w = os.pipe()
        ev_r, ev_w = os.pipe()
        # Above 9, so that "3<&a 4>&b" below never overwrite each other.
        a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(ev_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(ev_w)
        argv = FLAGS + ["--user-data-dir=" + self.profile,
                        "--window-size=%d,%d" % (self.width, self.height),
                        "about:blank"]
        # bash (dash takes one-digit fds only) moves the pipes onto fds 3
        # and 4, where Chromium wants them, and execs it (/usr/bin/chromium is itself a shell script
        # that execs the binary, keeping those fds).
        script = 'exec "$0" "$@" 3<&%d 4>&%d %d<&- %d>&-' % (a, b, a, b)
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                    ["/bin/bash", "-c", script, CHROMIUM] + argv,
                    stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                    pass_fds=(a, b), start_new_session=True)
        os.close(a)
        os.close(b)
        self._wfd, self._rfd = cmd_w, ev_r
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"},
                           timeout=timeout, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height,
                   "deviceScaleFactor": 1, "mobile": False})
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")
        return self

    def close(self):
        """Closes the browser politely, then kills whatever is left of its
        process group, and removes its profile.  Safe to call twice."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.call("Browser.close", session=False, timeout=3)
            except (CdpError, OSError):
                pass
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for fd in (self._wfd, self._rfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._wfd = self._rfd = None
        if self._reader is not None:
            self._reader.join(5)
        shutil.rmtree(self.profile, ignore_errors=True)

    def stderr_tail(self, lines=20):
        try:
            with open(self.stderr_path, encoding="utf-8",
                      errors="replace") as f:
                text = f.read().splitlines()[-lines:]
        except FileNotFoundError:
            return ""
        return "--- chromium stderr ---\n" + "\n".join(text)

    # -- protocol

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._rfd, 1 << 16)
            except (OSError, TypeError):
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cv:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    elif msg.get("sessionId") == self.session:
                        self.events.append(msg)
                    self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def call(self, method, params=None, timeout=10.0, session=True):
        """Sends one command (to the page's session unless @session is
        False) and returns its result; raises CdpError on an error reply,
        a timeout or a dead browser."""
        with self._cv:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._wfd, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cv:
            while mid not in self._replies:
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    raise CdpError("%s: %s\n%s" % (
                            method, "browser gone" if self._eof else
                            "no reply within %.0f s" % timeout,
                            self.stderr_tail()))
                self._cv.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise CdpError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    # -- page

    def navigate(self, url, timeout=10.0):
        """Loads @url and waits for its load event."""
        start = len(self.events)
        res = self.call("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise CdpError("navigate %s: %s" % (url, res["errorText"]))
        self.wait_event("Page.loadEventFired", timeout, after=start)

    def wait_event(self, method, timeout=10.0, after=0):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for ev in self.events[after:]:
                    if ev.get("method") == method:
                        return ev
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    raise CdpError("no %s within %.0f s" % (method, timeout))
                self._cv.wait(left)

    def eval(self, expression):
        """The value of a JavaScript expression in the page (JSON-able;
        promises are awaited)."""
        res = self.call("Runtime.evaluate",
                        {"expression": expression, "returnByValue": True,
                         "awaitPromise": True})
        if "exceptionDetails" in res:
            raise CdpError("eval %r: %s" % (expression,
                                            res["exceptionDetails"]))
        return res["result"].get("value")

    def wait_for(self, expression, timeout=10.0, what=None):
        """Polls @expression until it is truthy; returns that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError("timed out after %.0f s waiting for %s "
                               "(last value %r)" % (timeout, what or
                               expression, value))
            time.sleep(0.1)

    def screenshot(self, path):
        """Saves a PNG of the viewport to @path; returns its bytes."""
        data = base64.b64decode(self.call(
                "Page.captureScreenshot", {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def problems(self):
        """Uncaught exceptions, console errors and browser log errors
        (e.g. a Content-Security-Policy violation), as text lines."""
        out = []
        with self._cv:
            events = list(self.events)
        for ev in events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: %s %s" % (
                        d.get("text"),
                        d.get("exception", {}).get("description", "")))
            elif ev["method"] == "Runtime.consoleAPICalled" and \
                    p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p["type"], [
                        a.get("value", a.get("description"))
                        for a in p.get("args", [])]))
            elif ev["method"] == "Log.entryAdded" and \
                    p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                out.append("log %s: %s %s" % (e.get("source"),
                                              e.get("text"), e.get("url",
                                                                   "")))
        return out
