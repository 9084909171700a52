# SPDX-License-Identifier: MIT
"""A scripted stand-in for tickerd, for what the real one never sends.

It serves given page bytes at GET / and a given /health document, and
accepts the page's WebSocket on the same port; the test then sends it any
frames at all (hostile text, crafted prices, every exchange state, junk).
Python standard library and Debian's python3-websockets (10.x) only.
"""

import asyncio
import http
import json

import websockets


class FakeTickerd:

    def __init__(self, page, health, health_delay=0.0):
        self.page = page            # bytes served at / and /index.html
        self.health = health        # dict served at /health
        self.health_delay = health_delay    # seconds before answering it
        self.server = None
        self.port = None
        self.clients = []           # every WebSocket accepted, in order
        self._changed = asyncio.Event()

    async def start(self):
        self.server = await websockets.serve(
                self._handler, "127.0.0.1", 0, ping_interval=None,
                process_request=self._http)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    async def _http(self, path, headers):
        if headers.get("Upgrade", "").lower() == "websocket":
            return None     # on to the WebSocket handshake
        path = path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            return (http.HTTPStatus.OK,
                    [("Content-Type", "text/html; charset=utf-8")],
                    self.page)
        if path == "/health":
            await asyncio.sleep(self.health_delay)
            return (http.HTTPStatus.OK,
                    [("Content-Type", "application/json")],
                    json.dumps(self.health).encode())
        return (http.HTTPStatus.NOT_FOUND, [], b"not found\n")

    async def _handler(self, ws, path):
        self.clients.append(ws)
        self._changed.set()
        try:
            async for _ in ws:
                pass        # the page may ping; nothing to answer here
        except websockets.ConnectionClosed:
            pass

    async def wait_clients(self, n, timeout=10.0):
        """Waits until @n WebSockets have been accepted; returns the n-th."""
        async def wait():
            while len(self.clients) < n:
                self._changed.clear()
                await self._changed.wait()
        try:
            await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError("fake tickerd: %d of %d page connections "
                                 "within %.0f s" % (len(self.clients), n,
                                                    timeout)) from None
        return self.clients[n - 1]

    async def send(self, *frames):
        """Sends each frame (a dict or list is sent as JSON, str and bytes
        as they are) to the latest page connection, in order."""
        ws = self.clients[-1]
        for f in frames:
            if isinstance(f, (dict, list)):
                f = json.dumps(f, separators=(",", ":"))
            await ws.send(f)

    async def close(self):
        if self.server is None:
            return
        # Every connection goes first, also those the browser opened ahead
        # of need and never used: websockets' own close() fails on a
        # connection still waiting for its handshake.
        for ws in list(self.server.websockets):
            if ws.transport is not None:
                ws.transport.abort()
        await asyncio.sleep(0.1)
        self.server.close()
        try:
            await asyncio.wait_for(self.server.wait_closed(), 5)
        except asyncio.TimeoutError:
            pass
        self.server = None
