# SPDX-License-Identifier: MIT
"""Probes for the container tests, run on the host (or in a container's
network namespace through nsenter -n):

  probe.py health HOST:PORT | UNIX_PATH   GET /health; prints the JSON
  probe.py ticks HOST:PORT N              a WebSocket client gets N ticks
  probe.py hold HOST:PORT SECONDS         a client that must keep getting
                                          ticks for SECONDS (reload test)
Exit status 0 on success, 1 with a reason on stderr otherwise."""

import asyncio
import json
import socket
import sys
import time


def http_get(target, path, timeout=5.0):
    if target.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = target
    else:
        host, port = target.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    with s:
        s.settimeout(timeout)
        s.connect(addr)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n"
                  b"Connection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


async def ticks(target, n, seconds=None):
    import websockets
    host, port = target.rsplit(":", 1)
    async with websockets.connect("ws://%s:%s/" % (host, port),
                                  ping_interval=None,
                                  open_timeout=10) as ws:
        got = 0
        deadline = time.monotonic() + (seconds or 0)
        while got < n or (seconds and time.monotonic() < deadline):
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if msg.get("type") in ("trade", "quote"):
                got += 1
        return got


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    what, target = argv[1], argv[2]
    try:
        if what == "health":
            status, body = http_get(target, "/health")
            if status != 200:
                raise RuntimeError("HTTP %d: %s" % (status, body))
            json.loads(body)
            print(body.strip())
        elif what == "ticks":
            print(asyncio.run(ticks(target, int(argv[3]))), "ticks")
        elif what == "hold":
            print(asyncio.run(ticks(target, 1, float(argv[3]))), "ticks")
        else:
            sys.exit(__doc__)
    except Exception as e:  # the reason is the output
        print("probe %s %s: %s: %s" % (what, target, type(e).__name__, e),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
